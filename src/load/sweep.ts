// The sizing sweep: the same open-loop load against a fresh Poolscope server per pool size, each measured
// from the server's own event stream (λ, S, ρ, P(wait), Wq) beside the M/M/c prediction for that λ, S and
// pool size. By default the servers run in this process (startServer on 127.0.0.1, a free port) and are
// stopped gracefully after each run; the app's Sweep… passes its own (SweepServers: the app's one server,
// restarted per pool size). The command line and the app both drive it through startSweep().

import { EventStream, type RunningServer, type ServerOptions, startServer } from '../server/index';
import type { LoadProgress, MeasuredQueueing, SweepProgress, SweepReport, SweepRow } from '../shared/load-report';
import { type SweepSettings, validateSweepSettings, withSeed } from '../shared/load-settings';
import { predictMmc } from '../shared/queueing';
import { QueueingWindow, type QueueingWindowSnapshot } from '../shared/queueing-window';
import { type LoadRun, startLoad } from './load-generator';

/** Loopback only: the sweep's servers are its own and nobody else needs to reach them. */
const SWEEP_HOST = '127.0.0.1';
/** The estimator's window holds a whole run in at most this many buckets. */
const MAX_WINDOW_BUCKETS = 1_000;

/** One pool size's server, as the sweep uses it. */
export interface SweepServer {
  readonly url: string;
  /** The stream the server emits into; it may carry other runs' events before and after this one. */
  readonly events: Pick<EventStream, 'subscribe' | 'now'>;
  /** Stops the server gracefully: every accepted request answered. */
  stop(): Promise<void>;
}

/** Where each pool size's server comes from. */
export interface SweepServers {
  /** Starts a server with this pool size and /sleep's default duration; rejects when it cannot. */
  start(workers: number, sleepMs: number): Promise<SweepServer>;
}

/** The default: a fresh server per pool size in this process, on loopback and a free port. */
export function freshSweepServers(serverOptions: SweepRunOptions['serverOptions'] = {}): SweepServers {
  return {
    async start(workers, sleepMs) {
      const events = new EventStream();
      const server: RunningServer = await startServer({
        ...serverOptions,
        host: SWEEP_HOST,
        port: 0,
        workerCount: workers,
        sleepMs,
        events,
      });
      return { url: server.url, events, stop: () => server.shutdown() };
    },
  };
}

export interface SweepRunOptions {
  /** Called with each live update of the current pool size's load, and when a pool size starts or ends. */
  onProgress?: (progress: SweepProgress) => void;
  progressIntervalMs?: number;
  /** Extra server options, e.g. the Electron build's bundled worker script and pages. */
  serverOptions?: Pick<ServerOptions, 'workerScript' | 'pagesDir' | 'maxQueuedJobs'>;
  /** Where the servers come from; default freshSweepServers(serverOptions). */
  servers?: SweepServers;
}

export interface SweepRun {
  /** Resolves with every finished row (all of them unless cancelled); rejects only when a server cannot start. */
  readonly done: Promise<SweepReport>;
  /** Stops the current run at once, stops its server gracefully and resolves `done` with the rows so far. Idempotent. */
  cancel(): void;
}

/**
 * Starts a sweep now. A null seed is drawn once, so every pool size gets the same arrivals and paths; the
 * report's settings carry it. Throws a RangeError for settings validateSweepSettings() refuses.
 */
export function startSweep(settings: SweepSettings, options: SweepRunOptions = {}): SweepRun {
  const checked = validateSweepSettings({ ...settings.load, workerCounts: settings.workerCounts, sleepMs: settings.sleepMs });
  if (!checked.ok) throw new RangeError(`${checked.field}: ${checked.error}`);
  let isCancelled = false;
  let currentLoad: LoadRun | null = null;
  const done = runSweep({ ...checked.value, load: withSeed(checked.value.load) }, options, {
    isCancelled: () => isCancelled,
    setCurrentLoad: (load) => {
      currentLoad = load;
    },
  });
  return {
    done,
    cancel: () => {
      isCancelled = true;
      currentLoad?.cancel();
    },
  };
}

