// Run load and Sweep… on the main side: open-loop load against the app's own running server, and the sizing
// sweep that restarts that server at each pool size (through the controller, so every viewer watches it) and
// then puts it back as it was. One at a time; what runs is reported as LoadActivity / SweepActivity.

import { type LoadRun, startLoad } from '../load/load-generator';
import { type SweepRun, type SweepServer, startSweep } from '../load/sweep';
import type { EventStream } from '../server';
import type { CommandResult, LoadRunSettings } from '../shared/commands';
import type { LoadActivity, SweepActivity } from '../shared/live-metrics';
import { isLoopbackHost, type SweepSettings, withSeed } from '../shared/load-settings';
import type { ServerSettings } from '../shared/settings';
import { sweepTableRows } from '../shared/sweep-table';
import type { ControllerStatus } from '../shared/wire';
import type { WorkloadActivity } from './live-metrics-feed';

/** Live sweep progress while a pool size runs. */
const SWEEP_PROGRESS_INTERVAL_MS = 500;

/** The part of the server controller that runs workloads use. */
export interface WorkloadHost {
  readonly status: ControllerStatus;
  readonly events: Pick<EventStream, 'subscribe' | 'now'>;
  start(settings: ServerSettings): Promise<CommandResult>;
  stop(): Promise<CommandResult>;
  /** While stopped: the status shows these as the settings last run (after a sweep, the ones from before it). */
  restoreSettings(settings: ServerSettings): void;
}

/** The URL load is sent to: the server's own, reached over loopback when it listens on every interface. */
export function loadUrlOf(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (!isLoopbackHost(url.hostname)) url.hostname = url.hostname.includes(':') || url.hostname === '[::]' ? '[::1]' : '127.0.0.1';
  return url.origin;
}

export class WorkloadController {
  private load: { run: LoadRun; activity: LoadActivity } | null = null;
  private sweep: { run: SweepRun | null; activity: SweepActivity; finished: Promise<void> } | null = null;
  private nextRunId = 1;
  private isDisposing = false;

  constructor(private readonly host: WorkloadHost) {}

  /** True while a sweep owns the server: starting and stopping it by hand would spoil its measurements. */
  get isSweeping(): boolean {
    return this.sweep !== null && this.sweep.activity.phase !== 'done';
  }

  get activity(): Omit<WorkloadActivity, 'compare'> {
    const load = this.load;
    if (load !== null && load.activity.report === null) load.activity.progress = load.run.progress();
    return { load: load?.activity ?? null, sweep: this.sweep?.activity ?? null };
  }

  startLoad(settings: LoadRunSettings): CommandResult {
    if (this.isSweeping) return { ok: false, error: 'A sweep is running: cancel it first, or wait for it to finish' };
    if (this.isLoadRunning()) return { ok: false, error: 'A load is already running: cancel it first' };
    const { phase, url } = this.host.status;
    if (phase !== 'listening' || url === null) return { ok: false, error: 'Start the server first: the load goes to its own address' };
    const runSettings = withSeed({ ...settings, url: loadUrlOf(url) });
    let run: LoadRun;
    try {
      run = startLoad(runSettings);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    const activity: LoadActivity = { runId: this.nextRunId++, settings: runSettings, progress: run.progress(), report: null };
    this.load = { run, activity };
    void run.done.then((report) => {
      activity.report = report;
      activity.progress = run.progress();
    });
    return { ok: true };
  }

  cancelLoad(): CommandResult {
    if (!this.isLoadRunning()) return { ok: false, error: 'No load is running' };
    this.load?.run.cancel();
    return { ok: true };
  }

  startSweep(settings: SweepSettings): CommandResult {
    if (this.isSweeping) return { ok: false, error: 'A sweep is already running: cancel it first' };
    if (this.isLoadRunning()) return { ok: false, error: 'A load is running: cancel it first, or wait for it to finish' };
    const before = this.host.status;
    if (before.phase !== 'listening' && before.phase !== 'stopped') {
      return { ok: false, error: `The server is ${before.phase}: try again once it has finished` };
    }
    const wasListening = before.phase === 'listening';
    const settingsBefore = { ...before.settings };
    const seeded: SweepSettings = { ...settings, load: withSeed(settings.load) };
    const activity: SweepActivity = {
      runId: this.nextRunId++,
      settings: seeded,
      phase: 'running',
      index: 0,
      workers: seeded.workerCounts[0]!,
      load: null,
      rows: [],
      isCancelled: false,
      error: null,
    };
    const host = this.host;
    const servers = {
      async start(workers: number, sleepMs: number): Promise<SweepServer> {
        if (host.status.phase === 'listening') await host.stop();
        const started = await host.start({ ...settingsBefore, workerCount: workers, sleepMs });
        if (!started.ok || host.status.url === null) throw new Error(started.ok ? 'The server did not start' : started.error);
        return {
          url: loadUrlOf(host.status.url),
          events: host.events,
          stop: async () => {
            if (host.status.phase === 'listening') await host.stop();
          },
        };
      },
    };
    let run: SweepRun;
    try {
      run = startSweep(seeded, {
        servers,
        progressIntervalMs: SWEEP_PROGRESS_INTERVAL_MS,
        onProgress: (progress) => {
          activity.index = progress.index;
          activity.workers = progress.workers;
          activity.load = progress.load;
          activity.rows = sweepTableRows(progress.rows);
        },
      });
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    const finished = run.done
      .then(
        (report) => {
          activity.rows = sweepTableRows(report.rows);
          activity.isCancelled = report.isCancelled;
        },
        (error: unknown) => {
          activity.error = error instanceof Error ? error.message : String(error);
        },
      )
      .then(async () => {
        activity.phase = 'restoring';
        activity.load = null;
        // Put the server back as it was: running with its own settings, or stopped showing them. Not while the
        // app quits: the controller stops the server itself then.
        if (this.isDisposing) return;
        if (host.status.phase === 'listening') await host.stop();
        if (wasListening) await host.start(settingsBefore);
        else host.restoreSettings(settingsBefore);
      })
      .finally(() => {
        activity.phase = 'done';
      });
    this.sweep = { run, activity, finished };
    return { ok: true };
  }

  cancelSweep(): CommandResult {
    if (!this.isSweeping || this.sweep === null) return { ok: false, error: 'No sweep is running' };
    this.sweep.activity.isCancelled = true;
    this.sweep.run?.cancel();
    return { ok: true };
  }

  /** Cancels whatever runs and waits for it to end (a sweep also restores the server). */
  async dispose(): Promise<void> {
    this.isDisposing = true;
    this.load?.run.cancel();
    this.sweep?.run?.cancel();
    await Promise.all([this.load?.run.done, this.sweep?.finished]);
  }

  private isLoadRunning(): boolean {
    return this.load !== null && this.load.activity.report === null;
  }
}
