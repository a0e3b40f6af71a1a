// The one IPC gateway between the renderer and the main process: checks every message's sender, hands
// commands to the controller, attaches each watching window to the frame publisher (views, acks,
// queries), and saves the live history where a save dialog says (Save run…, Export trace). No channel name is
// written here.

import { BrowserWindow, dialog, type IpcMainEvent, type IpcMainInvokeEvent, ipcMain, type WebContents } from 'electron';
import type { CommandResult } from '../shared/commands';
import {
  type ControllerStatus,
  HISTORY_EXPORT_KINDS,
  type HistoryExportKind,
  IPC_CHANNELS,
  type QueryResult,
  type SaveResult,
} from '../shared/wire';
import { exportFileName, HISTORY_EXPORTS, writeHistoryExport } from './history-export';
import { checkSender, type TrustedRenderer } from './ipc-guard';
import type { FramePublisher, FrameViewer } from './publisher';
import type { ServerController } from './server-controller';

export interface IpcGatewayOptions {
  controller: ServerController;
  publisher: FramePublisher;
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
export function registerIpc({ controller, publisher, trustedRenderer }: IpcGatewayOptions): () => void {
  /** One viewer per window (WebContents id), with the function that detaches it. */
  const viewers = new Map<number, { viewer: FrameViewer; detach: () => void }>();

  /** The window's viewer, attached on its first view. Acks pace it, so IPC never builds a backlog. */
  function viewerOf(webContents: WebContents): FrameViewer {
    const attached = viewers.get(webContents.id);
    if (attached) return attached.viewer;
    const id = webContents.id;
    const viewer = publisher.addViewer({
      send: (frame) => {
        if (!webContents.isDestroyed()) webContents.send(IPC_CHANNELS.frame, frame);
      },
    });
    const detach = untilNavigation(webContents, () => {
      if (viewers.get(id)?.viewer === viewer) viewers.delete(id);
      viewer.remove();
    });
    viewers.set(id, { viewer, detach });
    return viewer;
  }

  function handleView(event: IpcMainEvent, view: unknown): void {
    if (!checkSender(event.senderFrame, trustedRenderer).ok) return;
    const error = viewerOf(event.sender).setView(view);
    if (error !== null) process.emitWarning(`Poolscope refused a view: ${error}`);
  }

  function handleFrameAck(event: IpcMainEvent, seq: unknown): void {
    if (!checkSender(event.senderFrame, trustedRenderer).ok) return;
    viewers.get(event.sender.id)?.viewer.ack(seq);
  }

  function handleUnwatch(event: IpcMainEvent): void {
    viewers.get(event.sender.id)?.detach();
  }

  async function handleQuery(event: IpcMainInvokeEvent, query: unknown): Promise<QueryResult> {
    const sender = checkSender(event.senderFrame, trustedRenderer);
    if (!sender.ok) return sender;
    return viewers.get(event.sender.id)?.viewer.query(query) ?? publisher.query(query);
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

  /**
   * Save run… / Export trace: a save dialog on the sender's window, then the history as it is once the person
   * chose the file, streamed to it. The argument is untrusted: only the two kinds are accepted.
   */
  async function handleSaveHistory(event: IpcMainInvokeEvent, kind: unknown): Promise<SaveResult> {
    const sender = checkSender(event.senderFrame, trustedRenderer);
    if (!sender.ok) return sender;
    if (!(HISTORY_EXPORT_KINDS as readonly unknown[]).includes(kind)) {
      return { ok: false, error: `Nothing to save as ${JSON.stringify(kind) ?? String(kind)}: expected "run" or "trace"` };
    }
    const exportKind = kind as HistoryExportKind;
    const spec = HISTORY_EXPORTS[exportKind];
    const options: Electron.SaveDialogOptions = {
      title: exportKind === 'run' ? 'Save run' : 'Export trace',
      defaultPath: exportFileName(exportKind, new Date()),
      filters: [{ name: spec.filterName, extensions: [spec.extension.split('.').at(-1)!] }],
    };
    const window = BrowserWindow.fromWebContents(event.sender);
    const choice = window === null ? await dialog.showSaveDialog(options) : await dialog.showSaveDialog(window, options);
    if (choice.canceled || !choice.filePath) return { ok: false, isCanceled: true };
    try {
      await writeHistoryExport(controller, exportKind, choice.filePath);
      return { ok: true, filePath: choice.filePath };
    } catch (error) {
      return { ok: false, error: `Could not write ${choice.filePath}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  ipcMain.handle(IPC_CHANNELS.command, handleCommand);
  ipcMain.handle(IPC_CHANNELS.status, handleStatus);
  ipcMain.on(IPC_CHANNELS.view, handleView);
  ipcMain.on(IPC_CHANNELS.frameAck, handleFrameAck);
  ipcMain.on(IPC_CHANNELS.unwatch, handleUnwatch);
  ipcMain.handle(IPC_CHANNELS.query, handleQuery);
  ipcMain.handle(IPC_CHANNELS.saveHistory, handleSaveHistory);

  return () => {
    ipcMain.removeHandler(IPC_CHANNELS.command);
    ipcMain.removeHandler(IPC_CHANNELS.status);
    ipcMain.off(IPC_CHANNELS.view, handleView);
    ipcMain.off(IPC_CHANNELS.frameAck, handleFrameAck);
    ipcMain.off(IPC_CHANNELS.unwatch, handleUnwatch);
    ipcMain.removeHandler(IPC_CHANNELS.query);
    ipcMain.removeHandler(IPC_CHANNELS.saveHistory);
    for (const { detach } of [...viewers.values()]) detach();
  };
}
