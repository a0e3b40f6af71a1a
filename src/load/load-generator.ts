// The open-loop load generator: sends requests on a schedule (Poisson or constant arrivals) whatever the
// server does, measures each one from its SCHEDULED send time (so a stalled server cannot hide its worst
// latencies: no coordinated omission), and reports live and at the end. Plain Node: the command line, the
// sweep and the app's main process all drive it through startLoad().
//
// The HTTP client is undici's Pool (the npm package, 7.x for Node 20): `connections` keep-alive clients,
// one request at a time on each (no pipelining). This file hands the pool at most `connections` requests
// at once; a request that comes due while every connection is busy waits in this file's own FIFO,
// client-side, and that wait is part of its latency. Keeping the queue here means a request that times out
// or is abandoned while it waits is simply dropped, never handed to a connection. Nothing in undici is paced
// by responses, so the schedule never blocks.
// Against servers that close the connection after every response (the book's final listing: it answers
// with Content-Length and drops the stream), undici waits one event-loop turn before reusing a socket and
// checks it for a FIN first, then opens a fresh connection; with one request per connection it never
// re-sends a request that was written (a written request that meets a closed socket fails, counted as
// `reset`), and this file counts a second onRequestStart for one request as an error rather than let it
// pass, so a request can never be counted twice or retried silently.

import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { Pool } from 'undici';
import {
  LOAD_ERROR_KINDS,
  type LoadCounts,
  type LoadErrorKind,
  type LoadPhase,
  type LoadProgress,
  type LoadReport,
  type LoadStop,
} from '../shared/load-report';
import { LOAD_USER_AGENT, type LoadSettings, validateLoadSettings, withSeed } from '../shared/load-settings';
import { LatencyHistogram } from './latency-histogram';
import { type ArrivalSchedule, createArrivalSchedule, createPathPicker } from './schedule';

export const DEFAULT_PROGRESS_INTERVAL_MS = 1_000;
/** Due requests issued in one timer callback at most, so a late wake-up cannot starve the sockets' I/O. */
const MAX_ISSUES_PER_TICK = 2_000;
/** How often deadlines are checked: a timeout is noticed at most this late. */
const DEADLINE_SWEEP_INTERVAL_MS = 25;

export interface LoadRunOptions {
  /** Called about every progressIntervalMs, once when the schedule ends (phase 'draining'), and once at the end ('done'). */
  onProgress?: (progress: LoadProgress) => void;
  progressIntervalMs?: number;
}

export interface LoadRun {
  /** Resolves with the final report however the run ends (duration reached, cancel(), the server gone); never rejects for the server's faults. */
  readonly done: Promise<LoadReport>;
  /** The counters and latencies right now. */
  progress(): LoadProgress;
  /** Stops at once: nothing more is sent, requests without an outcome count as unfinished, every socket is closed. Idempotent. */
  cancel(): void;
}

/**
 * Starts a run now; a null seed is drawn here and reported in the report's settings. Throws a RangeError for
 * settings validateLoadSettings() refuses.
 */
export function startLoad(settings: LoadSettings, options: LoadRunOptions = {}): LoadRun {
  const checked = validateLoadSettings(settings);
  if (!checked.ok) throw new RangeError(`${checked.field}: ${checked.error}`);
  const run = new OpenLoopRun(withSeed(checked.value), options);
  return { done: run.done, progress: () => run.progress(), cancel: () => run.cancel() };
}

/** One request from the moment it is due to its outcome. */
class Exchange {
  writtenAt = Number.NaN;
  isSettled = false;
  controller: Dispatcher.DispatchController | null = null;
  status = 0;

  constructor(
    readonly scheduledAt: number,
    /** Drawn when the request comes due, so a seed gives the same paths however the run goes. */
    readonly path: string,
    readonly deadlineAt: number,
  ) {}
}

/** Requests in due order (which is also deadline and dispatch order): a FIFO with a moving head, compacted now and then. */
class ExchangeQueue {
  private items: Exchange[] = [];
  private head = 0;

