// The one IPC gateway between the renderer and the main process: checks every message's sender, hands
// commands to the controller and attaches each subscribed window to the publisher. No channel name is written here.

import { type IpcMainEvent, type IpcMainInvokeEvent, ipcMain, type WebContents } from 'electron';
import type { CommandResult } from '../shared/commands';
import { type ControllerStatus, IPC_CHANNELS } from '../shared/wire';
import { checkSender, type TrustedRenderer } from './ipc-guard';
import type { EventPublisher } from './publisher';
import type { ServerController } from './server-controller';

export interface IpcGatewayOptions {
  controller: ServerController;
  publisher: EventPublisher;
  trustedRenderer: TrustedRenderer;
}

/** Registers every handler; the returned function removes them and detaches all viewers. */
export function registerIpc({ controller, publisher, trustedRenderer }: IpcGatewayOptions): () => void {
  /** One viewer per window (WebContents id); calling the value detaches it. */
  const detachByWebContentsId = new Map<number, () => void>();

  function attachViewer(webContents: WebContents): void {
    // A second subscribe from the same window (the page remounted) replaces the first: a fresh snapshot, one stream.
    detachByWebContentsId.get(webContents.id)?.();

    const removeViewer = publisher.addViewer({
      send: (message) => {
        if (!webContents.isDestroyed()) webContents.send(IPC_CHANNELS.publish, message);
      },
      // IPC to a local window has no send buffer we can measure; the publisher's own bound still applies.
      isCongested: () => false,
    });
    const onNavigation = (details: { isMainFrame: boolean; isSameDocument: boolean }): void => {
      // A reload or any new document must subscribe again; same-document (hash) changes keep the stream.
      if (details.isMainFrame && !details.isSameDocument) detach();
    };
    const detach = (): void => {
      if (detachByWebContentsId.get(webContents.id) !== detach) return;
      detachByWebContentsId.delete(webContents.id);
      removeViewer();
      if (!webContents.isDestroyed()) {
        webContents.off('did-start-navigation', onNavigation);
        webContents.off('destroyed', detach);
      }
    };
    webContents.once('destroyed', detach);
    webContents.on('did-start-navigation', onNavigation);
    detachByWebContentsId.set(webContents.id, detach);
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

  return () => {
    ipcMain.removeHandler(IPC_CHANNELS.command);
    ipcMain.removeHandler(IPC_CHANNELS.status);
    ipcMain.off(IPC_CHANNELS.subscribe, handleSubscribe);
    ipcMain.off(IPC_CHANNELS.unsubscribe, handleUnsubscribe);
    for (const detach of [...detachByWebContentsId.values()]) detach();
  };
}
