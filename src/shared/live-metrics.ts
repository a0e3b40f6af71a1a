// What the main side sends every viewer a few times a second, apart from the event stream: the queueing
// window's figures, the latest time-series samples for the stats charts, and the load run or sweep in
// progress. Computed on the main side from every event, so nothing a viewer shows depends on it seeing
// every event. Also the pure sampler (LiveSeries) that turns the event stream into those samples.

import type { Command } from './commands';
import type { CompareActivity } from './compare';
import type { ServerEvent } from './events';
import type { LoadProgress, LoadReport } from './load-report';
import type { LoadSettings, SweepSettings } from './load-settings';
import { QueueingWindow, type QueueingWindowSnapshot } from './queueing-window';
import { startingThreadCountOf } from './settings';
import type { SweepTableRow } from './sweep-table';

/** How often the main side samples and sends the live metrics. */
export const LIVE_METRICS_INTERVAL_MS = 250;
/** Each sample's rates, means and p99 cover this much time before it (several intervals, so they read steadily). */
export const LIVE_SAMPLE_SPAN_MS = 1_000;
/** Samples kept on the main side (and sent to a viewer that connects): the longest timeline window, 5 min. */
export const MAX_LIVE_SAMPLES = (5 * 60_000) / LIVE_METRICS_INTERVAL_MS;
/** Requests remembered between request-received and response-sent; beyond this the oldest are forgotten. */
const MAX_TRACKED_REQUESTS = 100_000;

/** One point of the stats charts. */
export interface LiveSample {
  /** ms since the epoch, the events' clock. */
  at: number;
  /** Responses per second over the LIVE_SAMPLE_SPAN_MS before `at`. */
  responsesPerS: number;
  /** p99 (nearest rank) of received → response sent over the same span, ms; null without responses. */
  p99LatencyMs: number | null;
  /** Time-average jobs waiting over the span. */
  meanQueueLength: number;
  /** Time-average busy workers over the span. */
  meanBusyWorkers: number;
  /**
   * The threads that run requests at `at` (the chart's "of N"): the pool's size, the single thread, or
   * 'per-request''s live request threads; null before any server ran.
   */
  workers: number | null;
}

/** The load run of Run load, as the main side sees it. */
export interface LoadActivity {
  /** Increases with every run, so a view can tell a new run from the last one. */
  runId: number;
  /** As run: the app's own server's URL, and the seed drawn for it. */
  settings: LoadSettings;
  progress: LoadProgress;
  /** The final report once the run has ended; null while it runs. */
  report: LoadReport | null;
}

export type SweepPhase = 'running' | 'restoring' | 'done';

/** The sweep of Sweep…, as the main side sees it. */
export interface SweepActivity {
  runId: number;
  settings: SweepSettings;
  /** 'restoring': every pool size is done (or cancelled) and the server is being put back as it was. */
  phase: SweepPhase;
  /** Index in settings.workerCounts of the pool size being measured. */
  index: number;
  workers: number;
  /** The current pool size's load; null while its server restarts. */
  load: LoadProgress | null;
  /** One row per finished pool size. */
  rows: SweepTableRow[];
  isCancelled: boolean;
  /** Why the sweep stopped early (a server that would not start), or null. */
  error: string | null;
}

/** True from a sweep's start until it has put the server back (or failed to). */
export function isSweepRunning(activity: SweepActivity | null): boolean {
  return activity !== null && activity.phase !== 'done';
}

/**
 * While a sweep runs it owns the server: it restarts it at each pool size and reads each row's figures from that
 * server's events, so other traffic would be counted as its load's. The commands it refuses then, in the words a person
 * reads: the controller answers with them and the page's buttons say them before they are pressed.
 */
const REFUSED_WHILE_SWEEPING: Partial<Record<Command['type'], string>> = {
  'start-server': 'A sweep is running and restarts the server itself: cancel it first',
  'stop-server': 'A sweep is running and restarts the server itself: cancel it first',
  'fire-burst': 'A sweep is running: a burst would mix with its load and spoil its figures. Cancel it first, or wait for it to finish',
  'start-load': 'A sweep is running: cancel it first, or wait for it to finish',
  'run-scenario':
    'A sweep is running: more traffic would mix with its load and spoil its figures. Cancel it first, or wait for it to finish',
  'start-sweep': 'A sweep is already running: cancel it first',
  'start-compare': 'A sweep is running: cancel it first, or wait for it to finish',
};