  push(exchange: Exchange): void {
    this.items.push(exchange);
  }

  peek(): Exchange | undefined {
    return this.items[this.head];
  }

  shift(): Exchange | undefined {
    const first = this.items[this.head];
    if (first === undefined) return undefined;
    this.items[this.head++] = undefined as unknown as Exchange;
    if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return first;
  }

  forEach(visit: (exchange: Exchange) => void): void {
    for (let i = this.head; i < this.items.length; i++) visit(this.items[i]!);
  }
}

function emptyErrorCounts(): Record<LoadErrorKind, number> {
  return Object.fromEntries(LOAD_ERROR_KINDS.map((kind) => [kind, 0])) as Record<LoadErrorKind, number>;
}

/** The error code of a socket or undici error; Node's happy-eyeballs connect reports an AggregateError of attempts. */
function codeOf(error: unknown): string {
  const e = error as { code?: unknown; errors?: unknown[] } | null;
  if (typeof e?.code === 'string') return e.code;
  const first = e?.errors?.[0] as { code?: unknown } | undefined;
  return typeof first?.code === 'string' ? first.code : '';
}

export function classifyError(error: unknown): LoadErrorKind {
  // undici's parser error has a code (HPE_…) only for some failures: an answer that is not HTTP at all has none.
  if ((error as { name?: unknown } | null)?.name === 'HTTPParserError') return 'protocol';
  const code = codeOf(error);
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return 'protocol';
    default:
      return code.startsWith('HPE_') ? 'protocol' : 'other';
  }
}

export function classifyStatus(status: number): LoadErrorKind | null {
  if (status >= 200 && status < 400) return null;
  if (status === 503) return 'http-503';
  if (status >= 500 && status < 600) return 'http-5xx';
  if (status >= 400 && status < 500) return 'http-4xx';
  return 'protocol';
}

function isLoopbackAddress(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/**
 * The URL's host was checked as text before the run (localhost or a loopback literal); this keeps a
 * `localhost` that some resolver maps elsewhere from ever leaving the machine.
 */
const loopbackOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const kept = addresses.filter((entry) => isLoopbackAddress(entry.address));
    if (kept.length === 0) {
      const refusal = Object.assign(new Error(`${hostname} does not resolve to a loopback address; load is only sent to this machine`), {
        code: 'ENOTLOOPBACK',
      });
      return callback(refusal, '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, kept);
    callback(null, kept[0]!.address, kept[0]!.family);
  });
};

class OpenLoopRun {
  readonly done: Promise<LoadReport>;
  private resolveDone!: (report: LoadReport) => void;
  private readonly pool: Pool;
  private readonly schedule: ArrivalSchedule;
  private readonly pickPath: () => string;
  /** Every request without an outcome, oldest first: deadlines are checked from its head. */
  private readonly due = new ExchangeQueue();
  /** Requests due but not yet handed to the pool, because `connections` requests are already with it. */
  private readonly waiting = new ExchangeQueue();
  /** Requests handed to the pool that it has not finished with (answered, failed or aborted). */
  private dispatchedCount = 0;
  private readonly startAt: number;
  private readonly endAt: number;
  private nextDueAt: number;
  private phase: LoadPhase = 'running';
  /** Set once every request has its outcome and the pool is being closed. */
  private isFinishing = false;
  private stop: LoadStop | null = null;
  private scheduleTimer: NodeJS.Timeout | undefined;
  private readonly deadlineTimer: NodeJS.Timeout;
  private readonly progressTimer: NodeJS.Timeout | undefined;
  private lastOutcomeAt: number;
  /** When requests stopped coming due: the end of the duration, or earlier when the run was stopped. */
  private scheduleEndedAt = Number.NaN;

