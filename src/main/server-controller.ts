// Owns the book server's life for a UI: validates commands from untrusted viewers, starts and stops
// servers, launches bursts, keeps the status the Start/Stop buttons show, and records every event of every
// run into one flight recorder (src/history) for its whole life, watched or not. Plain Node: no Electron here.

import { EventHistory } from '../history';
import { describeLoweredBudget, EventStream, ListenError, type RunningServer, startServer } from '../server';
import { type BurstPath, type Command, type CommandField, type CommandResult, isSettingName, validateCommand } from '../shared/commands';
import { type Comparison, refusalWhileComparing } from '../shared/compare';
import { refusalWhileSweeping } from '../shared/live-metrics';
import { type Scenario, scenarioTimeoutMs } from '../shared/scenarios';
import { DEFAULT_RECORDER_SETTINGS, type RecorderSettings, type ServerSettings, type SettingName, withDefaults } from '../shared/settings';
import type { ControllerStatus } from '../shared/wire';
import { type BurstReport, fireBurst } from './burst';
import { CompareController } from './compare';
import { LiveMetricsFeed } from './live-metrics-feed';
import { runScenario } from './scenario-runner';
import { WorkloadController } from './workloads';

export interface ServerControllerOptions {
  /** What the form starts with; a setting left out takes its default. */
  initialSettings?: Partial<ServerSettings>;
  /** Electron passes out/main/request-worker.js; default: the server's DEFAULT_WORKER_SCRIPT. */
  workerScript?: string;
  /** Electron passes out/main/pages; default: the server's DEFAULT_PAGES_DIR. */
  pagesDir?: string;
  /** The flight recorder's bounds; default DEFAULT_RECORDER_SETTINGS. */
  recorder?: Partial<RecorderSettings>;
  /**
   * Where a started server's warning goes (the open-file limit holds fewer connections than asked): a
   * command line prints it as its own line; default a Node warning, which Electron's terminal shows.
   */
  warn?: (line: string) => void;
}

/** How often an idle recorder lets events older than its age bound go (appends do it on their own). */
export const HISTORY_TRIM_INTERVAL_MS = 1_000;

/** What the running server announced when it began listening; a viewer that attaches later rebuilds its pool from it. */
export interface ServerRun {
  /** As started, with the host and port the server really bound (port 0 resolved). */
  readonly settings: ServerSettings;
  readonly listeningAt: number;
}

export type StatusListener = (status: ControllerStatus) => void;

/** A refusal, naming the setting or form field to blame when there is one. */
function failure(error: string, field: CommandField | undefined): CommandResult {
  return field === undefined ? { ok: false, error } : { ok: false, error, field };
}

