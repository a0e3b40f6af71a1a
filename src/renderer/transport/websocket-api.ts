// PoolscopeApi over the dashboard's WebSocket: the same API the Electron preload exposes, so the UI cannot
// tell them apart. Reconnects with backoff and sends the view again (the server answers with a full frame);
// commands, status requests and queries carry ids and resolve on their answers. DOM-free: the socket is
// made by an injected factory, so the browser and tests under Node share this file.

import {
  type Command,
  type CommandResult,
  type LoadRunSettings,
  runScenarioCommand,
  type ScenarioCommandResult,
  scenarioResultOf,
} from '../../shared/commands';
import type { CompareSettings } from '../../shared/compare';
import type { SweepSettings } from '../../shared/load-settings';
import type { BuiltInScenarioId, Scenario } from '../../shared/scenarios';
import type { RecorderSettings, ServerSettings } from '../../shared/settings';
import type {
  ControllerStatus,
  DashboardClientFrame,
  DashboardServerFrame,
  FrameSubscription,
  PoolscopeApi,
  QueryResult,
  ViewerFrame,
  ViewerQuery,
  ViewerView,
} from '../../shared/wire';
import type { ConnectionState } from './transport';

export const NOT_CONNECTED_ERROR = 'Not connected to the dashboard';
export const CONNECTION_LOST_ERROR = 'Lost the connection to the dashboard before it answered';

/** The part of a WebSocket this client uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
}

export interface SocketHandlers {
  onOpen(): void;
  onMessage(data: unknown): void;
  /** Called once per socket, whether it failed to connect or dropped later. */
  onClose(): void;
}

export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketLike;

const SOCKET_OPEN = 1;

export interface ReconnectBackoff {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: ReconnectBackoff = { initialDelayMs: 250, maxDelayMs: 5_000 };
/** While the page's first connection is being made, commands wait this long for it instead of failing at once. */
export const INITIAL_CONNECT_WAIT_MS = 5_000;

export interface WebSocketApiOptions {
  url: string;
  createSocket: SocketFactory;
  backoff?: ReconnectBackoff;
  initialConnectWaitMs?: number;
}

type Timer = ReturnType<typeof setTimeout>;

interface WaitingForOpen {
  onOpen(): void;
  onGiveUp(): void;
  timer: Timer;
}

export class WebSocketPoolscopeApi implements PoolscopeApi {
  private socket: SocketLike | null = null;
  private state: ConnectionState = 'connecting';
  private hasEverConnected = false;
  private isStarted = false;
  private isClosed = false;
  private reconnectAttempts = 0;
  private reconnectTimer: Timer | null = null;
  /** Commands, status requests and queries share one counter: each answer names the id it answers. */
  private nextRequestId = 1;
  private readonly pendingCommands = new Map<number, (result: CommandResult) => void>();
  private readonly pendingStatuses = new Map<number, { resolve(status: ControllerStatus): void; reject(error: Error): void }>();
  private readonly pendingQueries = new Map<number, (result: QueryResult) => void>();
  /** What the page shows; sent on every (re)connection, so frames resume with a full one. */
  private view: ViewerView | null = null;
  private frameListener: ((frame: ViewerFrame) => void) | null = null;
  private waitingForOpen: WaitingForOpen[] = [];
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>();
  private readonly backoff: ReconnectBackoff;
  private readonly initialConnectWaitMs: number;