  private readonly counts: LoadCounts = {
    sent: 0,
    written: 0,
    completed: 0,
    errors: 0,
    errorsByKind: emptyErrorCounts(),
    unfinished: 0,
    inFlight: 0,
    waitingForConnection: 0,
  };
  private writtenInSchedule = 0;
  private connectionsOpened = 0;
  private readonly statusCounts: Record<number, number> = {};
  private readonly errorSamples: Partial<Record<LoadErrorKind, string>> = {};
  private readonly latency = new LatencyHistogram();
  private readonly responseTime = new LatencyHistogram();
  private readonly sendLateness = new LatencyHistogram();
  private readonly issueLateness = new LatencyHistogram();
  private readonly intervalLatency = new LatencyHistogram();
  private intervalOutcomes = 0;
  private intervalStartedAt: number;

  constructor(
    private readonly settings: LoadSettings & { seed: number },
    private readonly options: LoadRunOptions,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.pool = new Pool(settings.url, {
      connections: settings.connections,
      pipelining: 1,
      // Our own deadline (from the scheduled time) is the timeout; undici's only backs it up.
      headersTimeout: settings.timeoutMs + 1_000,
      bodyTimeout: settings.timeoutMs + 1_000,
      connectTimeout: Math.min(settings.timeoutMs, 10_000),
      connect: { lookup: loopbackOnlyLookup, noDelay: true },
    });
    this.pool.on('connect', () => this.connectionsOpened++);
    this.schedule = createArrivalSchedule(settings.arrivals, settings.ratePerS, settings.seed);
    this.pickPath = createPathPicker(settings.mix, settings.seed);
    this.startAt = performance.now();
    this.endAt = this.startAt + settings.durationS * 1000;
    this.nextDueAt = this.startAt + this.schedule.next();
    this.lastOutcomeAt = this.startAt;
    this.intervalStartedAt = this.startAt;
    this.deadlineTimer = setInterval(() => this.expireDeadlines(performance.now()), DEADLINE_SWEEP_INTERVAL_MS);
    if (options.onProgress) {
      const onProgress = options.onProgress;
      this.progressTimer = setInterval(
        () => onProgress(this.takeIntervalProgress()),
        options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
      );
    }
    this.tick();
  }

  // ── the schedule ───────────────────────────────────────────────────────────

  private readonly tick = (): void => {
    this.scheduleTimer = undefined;
    if (this.phase !== 'running') return;
    const now = performance.now();
    let issued = 0;
    while (this.nextDueAt <= now && this.nextDueAt < this.endAt) {
      this.issue(this.nextDueAt, now);
      this.nextDueAt = this.startAt + this.schedule.next();
      if (++issued >= MAX_ISSUES_PER_TICK) {
        this.scheduleTimer = setTimeout(this.tick, 0);
        return;
      }
    }
    if (this.nextDueAt >= this.endAt && now >= this.endAt) {
      this.endSchedule({ reason: 'completed' });
      return;
    }
    // setTimeout wakes at whole milliseconds at best; requests due meanwhile go out together, each still timed from its own schedule.
    const wakeAt = Math.min(this.nextDueAt, this.endAt);
    this.scheduleTimer = setTimeout(this.tick, Math.max(0, wakeAt - now));
  };

  private issue(scheduledAt: number, now: number): void {
    const exchange = new Exchange(scheduledAt, this.pickPath(), scheduledAt + this.settings.timeoutMs);
    this.counts.sent++;
    this.counts.waitingForConnection++;
    this.issueLateness.recordMs(now - scheduledAt);
    this.due.push(exchange);
    this.waiting.push(exchange);
    this.dispatchWaiting();
  }

  /** Hands waiting requests to the pool while a connection is free; requests settled while they waited are dropped. */
  private dispatchWaiting(): void {
    while (this.dispatchedCount < this.settings.connections && !this.isFinishing) {
      const exchange = this.waiting.shift();
      if (exchange === undefined) return;
      if (exchange.isSettled) continue;
      this.dispatchedCount++;
      this.pool.dispatch(
        { origin: this.settings.url, path: exchange.path, method: 'GET', headers: { 'user-agent': LOAD_USER_AGENT } },
        this.handlerFor(exchange),
      );
    }
  }

  /** The pool is done with a request (answered, failed or aborted): its connection can take the next. */
  private release(): void {
    this.dispatchedCount--;
    this.dispatchWaiting();
  }

