// The one IPC gateway between the renderer and the main process: checks every message's sender, hands
// commands to the controller, attaches each subscribed window to the event publisher and each watching
// window to the frame publisher (views, acks, queries). No channel name is written here.

import { type IpcMainEvent, type IpcMainInvokeEvent, ipcMain, type WebContents } from 'electron';
import type { CommandResult } from '../shared/commands';
import { type ControllerStatus, IPC_CHANNELS, type QueryResult } from '../shared/wire';
import { checkSender, type TrustedRenderer } from './ipc-guard';
import type { EventPublisher, FramePublisher, FrameViewer } from './publisher';
import type { ServerController } from './server-controller';

export interface IpcGatewayOptions {
  controller: ServerController;
  publisher: EventPublisher;
  framePublisher: FramePublisher;
  trustedRenderer: TrustedRenderer;
}

/**
 * Runs `detach` once the window is gone or loads a new document (a reload must watch again); same-document
 * (hash) changes keep it. Returns the function that detaches at once.
 */
function untilNavigation(webContents: WebContents, detach: () => void): () => void {
  let isAttached = true;
  const onNavigation = (details: { isMainFrame: boolean; isSameDocument: boolean }): void => {
    if (details.isMainFrame && !details.isSameDocument) done();
  };
  const done = (): void => {
    if (!isAttached) return;
    isAttached = false;
    detach();
    if (!webContents.isDestroyed()) {
      webContents.off('did-start-navigation', onNavigation);
      webContents.off('destroyed', done);
    }
  };
  webContents.once('destroyed', done);
  webContents.on('did-start-navigation', onNavigation);
  return done;
}

/** Registers every handler; the returned function removes them and detaches all viewers. */
export function registerIpc({ controller, publisher, framePublisher, trustedRenderer }: IpcGatewayOptions): () => void {
  /** One event viewer per window (WebContents id); calling the value detaches it. */
  const detachByWebContentsId = new Map<number, () => void>();
  /** One frame viewer per window, with the function that detaches it. */
  const frameViewers = new Map<number, { viewer: FrameViewer; detach: () => void }>();

  function attachViewer(webContents: WebContents): void {
    // A second subscribe from the same window (the page remounted) replaces the first: a fresh snapshot, one stream.
    detachByWebContentsId.get(webContents.id)?.();
    const id = webContents.id;
    const removeViewer = publisher.addViewer({
      send: (message) => {
        if (!webContents.isDestroyed()) webContents.send(IPC_CHANNELS.publish, message);
      },
      // IPC to a local window has no send buffer we can measure; the publisher's own bound still applies.
      isCongested: () => false,
    });
    const detach = untilNavigation(webContents, () => {
      if (detachByWebContentsId.get(id) === detach) detachByWebContentsId.delete(id);
      removeViewer();
    });
    detachByWebContentsId.set(id, detach);
  }

  /** The window's frame viewer, attached on its first view. Acks pace it, so IPC never builds a backlog. */
  function frameViewerOf(webContents: WebContents): FrameViewer {
    const attached = frameViewers.get(webContents.id);
    if (attached) return attached.viewer;
    const id = webContents.id;
    const viewer = framePublisher.addViewer({
      send: (frame) => {
        if (!webContents.isDestroyed()) webContents.send(IPC_CHANNELS.frame, frame);
      },
    });
    const detach = untilNavigation(webContents, () => {
      if (frameViewers.get(id)?.viewer === viewer) frameViewers.delete(id);
      viewer.remove();
    });
    frameViewers.set(id, { viewer, detach });
    return viewer;
  }

  function handleView(event: IpcMainEvent, view: unknown): void {
    if (!checkSender(event.senderFrame, trustedRenderer).ok) return;
    const error = frameViewerOf(event.sender).setView(view);
    if (error !== null) process.emitWarning(`Poolscope refused a view: ${error}`);
  }

  function handleFrameAck(event: IpcMainEvent, seq: unknown): void {
    if (!checkSender(event.senderFrame, trustedRenderer).ok) return;
    frameViewers.get(event.sender.id)?.viewer.ack(seq);
  }

  function handleUnwatch(event: IpcMainEvent): void {
    frameViewers.get(event.sender.id)?.detach();
  }

  async function handleQuery(event: IpcMainInvokeEvent, query: unknown): Promise<QueryResult> {
    const sender = checkSender(event.senderFrame, trustedRenderer);
    if (!sender.ok) return sender;
    return frameViewers.get(event.sender.id)?.viewer.query(query) ?? framePublisher.query(query);
  }

  async function handleCommand(event: IpcMainInvokeEvent, command: unknown): Promise<CommandResult> {
    const sender = checkSender(event.senderFrame, trustedRenderer);
    if (!sender.ok) return sender;
    return controller.execute(command);
  }

  async function handleStatus(event: IpcMainInvokeEvent): Promise<ControllerStatus> {
    const sender = checkSender(event.senderFrame, trustedRenderer);
    // invoke() rejects in the page when a handler throws; the refusal's words reach the caller that way.
    if (!sender.ok) throw new Error(sender.error);
    return controller.status;
  }

  function handleSubscribe(event: IpcMainEvent): void {
    if (!checkSender(event.senderFrame, trustedRenderer).ok) return;
    attachViewer(event.sender);
  }

  function handleUnsubscribe(event: IpcMainEvent): void {
    detachByWebContentsId.get(event.sender.id)?.();
  }

  ipcMain.handle(IPC_CHANNELS.command, handleCommand);
  ipcMain.handle(IPC_CHANNELS.status, handleStatus);
  ipcMain.on(IPC_CHANNELS.subscribe, handleSubscribe);
  ipcMain.on(IPC_CHANNELS.unsubscribe, handleUnsubscribe);
  ipcMain.on(IPC_CHANNELS.view, handleView);
  ipcMain.on(IPC_CHANNELS.frameAck, handleFrameAck);
  ipcMain.on(IPC_CHANNELS.unwatch, handleUnwatch);
  ipcMain.handle(IPC_CHANNELS.query, handleQuery);

  return () => {
    ipcMain.removeHandler(IPC_CHANNELS.command);
    ipcMain.removeHandler(IPC_CHANNELS.status);
    ipcMain.off(IPC_CHANNELS.subscribe, handleSubscribe);
    ipcMain.off(IPC_CHANNELS.unsubscribe, handleUnsubscribe);
    ipcMain.off(IPC_CHANNELS.view, handleView);
    ipcMain.off(IPC_CHANNELS.frameAck, handleFrameAck);
    ipcMain.off(IPC_CHANNELS.unwatch, handleUnwatch);
    ipcMain.removeHandler(IPC_CHANNELS.query);
    for (const detach of [...detachByWebContentsId.values()]) detach();
    for (const { detach } of [...frameViewers.values()]) detach();
  };
}