/** The status with no failure on it (and so no field to blame). */
function withoutError({ lastErrorField: _field, ...status }: ControllerStatus): ControllerStatus {
  return { ...status, lastError: null };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ServerController {
  /** One EventStream for the controller's whole life; every server it starts emits into it. */
  readonly events = new EventStream();
  /** Every event of every run, recorded whoever watches; bounded by the recorder settings. */
  readonly history: EventHistory;
  private recorder: Readonly<RecorderSettings>;
  private readonly trimTimer: NodeJS.Timeout;
  private currentStatus: ControllerStatus;
  private server: RunningServer | null = null;
  private run: ServerRun | null = null;
  private starting: Promise<CommandResult> | null = null;
  private stopping: Promise<void> | null = null;
  private readonly bursts = new Set<Promise<BurstReport>>();
  /** Scenarios in flight: disposing cancels them (each closes its open requests) and waits for their reports. */
  private readonly scenarioRuns = new Map<Promise<unknown>, AbortController>();
  private readonly statusListeners = new Set<StatusListener>();
  private disposing: Promise<void> | null = null;
  /** The id the next burst's requests carry in their User-Agent, so viewers can tell two bursts apart. */
  private nextBurstId = 1;
  /** Run load and Sweep…: they drive this controller's server through the narrow host below. */
  private readonly workloads: WorkloadController;
  /** Compare…: the scenario against each strategy, on servers it starts and stops through this controller. */
  private readonly compare: CompareController;
  /** The queueing window and chart samples, from every event of every run; the publisher hands it each viewer. */
  readonly liveMetrics: LiveMetricsFeed;

  constructor(private readonly options: ServerControllerOptions = {}) {
    this.currentStatus = { phase: 'stopped', url: null, settings: withDefaults(options.initialSettings ?? {}), lastError: null };
    const controller = this;
    this.workloads = new WorkloadController({
      get status() {
        return controller.currentStatus;
      },
      events: this.events,
      start: (settings) => this.start(settings),
      stop: () => this.stop(),
      restoreSettings: (settings) => {
        if (this.currentStatus.phase === 'stopped') this.setStatus({ ...this.currentStatus, settings: { ...settings } });
      },
    });
    this.compare = new CompareController({
      get status() {
        return controller.currentStatus;
      },
      events: this.events,
      start: (settings) => this.start(settings),
      stop: () => this.stop(),
      get listeningAt() {
        const server = controller.server;
        return server === null ? null : { host: server.host, port: server.port };
      },
      readRssBytes: () => process.memoryUsage.rss(),
    });
    this.liveMetrics = new LiveMetricsFeed(this.events, () => ({ ...this.workloads.activity, compare: this.compare.progress }));
    this.recorder = Object.freeze({ ...DEFAULT_RECORDER_SETTINGS, ...options.recorder });
    this.history = new EventHistory({
      maxAgeMs: this.recorder.historySeconds * 1_000,
      maxEvents: this.recorder.historyEvents,
      startAt: this.events.now(),
    });
    const history = this.history;
    this.events.subscribe((event) => history.append(event));
    this.trimTimer = setInterval(() => history.trim(this.events.now()), HISTORY_TRIM_INTERVAL_MS);
    this.trimTimer.unref();
  }

  /** The latest Compare… with each finished run's events; null before any. */
  get comparison(): Comparison | null {
    return this.compare.latest();
  }

  get status(): ControllerStatus {
    return this.currentStatus;
  }

  /** The flight recorder's bounds now: the flags' values until a set-history command changes them. */
  get recorderSettings(): Readonly<RecorderSettings> {
    return this.recorder;
  }

  /** The server that is listening now (null while stopped or starting). */
  get currentRun(): ServerRun | null {
    return this.run;
  }

  onStatusChange(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Validates untrusted input with validateCommand and runs it. Never throws. */
  async execute(command: unknown): Promise<CommandResult> {
    try {
      if (this.disposing) return this.fail('Poolscope is shutting down');
      const validation = validateCommand(command);
      if (!validation.ok) {
        // A load, sweep or history form's mistake belongs to that form, not to the server's status line.
        if (hasOwnForm(command)) return failure(validation.error, validation.field);
        return this.fail(validation.error, isSettingName(validation.field) ? validation.field : undefined);
      }
      const valid = validation.value;
      // A running comparison or sweep owns the server: every command it refuses is refused here, in its own words.
      const refusal = this.compare.isComparing
        ? refusalWhileComparing(valid.type)
        : this.workloads.isSweeping
          ? refusalWhileSweeping(valid.type)
          : null;
      if (refusal !== null) return hasOwnForm(valid) ? failure(refusal, undefined) : this.fail(refusal);
      switch (valid.type) {
        case 'start-server':
          return await this.start(valid.settings);
        case 'stop-server':
          return await this.stop();
        case 'fire-burst':
          return this.launchBurst(valid.path, valid.count);
        case 'start-load':
          return this.workloads.startLoad(valid.settings);
        case 'cancel-load':
          return this.workloads.cancelLoad();
        case 'start-sweep':
          return this.workloads.startSweep(valid.settings);
        case 'cancel-sweep':
          return this.workloads.cancelSweep();
        case 'start-compare':
          return this.compare.start(valid.settings);
        case 'cancel-compare':
          return this.compare.cancelComparison();
        case 'run-scenario':
          return await this.runScenario(valid.scenario, valid.timeoutMs);
        case 'set-history':
          return this.setHistoryBounds(valid.settings);
      }
    } catch (error) {
      return this.fail(`Unexpected failure: ${messageOf(error)}`);
    }
  }

  /** Graceful stop of a running server and any burst in flight (used on app quit / SIGINT). Idempotent. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      for (const cancel of this.scenarioRuns.values()) cancel.abort('cancelled');
      await Promise.all(this.scenarioRuns.keys());
      await this.compare.dispose();
      await this.workloads.dispose();
      this.liveMetrics.dispose();
      clearInterval(this.trimTimer);
      if (this.starting) await this.starting;
      if (this.server) await this.stopServer(this.server);
      await Promise.all(this.bursts);
    })();
    return this.disposing;
  }

  // ── commands ───────────────────────────────────────────────────────────────

  private start(settings: ServerSettings): Promise<CommandResult> {
    const phase = this.currentStatus.phase;
    if (phase === 'starting') return Promise.resolve(this.fail('The server is already starting'));
    if (phase === 'stopping') return Promise.resolve(this.fail('The server is still stopping; start it again once it has stopped'));
    if (this.server) return Promise.resolve(this.fail(`The server is already running at ${this.server.url}`));
    this.starting = this.runStart(settings).finally(() => (this.starting = null));
    return this.starting;
  }

  private async runStart(settings: ServerSettings): Promise<CommandResult> {
    // A start that fails leaves the settings as they were: a page that opens then shows the last good ones.
    const settingsBefore = this.currentStatus.settings;
    this.setStatus({ phase: 'starting', url: null, settings: { ...settings }, lastError: null });
    let server: RunningServer;
    try {
      server = await startServer({
        ...settings,
        events: this.events,
        workerScript: this.options.workerScript,
        pagesDir: this.options.pagesDir,
      });
    } catch (error) {
      const message = messageOf(error);
      const field = error instanceof ListenError && error.setting !== null ? error.setting : undefined;
      this.setStatus({
        phase: 'stopped',
        url: null,
        settings: settingsBefore,
        lastError: message,
        ...(field ? { lastErrorField: field } : {}),
      });
      return failure(message, field);
    }
    this.server = server;
    const lowered = describeLoweredBudget(server.connectionBudget);
    if (lowered !== null) (this.options.warn ?? ((line) => process.emitWarning(`Poolscope: ${line}`)))(lowered);
    this.run = { settings: { ...settings, host: server.host, port: server.port }, listeningAt: this.events.now() };
    // The viewers say it too: the Electron app has no terminal a person reads.
    const notice = lowered === null ? {} : { notice: `${lowered.charAt(0).toUpperCase()}${lowered.slice(1)}.` };
    this.setStatus({ phase: 'listening', url: server.url, settings: { ...settings }, lastError: null, ...notice });
    // A server may also stop by itself (an error); the status follows it either way.
    void server.closed.then(() => this.onServerClosed(server));
    return { ok: true };
  }

  private async stop(): Promise<CommandResult> {
    if (this.starting) await this.starting;
    if (this.stopping) {
      await this.stopping;
      return { ok: true };
    }
    const server = this.server;
    if (!server) return this.fail('The server is not running');
    await this.stopServer(server);
    if (this.currentStatus.lastError !== null) this.setStatus(withoutError(this.currentStatus));
    return { ok: true };
  }

  /** Resolves once the server has fully stopped: every accepted request answered, every worker joined. */
  private stopServer(server: RunningServer): Promise<void> {
    this.stopping ??= (async () => {
      this.setStatus({ ...this.currentStatus, phase: 'stopping' });
      try {
        await server.shutdown('command');
      } finally {
        this.onServerClosed(server);
        this.stopping = null;
      }
    })();
    return this.stopping;
  }

  /** A shorter history drops its oldest events at once; the frames say where it starts now. */
  private setHistoryBounds(settings: RecorderSettings): CommandResult {
    this.history.setBounds({ maxAgeMs: settings.historySeconds * 1_000, maxEvents: settings.historyEvents }, this.events.now());
    this.recorder = Object.freeze({ ...settings });
    // Viewers learn the new bounds with their next frame; a status change sends one at once.
    this.setStatus({ ...this.currentStatus });
    return { ok: true };
  }

  private launchBurst(path: BurstPath, count: number): CommandResult {
    const server = this.server;
    if (!server || this.currentStatus.phase !== 'listening') return this.fail('Start the server first');
    const burst = fireBurst({ host: server.host, port: server.port }, path, count, { burstId: this.nextBurstId++ }).catch(
      (): BurstReport => ({ sent: 0, succeeded: 0, failed: count, statusCounts: {} }),
    );
    this.bursts.add(burst);
    void burst.finally(() => this.bursts.delete(burst));
    return { ok: true };
  }

  /** run-scenario: the scenario against the server listening now; the report's times are on the event clock. */
  private async runScenario(scenario: Scenario, timeoutMs: number | undefined): Promise<CommandResult> {
    const server = this.server;
    if (!server || this.currentStatus.phase !== 'listening') return failure('Start the server first: the scenario goes to it', undefined);
    const cancel = new AbortController();
    const run = runScenario({ host: server.host, port: server.port }, scenario, {
      now: () => this.events.now(),
      timeoutMs: timeoutMs ?? scenarioTimeoutMs(scenario, this.currentStatus.settings.sleepMs),
      signal: cancel.signal,
    });
    this.scenarioRuns.set(run, cancel);
    try {
      return { ok: true, scenario: await run };
    } finally {
      this.scenarioRuns.delete(run);
    }
  }

  // ── status ─────────────────────────────────────────────────────────────────

  private onServerClosed(server: RunningServer): void {
    if (this.server !== server) return;
    this.server = null;
    this.run = null;
    const { notice: _noticeOfTheRun, ...status } = this.currentStatus;
    this.setStatus({ ...status, phase: 'stopped', url: null });
  }

  private fail(error: string, field?: SettingName): CommandResult {
    this.setStatus({ ...withoutError(this.currentStatus), lastError: error, ...(field ? { lastErrorField: field } : {}) });
    return failure(error, field);
  }

  private setStatus(status: ControllerStatus): void {
    this.currentStatus = status;
    for (const listener of [...this.statusListeners]) {
      try {
        listener(status);
      } catch (error) {
        process.emitWarning(`Poolscope status listener threw: ${messageOf(error)}`);
      }
    }
  }
}

/** Commands whose refusals their own form shows (Run load, Sweep…, Compare…, the history's length), not the status line. */
const COMMANDS_WITH_OWN_FORM: ReadonlySet<string> = new Set<Command['type']>([
  'start-load',
  'cancel-load',
  'start-sweep',
  'cancel-sweep',
  'set-history',
  'start-compare',
  'cancel-compare',
  'run-scenario',
]);

function hasOwnForm(command: unknown): boolean {
  return typeof command === 'object' && command !== null && COMMANDS_WITH_OWN_FORM.has(String((command as { type?: unknown }).type));
}