  private handlerFor(exchange: Exchange): Dispatcher.DispatchHandler {
    return {
      onRequestStart: (controller) => {
        if (exchange.isSettled) {
          // Timed out or abandoned while its connection was being opened: it must not be sent now.
          controller.abort(new Error('the request was settled before it could be sent'));
          return;
        }
        if (!Number.isNaN(exchange.writtenAt)) {
          // A second write of one request would be a retry the report could not show: count it as an error instead.
          this.settleWithError(exchange, 'other', 'a request was about to be re-sent after its connection failed');
          controller.abort(new Error('the request would have been sent a second time'));
          return;
        }
        const now = performance.now();
        exchange.writtenAt = now;
        exchange.controller = controller;
        this.counts.waitingForConnection--;
        this.counts.inFlight++;
        this.counts.written++;
        if (this.phase === 'running') this.writtenInSchedule++;
        this.sendLateness.recordMs(now - exchange.scheduledAt);
      },
      onResponseStart: (_controller, statusCode) => {
        exchange.status = statusCode;
      },
      onResponseData: () => {},
      onResponseEnd: () => {
        this.settleWithResponse(exchange);
        this.release();
      },
      onResponseError: (_controller, error) => {
        if (!exchange.isSettled) {
          const kind = classifyError(error);
          this.settleWithError(exchange, kind, (error as Error)?.message ?? String(error));
          if (kind === 'refused') this.onServerGone();
        }
        this.release();
      },
    };
  }

  // ── outcomes ───────────────────────────────────────────────────────────────

  /** Marks the request decided and takes it out of the live counters; false when it already was. */
  private settle(exchange: Exchange): boolean {
    if (exchange.isSettled) return false;
    exchange.isSettled = true;
    if (Number.isNaN(exchange.writtenAt)) this.counts.waitingForConnection--;
    else this.counts.inFlight--;
    return true;
  }

  private settleWithResponse(exchange: Exchange): void {
    if (!this.settle(exchange)) return;
    const now = performance.now();
    const status = exchange.status;
    this.statusCounts[status] = (this.statusCounts[status] ?? 0) + 1;
    this.latency.recordMs(now - exchange.scheduledAt);
    this.intervalLatency.recordMs(now - exchange.scheduledAt);
    this.responseTime.recordMs(now - exchange.writtenAt);
    const kind = classifyStatus(status);
    if (kind === null) this.counts.completed++;
    else this.countError(kind, `HTTP ${status}`);
    this.afterOutcome(now);
  }

  private settleWithError(exchange: Exchange, kind: LoadErrorKind, message: string): void {
    if (!this.settle(exchange)) return;
    // A request that failed after it was written stops its exchange: its socket goes, the next request gets a fresh one.
    exchange.controller?.abort(new Error(message));
    this.countError(kind, message);
    this.afterOutcome(performance.now());
  }

  private countError(kind: LoadErrorKind, message: string): void {
    this.counts.errors++;
    this.counts.errorsByKind[kind]++;
    this.errorSamples[kind] ??= message;
  }

  private afterOutcome(now: number): void {
    this.intervalOutcomes++;
    this.lastOutcomeAt = now;
    if (this.phase === 'draining' && this.counts.inFlight + this.counts.waitingForConnection === 0) void this.finish();
  }

  private expireDeadlines(now: number): void {
    for (let head = this.due.peek(); head !== undefined; head = this.due.peek()) {
      if (!head.isSettled) {
        if (head.deadlineAt > now) return;
        this.settleWithError(head, 'timeout', `no complete response within ${this.settings.timeoutMs} ms of the scheduled send time`);
      }
      this.due.shift();
    }
  }

  // ── stopping ───────────────────────────────────────────────────────────────