interface SweepControl {
  isCancelled(): boolean;
  setCurrentLoad(load: LoadRun | null): void;
}

async function runSweep(settings: SweepSettings, options: SweepRunOptions, control: SweepControl): Promise<SweepReport> {
  const rows: SweepRow[] = [];
  const poolSizeCount = settings.workerCounts.length;
  for (const [index, workers] of settings.workerCounts.entries()) {
    if (control.isCancelled()) break;
    const report = (load: LoadProgress | null): void => options.onProgress?.({ index, workers, poolSizeCount, load, rows: [...rows] });
    report(null);
    const row = await measurePoolSize(settings, workers, options, control, report);
    if (row !== null) rows.push(row);
    report(null);
  }
  return { settings, rows, isCancelled: control.isCancelled() };
}

/** One pool size: a fresh server, the load, the queue as its events showed it; null when cancelled before the load began. */
async function measurePoolSize(
  settings: SweepSettings,
  workers: number,
  options: SweepRunOptions,
  control: SweepControl,
  report: (load: LoadProgress | null) => void,
): Promise<SweepRow | null> {
  const durationMs = settings.load.durationS * 1000;
  const bucketMs = Math.max(100, Math.ceil(durationMs / MAX_WINDOW_BUCKETS));
  const estimator = new QueueingWindow({ windowMs: Math.ceil(durationMs / bucketMs) * bucketMs + bucketMs, bucketMs, workers });
  // The measurement window runs from the first scheduled request to the last request's arrival at the
  // server: the end of the schedule, or later when the server read its last requests late (it shares this
  // event loop with the client). So λ counts every request offered, and the drain after it is left out.
  let isScheduleOver = false;
  let measured: QueueingWindowSnapshot | null = null;
  let unsubscribe = (): void => {};
  let server: SweepServer | null = null;
  try {
    server = await (options.servers ?? freshSweepServers(options.serverOptions)).start(workers, settings.sleepMs);
    const events = server.events;
    unsubscribe = events.subscribe((event) => {
      estimator.observe(event);
      if (isScheduleOver && (event.type === 'job-queued' || (event.type === 'request-rejected' && event.errorCode === 'QUEUE_FULL'))) {
        measured = estimator.snapshot(event.at);
      }
    });
    if (control.isCancelled()) return null;
    // The window opens with the load, so the server's start is not in it.
    estimator.reset(events.now());
    const load = startLoad(
      { ...settings.load, url: server.url },
      {
        progressIntervalMs: options.progressIntervalMs,
        onProgress: (progress) => {
          if (progress.phase !== 'running' && !isScheduleOver) {
            isScheduleOver = true;
            measured = estimator.snapshot(events.now());
          }
          report(progress);
        },
      },
    );
    control.setCurrentLoad(load);
    const loadReport = await load.done;
    control.setCurrentLoad(null);
    const queueing = measuredFrom(measured ?? estimator.snapshot(events.now()));
    const predicted =
      queueing.meanServiceMs === null
        ? null
        : predictMmc({ arrivalRatePerS: queueing.arrivalRatePerS, meanServiceMs: queueing.meanServiceMs, workers });
    return { workers, load: loadReport, measured: queueing, predicted };
  } finally {
    unsubscribe();
    await server?.stop();
  }
}

function measuredFrom(snapshot: QueueingWindowSnapshot): MeasuredQueueing {
  return {
    arrivalRatePerS: snapshot.arrivalRatePerS,
    meanServiceMs: snapshot.meanServiceMs,
    meanWorkerRunMs: snapshot.meanWorkerRunMs,
    utilization: snapshot.utilization,
    busyFraction: snapshot.busyFraction,
    probabilityOfWait: snapshot.probabilityOfWait,
    meanWaitMs: snapshot.meanWaitMs,
    meanQueueLength: snapshot.meanQueueLength,
    rejected: snapshot.rejected,
  };
}
