// window.poolscope: the renderer's whole reach into the main process, one named function per message.
// Sandboxed, so it may only require('electron'); the page never sees ipcRenderer or an IPC event object.

import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import { type Command, type CommandResult, runScenarioCommand, scenarioResultOf } from '../shared/commands';
import type { ServerSettings } from '../shared/settings';
import {
  type ControllerStatus,
  type FrameSubscription,
  IPC_CHANNELS,
  type PoolscopeApi,
  type PoolscopeSaveApi,
  type QueryResult,
  type ViewerFrame,
  type ViewerQuery,
  type ViewerView,
} from '../shared/wire';

const execute = (command: Command): Promise<CommandResult> => ipcRenderer.invoke(IPC_CHANNELS.command, command);

const api: PoolscopeApi & PoolscopeSaveApi = {
  startServer: (settings: ServerSettings): Promise<CommandResult> => execute({ type: 'start-server', settings }),
  stopServer: (): Promise<CommandResult> => execute({ type: 'stop-server' }),
  fireBurst: (path: '/sleep' | '/', count: number): Promise<CommandResult> => execute({ type: 'fire-burst', path, count }),
  startLoad: (settings) => execute({ type: 'start-load', settings }),
  cancelLoad: () => execute({ type: 'cancel-load' }),
  startSweep: (settings) => execute({ type: 'start-sweep', settings }),
  cancelSweep: () => execute({ type: 'cancel-sweep' }),
  startCompare: (settings) => execute({ type: 'start-compare', settings }),
  cancelCompare: () => execute({ type: 'cancel-compare' }),
  runScenario: async (scenario, options) => scenarioResultOf(await execute(runScenarioCommand(scenario, options))),
  setHistory: (settings) => execute({ type: 'set-history', settings }),
  getStatus: (): Promise<ControllerStatus> => ipcRenderer.invoke(IPC_CHANNELS.status),
  // One frame stream per window: a second watch takes it over (main keeps one frame viewer per window).
  watch(view: ViewerView, listener: (frame: ViewerFrame) => void): FrameSubscription {
    const onFrame = (_event: IpcRendererEvent, frame: ViewerFrame): void => listener(frame);
    ipcRenderer.removeAllListeners(IPC_CHANNELS.frame);
    ipcRenderer.on(IPC_CHANNELS.frame, onFrame);
    ipcRenderer.send(IPC_CHANNELS.view, view);
    let isWatching = true;
    return {
      setView: (next: ViewerView) => {
        if (isWatching) ipcRenderer.send(IPC_CHANNELS.view, next);
      },
      ack: (seq: number) => {
        if (isWatching) ipcRenderer.send(IPC_CHANNELS.frameAck, seq);
      },
      close: () => {
        if (!isWatching) return;
        isWatching = false;
        ipcRenderer.off(IPC_CHANNELS.frame, onFrame);
        ipcRenderer.send(IPC_CHANNELS.unwatch);
      },
    };
  },
  query: (query: ViewerQuery): Promise<QueryResult> => ipcRenderer.invoke(IPC_CHANNELS.query, query),
  saveHistory: (kind) => ipcRenderer.invoke(IPC_CHANNELS.saveHistory, kind),
};

contextBridge.exposeInMainWorld('poolscope', api);