  private onServerGone(): void {
    if (this.stop !== null) return;
    const hasAnswered = this.counts.completed + this.counts.errors - this.counts.errorsByKind.refused > 0;
    const url = this.settings.url;
    const message = hasAnswered
      ? `connection refused: the server at ${url} stopped`
      : `connection refused: nothing is listening at ${url} (is the server running?)`;
    this.endSchedule({ reason: 'server-gone', message });
    // Requests still waiting for a connection would only be refused too: they end unfinished, never sent.
    this.due.forEach((exchange) => {
      if (!exchange.isSettled && Number.isNaN(exchange.writtenAt)) {
        this.settle(exchange);
        this.counts.unfinished++;
      }
    });
    if (this.counts.inFlight + this.counts.waitingForConnection === 0) void this.finish();
  }

  /** No more requests come due; those in flight get until their deadline. */
  private endSchedule(stop: LoadStop): void {
    if (this.phase !== 'running') return;
    this.stop = stop;
    this.phase = 'draining';
    this.scheduleEndedAt = Math.min(performance.now(), this.endAt);
    clearTimeout(this.scheduleTimer);
    this.options.onProgress?.(this.progress());
    if (this.counts.inFlight + this.counts.waitingForConnection === 0) void this.finish();
  }

  cancel(): void {
    if (this.phase === 'done') return;
    if (this.phase === 'running') this.endSchedule({ reason: 'cancelled' });
    else this.stop = this.stop?.reason === 'server-gone' ? this.stop : { reason: 'cancelled' };
    this.due.forEach((exchange) => {
      if (this.settle(exchange)) this.counts.unfinished++;
    });
    void this.finish();
  }

  private async finish(): Promise<void> {
    if (this.isFinishing) return;
    this.isFinishing = true;
    clearTimeout(this.scheduleTimer);
    clearInterval(this.deadlineTimer);
    clearInterval(this.progressTimer);
    // Every request has its outcome; destroy() closes the sockets at once (idle keep-alive ones included).
    await this.pool.destroy().catch(() => {});
    this.phase = 'done';
    const report = this.report();
    this.options.onProgress?.(this.progress());
    this.resolveDone(report);
  }

  // ── reporting ──────────────────────────────────────────────────────────────

  progress(): LoadProgress {
    const now = performance.now();
    const intervalS = (now - this.intervalStartedAt) / 1000;
    return {
      ...this.copyCounts(),
      phase: this.phase,
      elapsedMs: Math.max(0, now - this.startAt),
      durationMs: this.settings.durationS * 1000,
      intervalThroughputPerS: intervalS > 0 ? this.intervalOutcomes / intervalS : 0,
      intervalLatency: this.intervalLatency.summary(),
      latency: this.latency.summary(),
    };
  }

  /** A progress snapshot that also starts the next interval. */
  private takeIntervalProgress(): LoadProgress {
    const progress = this.progress();
    this.intervalLatency.reset();
    this.intervalOutcomes = 0;
    this.intervalStartedAt = performance.now();
    return progress;
  }

  private copyCounts(): LoadCounts {
    return { ...this.counts, errorsByKind: { ...this.counts.errorsByKind } };
  }

  private report(): LoadReport {
    const durationMs = this.settings.durationS * 1000;
    const elapsedMs = Math.max(0, this.lastOutcomeAt - this.startAt);
    // A run stopped early offered its load only for as long as the schedule ran.
    const offeredMs = Math.max(1, this.scheduleEndedAt - this.startAt);
    return {
      ...this.copyCounts(),
      settings: this.settings,
      stop: this.stop ?? { reason: 'completed' },
      startedAt: performance.timeOrigin + this.startAt,
      elapsedMs,
      durationMs,
      achievedRatePerS: this.writtenInSchedule / (offeredMs / 1000),
      dueRatePerS: this.counts.sent / (offeredMs / 1000),
      throughputPerS: elapsedMs > 0 ? (this.counts.completed + this.counts.errors) / (elapsedMs / 1000) : 0,
      statusCounts: { ...this.statusCounts },
      errorSamples: { ...this.errorSamples },
      connectionsOpened: this.connectionsOpened,
      latency: this.latency.summary(),
      responseTime: this.responseTime.summary(),
      sendLateness: this.sendLateness.summary(),
      issueLateness: this.issueLateness.summary(),
    };
  }
}