  constructor(private readonly options: WebSocketApiOptions) {
    this.backoff = options.backoff ?? DEFAULT_RECONNECT_BACKOFF;
    this.initialConnectWaitMs = options.initialConnectWaitMs ?? INITIAL_CONNECT_WAIT_MS;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  onConnectionChange(listener: (state: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  startServer(settings: ServerSettings): Promise<CommandResult> {
    return this.sendCommand({ type: 'start-server', settings });
  }

  stopServer(): Promise<CommandResult> {
    return this.sendCommand({ type: 'stop-server' });
  }

  fireBurst(path: '/sleep' | '/', count: number): Promise<CommandResult> {
    return this.sendCommand({ type: 'fire-burst', path, count });
  }

  startCompare(settings: CompareSettings): Promise<CommandResult> {
    return this.sendCommand({ type: 'start-compare', settings });
  }

  cancelCompare(): Promise<CommandResult> {
    return this.sendCommand({ type: 'cancel-compare' });
  }

  async runScenario(scenario: Scenario | BuiltInScenarioId, options?: { timeoutMs?: number }): Promise<ScenarioCommandResult> {
    return scenarioResultOf(await this.sendCommand(runScenarioCommand(scenario, options)));
  }

  startLoad(settings: LoadRunSettings): Promise<CommandResult> {
    return this.sendCommand({ type: 'start-load', settings });
  }

  cancelLoad(): Promise<CommandResult> {
    return this.sendCommand({ type: 'cancel-load' });
  }

  startSweep(settings: SweepSettings): Promise<CommandResult> {
    return this.sendCommand({ type: 'start-sweep', settings });
  }

  cancelSweep(): Promise<CommandResult> {
    return this.sendCommand({ type: 'cancel-sweep' });
  }

  setHistory(settings: RecorderSettings): Promise<CommandResult> {
    return this.sendCommand({ type: 'set-history', settings });
  }

  /** Asks the dashboard for the controller's status; rejects with NOT_CONNECTED_ERROR when there is no connection. */
  getStatus(): Promise<ControllerStatus> {
    return this.whenConnected(
      () =>
        new Promise<ControllerStatus>((resolve, reject) => {
          const id = this.nextRequestId++;
          this.pendingStatuses.set(id, { resolve, reject });
          this.sendFrame({ kind: 'status', id });
        }),
      () => Promise.reject(new Error(NOT_CONNECTED_ERROR)),
    );
  }

  watch(view: ViewerView, listener: (frame: ViewerFrame) => void): FrameSubscription {
    this.frameListener = listener;
    this.view = view;
    this.start();
    if (this.isOpen()) this.sendFrame({ kind: 'view', view });
    return {
      setView: (next) => {
        this.view = next;
        if (this.isOpen()) this.sendFrame({ kind: 'view', view: next });
      },
      ack: (seq) => {
        if (this.isOpen()) this.sendFrame({ kind: 'frame-ack', seq });
      },
      close: () => {
        if (this.frameListener === listener) this.frameListener = null;
      },
    };
  }

  query(query: ViewerQuery): Promise<QueryResult> {
    if (!this.isOpen()) return Promise.resolve({ ok: false, error: NOT_CONNECTED_ERROR });
    const id = this.nextRequestId++;
    return new Promise<QueryResult>((resolve) => {
      this.pendingQueries.set(id, resolve);
      this.sendFrame({ kind: 'query', id, query });
    });
  }

  /** Closes the socket for good: no reconnects; unanswered commands fail. */
  close(): void {
    this.isClosed = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.socket?.close();
    this.socket = null;
    this.failPending(CONNECTION_LOST_ERROR);
    this.giveUpWaiting();
  }

  private sendCommand(command: Command): Promise<CommandResult> {
    return this.whenConnected(
      () =>
        new Promise<CommandResult>((resolve) => {
          const id = this.nextRequestId++;
          this.pendingCommands.set(id, resolve);
          this.sendFrame({ kind: 'command', id, command });
        }),
      () => Promise.resolve({ ok: false, error: NOT_CONNECTED_ERROR }),
    );
  }

  /** `send` now when connected; while the page's first connection is being made, once it is; else `notConnected`. */
  private whenConnected<T>(send: () => Promise<T>, notConnected: () => Promise<T>): Promise<T> {
    if (this.isClosed) return notConnected();
    this.start();
    if (this.isOpen()) return send();
    if (this.hasEverConnected) return notConnected();
    // The page has only just loaded: a click that beats the first connection waits for it.
    return new Promise<T>((resolve, reject) => {
      const waiter: WaitingForOpen = {
        onOpen: () => void send().then(resolve, reject),
        onGiveUp: () => void notConnected().then(resolve, reject),
        timer: setTimeout(() => {
          this.waitingForOpen = this.waitingForOpen.filter((w) => w !== waiter);
          waiter.onGiveUp();
        }, this.initialConnectWaitMs),
      };
      this.waitingForOpen.push(waiter);
    });
  }

  private start(): void {
    if (this.isStarted || this.isClosed) return;
    this.isStarted = true;
    this.connect();
  }

  private isOpen(): boolean {
    return this.socket !== null && this.socket.readyState === SOCKET_OPEN && this.state === 'connected';
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.isClosed) return;
    let socket: SocketLike | null = null;
    const isCurrent = (): boolean => socket !== null && this.socket === socket;
    socket = this.options.createSocket(this.options.url, {
      onOpen: () => {
        if (!isCurrent()) return;
        this.reconnectAttempts = 0;
        this.hasEverConnected = true;
        this.setState('connected');
        if (this.view !== null) this.sendFrame({ kind: 'view', view: this.view });
        const waiting = this.waitingForOpen;
        this.waitingForOpen = [];
        for (const waiter of waiting) {
          clearTimeout(waiter.timer);
          waiter.onOpen();
        }
      },
      onMessage: (data) => {
        if (isCurrent()) this.handleFrame(data);
      },
      onClose: () => {
        if (!isCurrent()) return;
        this.socket = null;
        this.failPending(CONNECTION_LOST_ERROR);
        if (this.isClosed) return;
        this.setState(this.hasEverConnected ? 'reconnecting' : 'connecting');
        this.scheduleReconnect();
      },
    });
    this.socket = socket;
  }

  private scheduleReconnect(): void {
    const delayMs = Math.min(this.backoff.maxDelayMs, this.backoff.initialDelayMs * 2 ** this.reconnectAttempts);
    this.reconnectAttempts++;
    // Jitter keeps many tabs from reconnecting in lockstep after the dashboard restarts.
    this.reconnectTimer = setTimeout(() => this.connect(), delayMs * (0.75 + Math.random() * 0.25));
  }

  private handleFrame(data: unknown): void {
    let frame: DashboardServerFrame;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data)) as DashboardServerFrame;
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    if (frame.kind === 'command-result') {
      const resolve = this.pendingCommands.get(frame.id);
      this.pendingCommands.delete(frame.id);
      resolve?.(frame.result);
      return;
    }
    if (frame.kind === 'status-result') {
      const pending = this.pendingStatuses.get(frame.id);
      this.pendingStatuses.delete(frame.id);
      pending?.resolve(frame.status);
      return;
    }
    if (frame.kind === 'query-result') {
      const resolve = this.pendingQueries.get(frame.id);
      this.pendingQueries.delete(frame.id);
      resolve?.(frame.result);
      return;
    }
    if (frame.kind === 'frame') this.frameListener?.(frame);
  }

  private sendFrame(frame: DashboardClientFrame): void {
    this.socket?.send(JSON.stringify(frame));
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.connectionListeners) listener(state);
  }

  private failPending(error: string): void {
    const pending = [...this.pendingCommands.values()];
    this.pendingCommands.clear();
    for (const resolve of pending) resolve({ ok: false, error });
    const statuses = [...this.pendingStatuses.values()];
    this.pendingStatuses.clear();
    for (const { reject } of statuses) reject(new Error(error));
    const queries = [...this.pendingQueries.values()];
    this.pendingQueries.clear();
    for (const resolve of queries) resolve({ ok: false, error });
  }

  private giveUpWaiting(): void {
    const waiting = this.waitingForOpen;
    this.waitingForOpen = [];
    for (const waiter of waiting) {
      clearTimeout(waiter.timer);
      waiter.onGiveUp();
    }
  }
}
