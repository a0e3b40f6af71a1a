// What travels between the main side (Electron main or the dashboard server) and a viewer:
// publisher messages one way, commands the other. Shared by IPC and the WebSocket transport.

import type { Command, CommandResult, LoadRunSettings } from './commands';
import type { ServerEvent } from './events';
import type { LiveMetrics } from './live-metrics';
import type { SweepSettings } from './load-settings';
import type { PoolSnapshot } from './pool-model';
import type { ServerSettings, SettingName } from './settings';

export type ControllerPhase = 'stopped' | 'starting' | 'listening' | 'stopping';

/** The server controller's own state: what the Start/Stop buttons and the status line show. */
export interface ControllerStatus {
  phase: ControllerPhase;
  /** `http://127.0.0.1:7878` while listening, else null. */
  url: string | null;
  /**
   * The settings of the running server; while stopped, those it last ran with (the initial ones before any run).
   * While starting, the ones being tried; a start that fails leaves them as they were, so a page that opens never
   * shows input that was refused.
   */
  settings: ServerSettings;
  /** The last command's failure, in words for a person (e.g. "Port 7878 is already in use"). */
  lastError: string | null;
  /** The setting lastError is about, when one is (see CommandResult's `field`); absent otherwise. */
  lastErrorField?: SettingName;
}

export type ViewerMessage =
  /** First message to every (re)connecting viewer: the whole aggregate. */
  | { kind: 'snapshot'; sentAt: number; snapshot: PoolSnapshot; status: ControllerStatus }
  /** Then, at most one per publish interval: the events since the last message. */
  | {
      kind: 'delta';
      sentAt: number;
      events: ServerEvent[];
      /** Total events dropped for this viewer so far (never resets while it stays connected). */
      droppedEventCount: number;
      /** Present when the controller's status changed since the last message. */
      status?: ControllerStatus;
    }
  /**
   * A few times a second, apart from the events: figures the main side computed from every event (the queueing
   * window, chart samples) and the load run or sweep in progress. Self-contained, so it may travel in any frame.
   */
  | { kind: 'metrics'; sentAt: number; metrics: LiveMetrics };

/** WebSocket frames from a dashboard page (IPC uses invoke() and send() instead). */
export type DashboardClientFrame =
  /** The page is ready: send a snapshot, then deltas. Nothing is sent to a page before this. */
  | { kind: 'subscribe' }
  /** `id` is the page's own counter; the answer carries it back. */
  | { kind: 'command'; id: number; command: Command };

/** Path of the dashboard's WebSocket endpoint on its own HTTP server. */
export const DASHBOARD_WS_PATH = '/ws';

export type DashboardServerFrame = ViewerMessage | { kind: 'command-result'; id: number; result: CommandResult };

/** IPC channel names: the only place they are written. */
export const IPC_CHANNELS = {
  /** renderer → main, invoke: a Command; resolves to a CommandResult. */
  command: 'poolscope:command',
  /** renderer → main, invoke: the current ControllerStatus. */
  status: 'poolscope:status',
  /** renderer → main, send: the renderer is ready; start publishing (snapshot first). */
  subscribe: 'poolscope:subscribe',
  /** renderer → main, send: stop publishing to this renderer. */
  unsubscribe: 'poolscope:unsubscribe',
  /** main → renderer: a ViewerMessage. */
  publish: 'poolscope:publish',
} as const;

/** The API the preload exposes as `window.poolscope`, and the dashboard's WebSocket client implements too. */
export interface PoolscopeApi {
  startServer(settings: ServerSettings): Promise<CommandResult>;
  stopServer(): Promise<CommandResult>;
  fireBurst(path: '/sleep' | '/', count: number): Promise<CommandResult>;
  startLoad(settings: LoadRunSettings): Promise<CommandResult>;
  cancelLoad(): Promise<CommandResult>;
  startSweep(settings: SweepSettings): Promise<CommandResult>;
  cancelSweep(): Promise<CommandResult>;
  getStatus(): Promise<ControllerStatus>;
  /** Starts the stream (a snapshot first, then deltas); returns the unsubscribe function. */
  subscribe(listener: (message: ViewerMessage) => void): () => void;
}