/** Why a running sweep refuses a command of this type; null for those it lets through (its cancel, queries). */
export function refusalWhileSweeping(type: Command['type']): string | null {
  return REFUSED_WHILE_SWEEPING[type] ?? null;
}

export interface LiveMetrics {
  at: number;
  /** The queueing window over the last DEFAULT_QUEUEING_WINDOW_MS of the current server run. */
  queueing: QueueingWindowSnapshot;
  /** New samples since the previous message, oldest first; with isHistory, every sample kept. */
  samples: LiveSample[];
  /** True on the first message to a viewer: samples is the whole history and replaces what it had. */
  isHistory: boolean;
  /** The latest Run load (running or finished), or null before any. */
  load: LoadActivity | null;
  /** The latest sweep (running or finished), or null before any. */
  sweep: SweepActivity | null;
  /** The latest Compare… (running or finished), or null before any. */
  compare: CompareActivity | null;
}

/** One interval's responses. */
interface Tick {
  startAt: number;
  endAt: number;
  responses: number;
  latenciesMs: number[];
}

/**
 * Turns the event stream into LiveSamples: responses per second and p99 latency from request-received (under a single
 * thread, from its connection's accept) and response-sent, the queue and busy workers as time averages from a short
 * QueueingWindow. Pure and bounded: a few intervals of latencies, and the requests in flight (at most
 * MAX_TRACKED_REQUESTS).
 */
export class LiveSeries {
  private readonly window = new QueueingWindow({ windowMs: LIVE_SAMPLE_SPAN_MS, bucketMs: LIVE_METRICS_INTERVAL_MS });
  private readonly receivedAt = new Map<number, number>();
  private ticks: Tick[] = [];
  private current: Tick = { startAt: Number.NaN, endAt: Number.NaN, responses: 0, latenciesMs: [] };
  private workers: number | null = null;

  observe(event: ServerEvent): void {
    this.window.observe(event);
    switch (event.type) {
      case 'server-listening':
        this.workers = startingThreadCountOf(event);
        this.receivedAt.clear();
        return;
      case 'thread-started':
      case 'thread-exited':
        this.workers = event.liveThreadCount;
        return;
      case 'request-received': {
        if (this.receivedAt.size >= MAX_TRACKED_REQUESTS) {
          const oldest = this.receivedAt.keys().next();
          if (!oldest.done) this.receivedAt.delete(oldest.value);
        }
        // Under a single thread its client waited from the connection's accept, unread: its latency starts there (the
        // window, which observed this event first, carries that wait to the request).
        this.receivedAt.set(event.requestId, event.at - this.window.connectionWaitMsOf(event.requestId));
        return;
      }
      case 'response-sent': {
        this.current.responses++;
        const receivedAt = this.receivedAt.get(event.requestId);
        if (receivedAt !== undefined) {
          this.receivedAt.delete(event.requestId);
          this.current.latenciesMs.push(event.at - receivedAt);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Closes the current interval at `at` (not before the last event) and returns the sample ending there. */
  sample(at: number): LiveSample {
    const tick = this.current;
    // The first interval has no sample before it: it counts as one interval long.
    tick.startAt = Number.isNaN(tick.startAt) ? at - LIVE_METRICS_INTERVAL_MS : Math.min(tick.startAt, at);
    tick.endAt = at;
    this.ticks.push(tick);
    this.current = { startAt: at, endAt: Number.NaN, responses: 0, latenciesMs: [] };
    while (this.ticks.length > 1 && this.ticks[0]!.endAt <= at - LIVE_SAMPLE_SPAN_MS) this.ticks.shift();
    let responses = 0;
    const latencies: number[] = [];
    for (const kept of this.ticks) {
      responses += kept.responses;
      for (const latency of kept.latenciesMs) latencies.push(latency);
    }
    const spanS = Math.max(1, at - this.ticks[0]!.startAt) / 1000;
    const queue = this.window.snapshot(at);
    return {
      at,
      responsesPerS: responses / spanS,
      p99LatencyMs: nearestRank(latencies, 99),
      meanQueueLength: queue.meanQueueLength,
      meanBusyWorkers: queue.meanBusyWorkers,
      workers: this.workers,
    };
  }
}

/** The p-th percentile by nearest rank (a value that was measured); null for no values. Sorts `values` in place. */
export function nearestRank(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p * values.length) / 100 - 1e-9));
  return values[rank - 1]!;
}
