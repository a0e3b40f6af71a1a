// Export of a run (a saved file or the live history) to the Chrome Trace Event Format, the JSON that
// ui.perfetto.dev and Chrome DevTools' Performance panel open. Pure: a run-file header and events in, trace
// events or JSON text out; imports src/shared only, no Node built-ins, no DOM. Streams: it keeps only the
// requests in flight, so a long run exports in bounded memory.
//
// What the trace shows (README, "Saved runs and traces"): one process per server run; its main thread; one thread
// per worker; each job's run as an `X` slice on its worker; each queue wait as an async `b`/`e` slice;
// a flow arrow from a request's arrival on the main thread to its run; a counter track of queued jobs and
// busy workers; instants for the server's lifecycle, jobs abandoned in the queue, worker crashes and
// replacements, and the shutdown joins. The other strategies add: the while-let lock as slices on each worker
// ("waiting for the lock", "holding the lock", around its job); a request thread's start-up as a slice before its
// job, its exit as an instant; a connection waiting for the single thread as an async slice beside the queue waits.
// Format: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU

import { formatBookLine, type ServerEvent, type ServerEventOf } from '../shared/events';
import { describeAbandonReason, formatListeningLine, pathOf, type RequestOrigin, requestOriginOf } from '../shared/pool-model';
import type { PoolState } from '../shared/pool-state';
import type { RunFileHeader } from '../shared/run-file';
import { startingThreadCountOf } from '../shared/settings';

export const TRACE_PROCESS_NAME = 'Poolscope server';
export const TRACE_MAIN_THREAD_NAME = 'main: accept, parse, dispatch';
export const traceWorkerThreadName = (workerId: number): string => `Worker ${workerId}`;

/**
 * Categories. Requests (arrival, run, flow) share one, because DevTools binds a flow arrow to the slice
 * with the same timestamp, thread and category. Queue waits use DevTools' user-timing category: it is
 * the only one whose async slices the Performance panel draws (in its Timings track); Perfetto shows any.
 */
export const TRACE_CATEGORY = {
  request: 'request',
  queueWait: 'blink.user_timing',
  pool: 'pool',
  lifecycle: 'lifecycle',
} as const;

export const QUEUE_WAIT_NAME = 'queue wait';
export const CONNECTION_WAIT_NAME = 'waiting to be read';
export const LOCK_WAIT_NAME = 'waiting for the lock';
export const LOCK_HOLD_NAME = 'holding the lock';
export const THREAD_STARTUP_NAME = 'thread start-up';
export const COUNTER_NAME = 'Pool';
const FLOW_NAME = 'dispatch';
/** The main thread's slice for a request: from its parse to its place in the queue. */
export const DISPATCH_PREFIX = 'dispatch ';
const UNFINISHED_SUFFIX = ' (unfinished)';
/** Longer request paths are cut in slice names (the args keep the whole target). */
const MAX_PATH_CHARS = 64;

/**
 * One event of the Chrome Trace Event Format. Times in µs since the trace's origin, whole µs. Instants are
 * written `I`, as Chrome writes them: DevTools reads only that spelling, Perfetto reads `I` and `i` alike.
 */
export interface TraceEvent {
  name: string;
  ph: 'X' | 'b' | 'e' | 's' | 'f' | 'C' | 'I' | 'M';
  ts: number;
  pid: number;
  tid: number;
  cat?: string;
  dur?: number;
  /** Flow events: the flow they belong to. */
  id?: number;
  /** Async slices: a process-scoped id. */
  id2?: { local: string };
  /** Flow end: bind to the enclosing slice (the job), not the next one. */
  bp?: 'e';
  /** Instant events: thread scope. */
  s?: 't';
  args?: Record<string, unknown>;
}

/** Flat (Perfetto reads otherData as one dictionary): what the trace came from and where its time starts. */
export interface TraceOtherData {
  source: string;
  /** ts 0 of the trace, as ms since the Unix epoch (the run file's clock). */
  originEpochMs: number;
  /** The same instant, readable (ISO 8601, UTC). */
  origin: string;
  appVersion: string;
  runFileFormatVersion: string;
  historyStartsAt: number;
  droppedEventCount: number;
  strategy: string;
}

export interface TraceDocument {
  displayTimeUnit: 'ms';
  otherData: TraceOtherData;
  traceEvents: TraceEvent[];
}

export interface TraceSummary {
  /** Job slices (runs on a worker), unfinished ones included. */
  jobCount: number;
  /** Jobs still running when the history ended, closed at its end and marked. */
  unfinishedJobCount: number;
  /** Requests the server answered without a job (parse errors, full queue, shutting down, timeouts). */
  rejectedCount: number;
  /** Server runs in the history (each a process in the trace). */
  runCount: number;
  /** The most worker threads any one run had. */
  workerCount: number;
  /** ms since the Unix epoch of the first and last event; null without events. */
  firstAt: number | null;
  lastAt: number | null;
}

export interface TraceExportOptions {
  /**
   * The pool just before the first event (a run file's initial-state line): the jobs it shows running and waiting
   * get their slices and waits from their real start, and its workers their threads, though their start events
   * are not in the history.
   */
  initialState?: PoolState | null;
}

/** Where a request in flight is: received (parsed), waiting in the queue, running on a worker, or done. */
type RequestPhase = 'received' | 'queued' | 'running' | 'done';

interface RequestState {
  phase: RequestPhase;
  /** e.g. `GET /sleep #42`; `#42` alone when its arrival lies before the history. */
  label: string;
  method: string | null;
  target: string | null;
  connectionId: number | null;
  /** null when its arrival lies before the history. */
  origin: RequestOrigin | null;
  receivedAt: number | null;
  queuedAt: number | null;
  startedAt: number | null;
  workerId: number | null;
  waitMs: number | null;
  /** Where its dispatch slice starts on the main thread (µs), or null when it has none (its arrival lies before
   * the history): its flow arrow starts there. */
  dispatchTs: number | null;
  /** Where its job slice starts on its worker's thread (µs), where its flow arrow ends; null until it starts. */
  jobTs: number | null;
}

function newRequest(label: string, received: ServerEventOf<'request-received'> | null): RequestState {
  return {
    phase: 'received',
    label,
    method: received?.method ?? null,
    target: received?.target ?? null,
    connectionId: received?.connectionId ?? null,
    origin: received === null ? null : requestOriginOf(received.userAgent),
    receivedAt: received?.at ?? null,
    queuedAt: null,
    startedAt: null,
    workerId: null,
    waitMs: null,
    dispatchTs: null,
    jobTs: null,
  };
}

interface WorkerThread {
  tid: number;
  /** The request it runs, or null when idle. */
  runningRequestId: number | null;
  /** Where its last job slice started (µs); -Infinity before its first. */
  lastJobStartTs: number;
  /** Strategy 'pool-while-let': since when it waits for the lock, or holds it; null when it does not. */
  lockWaitSince: number | null;
  lockHeldSince: number | null;
}

/** One server run: from its workers' spawn (or the start of the history) until the next run begins. */
interface RunState {
  pid: number;
  mainTid: number;
  hasListened: boolean;
  hasStopped: boolean;
  workers: Map<number, WorkerThread>;
  /** Requests in flight, forgotten at their response: the exporter's memory is bounded by them. */
  requests: Map<number, RequestState>;
  /** Strategy 'single': connections waiting to be read, each an open async slice. */
  waitingConnections: Set<number>;
  queuedJobs: number;
  busyWorkers: number;
  /** The main thread's last dispatch slice, in whole µs: the next one starts after it (see onJobQueued). */
  lastDispatchStartTs: number;
  lastDispatchEndTs: number;
  lastAt: number;
}

/**
 * Turns server events into trace events, in one pass. Call add() for each event in time order, then
 * finish() once; each trace event goes to `emit` as soon as it is known (a job's `X` slice when the job
 * finishes). Memory holds only the requests in flight.
 */
export class TraceExporter {
  private originAtMs: number | null = null;
  private run: RunState | null = null;
  private runCount = 0;
  private nextTid = 1;
  private nextFlowId = 1;
  private firstAt: number | null = null;
  private lastAt: number | null = null;
  private jobCount = 0;
  private unfinishedJobCount = 0;
  private rejectedCount = 0;
  private workerCount = 0;
  private isFinished = false;
  /** The initial state, until the run it shows is seeded. */
  private pendingState: PoolState | null;

  constructor(
    private readonly header: RunFileHeader,
    private readonly emit: (event: TraceEvent) => void,
    options: TraceExportOptions = {},
  ) {
    const state = options.initialState ?? null;
    // Seeded at the first add() or finish(), not here: the caller's emit may not be ready while it constructs this.
    this.pendingState = state !== null && state.runId > 0 && state.phase !== 'stopped' ? state : null;
  }

  private seedOnce(): void {
    const state = this.pendingState;
    if (state === null) return;
    this.pendingState = null;
    this.seedRun(state);
  }

  /**
   * ts 0 of the trace, ms since the Unix epoch: the start of the history, or the first event if that is
   * earlier, so that no timestamp is negative. Fixed by the first add() (or by finish()).
   */
  get originAt(): number {
    return this.originAtMs ?? this.header.historyStartsAt;
  }

  add(event: ServerEvent): void {
    if (this.isFinished) throw new Error('TraceExporter: add() after finish()');
    this.seedOnce();
    this.originAtMs ??= Math.min(this.header.historyStartsAt, event.at);
    this.firstAt ??= event.at;
    this.lastAt = event.at;
    const run = this.runFor(event);
    run.lastAt = event.at;
    switch (event.type) {
      case 'server-listening':
        run.hasListened = true;
        // The threads it starts with: the pool, the single thread; a thread per request's come with their jobs.
        for (let id = 0; id < startingThreadCountOf(event); id++) this.worker(run, id);
        this.instant(run, run.mainTid, event.at, formatListeningLine(event), TRACE_CATEGORY.lifecycle, {
          host: event.host,
          port: event.port,
          workerCount: event.workerCount,
          sleepMs: event.sleepMs,
          maxQueuedJobs: event.maxQueuedJobs,
          maxWaitMs: event.maxWaitMs,
        });
        return;
      case 'server-stopping':
        this.instant(run, run.mainTid, event.at, formatBookLine(event)!, TRACE_CATEGORY.lifecycle, { reason: event.reason });
        return;
      case 'server-stopped':
        run.hasStopped = true;
        this.instant(run, run.mainTid, event.at, 'Server stopped.', TRACE_CATEGORY.lifecycle);
        return;
      case 'request-received':
        this.onRequestReceived(run, event);
        return;
      case 'request-rejected':
        this.onRequestRejected(run, event);
        return;
      case 'job-queued':
        this.onJobQueued(run, event);
        return;
      case 'job-started':
        this.onJobStarted(run, event);
        return;
      case 'job-finished':
        this.onJobFinished(run, event);
        return;
      case 'job-abandoned':
        this.onJobAbandoned(run, event);
        return;
      case 'response-sent':
        run.requests.delete(event.requestId);
        return;
      case 'worker-spawned':
        this.instant(run, this.worker(run, event.workerId).tid, event.at, `Worker ${event.workerId} spawned`, TRACE_CATEGORY.lifecycle);
        return;
      case 'worker-stopping':
        this.instant(run, this.worker(run, event.workerId).tid, event.at, formatBookLine(event)!, TRACE_CATEGORY.lifecycle);
        return;
      case 'worker-exited':
        this.instant(run, this.worker(run, event.workerId).tid, event.at, formatBookLine(event)!, TRACE_CATEGORY.lifecycle, {
          reason: event.reason,
          exitCode: event.exitCode,
        });
        return;
      case 'worker-replaced':
        this.instant(
          run,
          this.worker(run, event.workerId).tid,
          event.at,
          `Worker ${event.workerId} replaced by a fresh thread`,
          TRACE_CATEGORY.lifecycle,
        );
        return;
      case 'connection-opened':
        return;
      case 'connection-closed':
        // A connection still waiting for the single thread at shutdown is answered 503 and closes unread.
        if (run.waitingConnections.delete(event.connectionId)) this.connectionWaitEnd(run, event.connectionId, event.at, { read: false });
        return;
      case 'connection-waiting':
        run.waitingConnections.add(event.connectionId);
        this.emit({
          name: CONNECTION_WAIT_NAME,
          ph: 'b',
          id2: { local: `connection ${event.connectionId}` },
          ts: this.ts(event.at),
          pid: run.pid,
          tid: run.mainTid,
          cat: TRACE_CATEGORY.queueWait,
          args: { connectionId: event.connectionId, waitingCount: event.waitingCount },
        });
        return;
      case 'connection-taken':
        if (run.waitingConnections.delete(event.connectionId)) {
          this.connectionWaitEnd(run, event.connectionId, event.at, { waitMs: event.waitMs, read: true });
        }
        return;
      case 'thread-started': {
        const thread = this.worker(run, event.workerId);
        this.slice(run, thread.tid, THREAD_STARTUP_NAME, Math.max(this.originAt, event.at - event.startupMs), event.at, {
          requestId: event.requestId,
          startupMs: event.startupMs,
          liveThreadCount: event.liveThreadCount,
        });
        return;
      }
      case 'thread-exited':
        this.instant(
          run,
          this.worker(run, event.workerId).tid,
          event.at,
          `Thread exited (code ${event.exitCode})`,
          TRACE_CATEGORY.lifecycle,
          {
            exitCode: event.exitCode,
            liveThreadCount: event.liveThreadCount,
          },
        );
        return;
      case 'lock-waiting':
        this.worker(run, event.workerId).lockWaitSince = event.at;
        return;
      case 'lock-acquired': {
        const thread = this.worker(run, event.workerId);
        if (thread.lockWaitSince !== null)
          this.slice(run, thread.tid, LOCK_WAIT_NAME, thread.lockWaitSince, event.at, { waitMs: event.waitMs });
        thread.lockWaitSince = null;
        thread.lockHeldSince = event.at;
        return;
      }
      case 'lock-released': {
        const thread = this.worker(run, event.workerId);
        // Encloses the job it ran: the worker reported acquiring before starting, and releasing after its result.
        const since = thread.lockHeldSince ?? Math.max(this.originAt, event.at - event.heldMs);
        this.slice(run, thread.tid, LOCK_HOLD_NAME, since, event.at, { heldMs: event.heldMs });
        thread.lockHeldSince = null;
        return;
      }
    }
  }

  /**
   * Closes what is still open at `endAt` (default: the last event; pass the present moment to export a
   * live history): running jobs get their slice up to then, marked unfinished, and so do queue waits.
   */
  finish(endAt: number = this.lastAt ?? this.header.historyStartsAt): TraceSummary {
    if (this.isFinished) throw new Error('TraceExporter: finish() called twice');
    this.seedOnce();
    this.isFinished = true;
    this.originAtMs ??= this.header.historyStartsAt;
    if (this.run !== null) this.closeRun(this.run, Math.max(endAt, this.run.lastAt));
    return {
      jobCount: this.jobCount,
      unfinishedJobCount: this.unfinishedJobCount,
      rejectedCount: this.rejectedCount,
      runCount: this.runCount,
      workerCount: this.workerCount,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
    };
  }

  // ── runs and threads ──────────────────────────────────────────────────────

  /**
   * The run an event belongs to. A server that starts again reuses worker ids and request ids, so each run
   * is its own process: a new one begins when workers spawn or a server listens after the current run has
   * already listened or stopped.
   */
  private runFor(event: ServerEvent): RunState {
    const current = this.run;
    const isStart = event.type === 'worker-spawned' || event.type === 'server-listening';
    if (current !== null && !(isStart && (current.hasListened || current.hasStopped))) return current;
    if (current !== null) this.closeRun(current, current.lastAt);
    return this.openRun(event.at);
  }

  /**
   * The run under way when the history begins, from its state: its workers' threads, the jobs they run (their
   * slices start when the jobs did) and the jobs waiting (their waits begin when they joined the queue). The
   * trace's origin moves back to the earliest of those, so that none of them is cut.
   */
  private seedRun(state: PoolState): void {
    let originAt = Math.min(this.header.historyStartsAt, state.at);
    for (const request of state.requests) {
      if (request.startedAt !== null && request.finishedAt === null) originAt = Math.min(originAt, request.startedAt);
      else if (request.queuedAt !== null && request.startedAt === null) originAt = Math.min(originAt, request.queuedAt);
    }
    this.originAtMs = originAt;
    const run = this.openRun(state.at);
    run.hasListened = state.listeningAt !== null;
    for (const worker of state.workers) this.worker(run, worker.id);
    const isQueued = new Set(state.queue.map((job) => job.requestId));
    for (const record of state.requests) {
      const request = newRequest(labelOf(record.method, record.target, record.id), {
        type: 'request-received',
        at: record.receivedAt,
        requestId: record.id,
        connectionId: record.connectionId,
        method: record.method,
        target: record.target,
        remoteAddress: record.remoteAddress,
        userAgent: record.userAgent,
      });
      request.queuedAt = record.queuedAt;
      request.startedAt = record.startedAt;
      request.workerId = record.workerId;
      request.waitMs = record.waitMs;
      run.requests.set(record.id, request);
      if (record.startedAt !== null && record.finishedAt === null && record.workerId !== null) {
        request.phase = 'running';
        const thread = this.worker(run, record.workerId);
        if (thread.runningRequestId === null) run.busyWorkers++;
        thread.runningRequestId = record.id;
      } else if (isQueued.has(record.id) && record.queuedAt !== null) {
        request.phase = 'queued';
        this.queueWaitBegin(run, record.id, request, record.queuedAt);
      } else if (record.finishedAt !== null || record.abandonReason !== null) {
        request.phase = 'done';
      }
    }
    run.queuedJobs = state.queue.length;
    this.counter(run, state.at);
  }

  private openRun(at: number): RunState {
    this.runCount++;
    const pid = this.runCount;
    const run: RunState = {
      pid,
      mainTid: this.nextTid++,
      hasListened: false,
      hasStopped: false,
      workers: new Map(),
      requests: new Map(),
      waitingConnections: new Set(),
      queuedJobs: 0,
      busyWorkers: 0,
      lastDispatchStartTs: Number.NEGATIVE_INFINITY,
      lastDispatchEndTs: Number.NEGATIVE_INFINITY,
      lastAt: at,
    };
    this.run = run;
    const processName = pid === 1 ? TRACE_PROCESS_NAME : `${TRACE_PROCESS_NAME} (run ${pid})`;
    this.metadata(run, run.mainTid, 'process_name', { name: processName });
    this.metadata(run, run.mainTid, 'process_sort_index', { sort_index: pid });
    this.metadata(run, run.mainTid, 'thread_name', { name: TRACE_MAIN_THREAD_NAME });
    this.metadata(run, run.mainTid, 'thread_sort_index', { sort_index: 0 });
    this.counter(run, at);
    return run;
  }

  private worker(run: RunState, workerId: number): WorkerThread {
    let thread = run.workers.get(workerId);
    if (thread === undefined) {
      thread = {
        tid: this.nextTid++,
        runningRequestId: null,
        lastJobStartTs: Number.NEGATIVE_INFINITY,
        lockWaitSince: null,
        lockHeldSince: null,
      };
      run.workers.set(workerId, thread);
      this.workerCount = Math.max(this.workerCount, run.workers.size);
      this.metadata(run, thread.tid, 'thread_name', { name: traceWorkerThreadName(workerId) });
      this.metadata(run, thread.tid, 'thread_sort_index', { sort_index: workerId + 1 });
    }
    return thread;
  }

  /** Closes a run's open jobs and waits at `endAt`, marked unfinished. */
  private closeRun(run: RunState, endAt: number): void {
    for (const [requestId, request] of run.requests) {
      if (request.phase === 'running') {
        this.jobSlice(run, requestId, request, request.startedAt!, endAt, { unfinished: true });
        this.unfinishedJobCount++;
      } else if (request.phase === 'queued') {
        this.queueWaitEnd(run, requestId, endAt, { unfinished: true });
      }
    }
    run.requests.clear();
    for (const connectionId of run.waitingConnections) this.connectionWaitEnd(run, connectionId, endAt, { unfinished: true });
    run.waitingConnections.clear();
    for (const thread of run.workers.values()) {
      if (thread.lockWaitSince !== null) this.slice(run, thread.tid, LOCK_WAIT_NAME, thread.lockWaitSince, endAt, { unfinished: true });
      if (thread.lockHeldSince !== null) this.slice(run, thread.tid, LOCK_HOLD_NAME, thread.lockHeldSince, endAt, { unfinished: true });
      thread.lockWaitSince = null;
      thread.lockHeldSince = null;
    }
  }

  // ── requests and jobs ─────────────────────────────────────────────────────

  private request(run: RunState, requestId: number): RequestState {
    let request = run.requests.get(requestId);
    if (request === undefined) {
      // Its arrival lies before the history (older events were dropped): known by id only.
      request = newRequest(`#${requestId}`, null);
      run.requests.set(requestId, request);
    }
    return request;
  }

  private onRequestReceived(run: RunState, event: ServerEventOf<'request-received'>): void {
    run.requests.set(event.requestId, newRequest(labelOf(event.method, event.target, event.requestId), event));
  }

  private onRequestRejected(run: RunState, event: ServerEventOf<'request-rejected'>): void {
    this.rejectedCount++;
    const request = run.requests.get(event.requestId);
    const what = request?.label ?? `#${event.requestId}`;
    this.instant(run, run.mainTid, event.at, `${event.status} ${what} (${event.errorCode})`, TRACE_CATEGORY.request, {
      requestId: event.requestId,
      connectionId: event.connectionId,
      status: event.status,
      errorCode: event.errorCode,
      ...(request ? { method: request.method, target: request.target, origin: request.origin } : {}),
    });
  }

  private onJobQueued(run: RunState, event: ServerEventOf<'job-queued'>): void {
    const request = this.request(run, event.requestId);
    request.phase = 'queued';
    request.queuedAt = event.at;
    if (request.receivedAt !== null) {
      // Parse-to-queue on the main thread, where the flow arrow to the worker starts (once the job does).
      // The main thread dispatches one request after another, but requests read together (pipelined, or within
      // one µs) share their arrival's timestamp: each slice starts where the last one ended, and never at the
      // last one's start, for DevTools binds a flow to the innermost slice at its timestamp and two slices
      // starting together would nest and swap their arrows.
      const ts = Math.max(this.ts(request.receivedAt), run.lastDispatchEndTs, run.lastDispatchStartTs + 1);
      const endTs = Math.max(this.ts(event.at), ts);
      request.dispatchTs = ts;
      run.lastDispatchStartTs = ts;
      run.lastDispatchEndTs = endTs;
      this.emit({
        name: `${DISPATCH_PREFIX}${request.label}`,
        ph: 'X',
        ts,
        dur: endTs - ts,
        pid: run.pid,
        tid: run.mainTid,
        cat: TRACE_CATEGORY.request,
        args: this.requestArgs(event.requestId, request),
      });
    }
    this.queueWaitBegin(run, event.requestId, request, event.at);
    run.queuedJobs = event.queueDepth;
    this.counter(run, event.at);
  }

  private onJobStarted(run: RunState, event: ServerEventOf<'job-started'>): void {
    const request = this.request(run, event.requestId);
    const thread = this.worker(run, event.workerId);
    const wasQueued = request.phase === 'queued';
    request.phase = 'running';
    request.startedAt = event.at;
    request.workerId = event.workerId;
    request.waitMs = event.waitMs;
    // Jobs a worker ran between two of its reports share their times (the main thread stamps them as it drains the
    // results): each starts 1 µs after the one before, never at its start, for DevTools binds a flow's end to the first
    // slice at its timestamp on that thread, and jobs starting together would all take the first one's arrow.
    request.jobTs = Math.max(this.ts(event.at), thread.lastJobStartTs + 1);
    thread.lastJobStartTs = request.jobTs;
    if (wasQueued) this.queueWaitEnd(run, event.requestId, event.at, { waitMs: event.waitMs, workerId: event.workerId });
    if (request.dispatchTs !== null) {
      // Both ends at once, so no flow is left open by a history that ends while its job waits. Each end
      // has the timestamp, thread and category of its slice: DevTools binds a flow by exactly those.
      const id = this.nextFlowId++;
      const cat = TRACE_CATEGORY.request;
      this.emit({ name: FLOW_NAME, ph: 's', id, ts: request.dispatchTs, pid: run.pid, tid: run.mainTid, cat });
      this.emit({ name: FLOW_NAME, ph: 'f', bp: 'e', id, ts: request.jobTs, pid: run.pid, tid: thread.tid, cat });
    }
    if (thread.runningRequestId === null) run.busyWorkers++;
    thread.runningRequestId = event.requestId;
    run.queuedJobs = event.queueDepth;
    this.counter(run, event.at);
  }

  private onJobFinished(run: RunState, event: ServerEventOf<'job-finished'>): void {
    const request = this.request(run, event.requestId);
    const thread = this.worker(run, event.workerId);
    // A job that started before the history began: its start is known from its run time.
    const startedAt = request.startedAt ?? Math.max(this.originAt, event.at - event.runMs);
    request.workerId = event.workerId;
    this.jobSlice(run, event.requestId, request, startedAt, event.at, {
      status: event.status,
      runMs: event.runMs,
      ...(request.startedAt === null ? { startedBeforeHistory: true } : {}),
    });
    request.phase = 'done';
    if (thread.runningRequestId !== null) run.busyWorkers--;
    thread.runningRequestId = null;
    this.counter(run, event.at);
  }

  /** A job that left the queue without running: its wait ends, and an instant on the main thread says why. */
  private onJobAbandoned(run: RunState, event: ServerEventOf<'job-abandoned'>): void {
    const request = this.request(run, event.requestId);
    if (request.phase === 'queued') this.queueWaitEnd(run, event.requestId, event.at, { waitMs: event.waitMs, abandoned: event.reason });
    request.phase = 'done';
    request.waitMs = event.waitMs;
    this.instant(run, run.mainTid, event.at, `${describeAbandonReason(event.reason)}: ${request.label}`, TRACE_CATEGORY.request, {
      ...this.requestArgs(event.requestId, request),
      reason: event.reason,
      waitMs: event.waitMs,
    });
    run.queuedJobs = event.queueDepth;
    this.counter(run, event.at);
  }

  private jobSlice(
    run: RunState,
    requestId: number,
    request: RequestState,
    startAt: number,
    endAt: number,
    extra: Record<string, unknown>,
  ): void {
    const thread = this.worker(run, request.workerId!);
    const ts = request.jobTs ?? this.ts(startAt);
    const isUnfinished = extra.unfinished === true;
    this.jobCount++;
    this.emit({
      name: isUnfinished ? `${request.label}${UNFINISHED_SUFFIX}` : request.label,
      ph: 'X',
      ts,
      dur: Math.max(0, this.ts(endAt) - ts),
      pid: run.pid,
      tid: thread.tid,
      cat: TRACE_CATEGORY.request,
      args: { ...this.requestArgs(requestId, request), workerId: request.workerId, waitMs: request.waitMs, ...extra },
    });
  }

  private queueWaitBegin(run: RunState, requestId: number, request: RequestState, at: number): void {
    this.emit({
      name: QUEUE_WAIT_NAME,
      ph: 'b',
      id2: { local: String(requestId) },
      ts: this.ts(at),
      pid: run.pid,
      tid: run.mainTid,
      cat: TRACE_CATEGORY.queueWait,
      args: { request: request.label, ...this.requestArgs(requestId, request) },
    });
  }

  private queueWaitEnd(run: RunState, requestId: number, at: number, args: Record<string, unknown>): void {
    this.emit({
      name: QUEUE_WAIT_NAME,
      ph: 'e',
      id2: { local: String(requestId) },
      ts: this.ts(at),
      pid: run.pid,
      tid: run.mainTid,
      cat: TRACE_CATEGORY.queueWait,
      args,
    });
  }

  private connectionWaitEnd(run: RunState, connectionId: number, at: number, args: Record<string, unknown>): void {
    this.emit({
      name: CONNECTION_WAIT_NAME,
      ph: 'e',
      id2: { local: `connection ${connectionId}` },
      ts: this.ts(at),
      pid: run.pid,
      tid: run.mainTid,
      cat: TRACE_CATEGORY.queueWait,
      args,
    });
  }

  /** A slice on a worker's thread that is not a job (the lock, a thread's start-up). */
  private slice(run: RunState, tid: number, name: string, startAt: number, endAt: number, args: Record<string, unknown>): void {
    const ts = this.ts(startAt);
    this.emit({ name, ph: 'X', ts, dur: Math.max(0, this.ts(endAt) - ts), pid: run.pid, tid, cat: TRACE_CATEGORY.pool, args });
  }

  private requestArgs(requestId: number, request: RequestState): Record<string, unknown> {
    return {
      requestId,
      method: request.method,
      target: request.target,
      connectionId: request.connectionId,
      origin: request.origin,
    };
  }

  // ── trace events ──────────────────────────────────────────────────────────

  /** µs since the origin, whole: equal instants get equal timestamps, so flows bind and slices nest exactly. */
  private ts(at: number): number {
    return Math.round((at - this.originAt) * 1000);
  }

  private counter(run: RunState, at: number): void {
    this.emit({
      name: COUNTER_NAME,
      ph: 'C',
      ts: this.ts(at),
      pid: run.pid,
      tid: run.mainTid,
      cat: TRACE_CATEGORY.pool,
      args: { 'queued jobs': run.queuedJobs, 'busy workers': run.busyWorkers },
    });
  }

  private instant(run: RunState, tid: number, at: number, name: string, cat: string, args?: Record<string, unknown>): void {
    this.emit({ name, ph: 'I', s: 't', ts: this.ts(at), pid: run.pid, tid, cat, ...(args ? { args } : {}) });
  }

  private metadata(run: RunState, tid: number, name: string, args: Record<string, unknown>): void {
    this.emit({ name, ph: 'M', ts: 0, pid: run.pid, tid, args });
  }
}

/** A request's name in the trace, e.g. `GET /sleep #42` (long paths cut; the args keep the whole target). */
function labelOf(method: string, target: string, requestId: number): string {
  const path = pathOf(target);
  const shownPath = path.length > MAX_PATH_CHARS ? `${path.slice(0, MAX_PATH_CHARS - 1)}…` : path;
  return `${method} ${shownPath} #${requestId}`;
}

function otherDataOf(header: RunFileHeader, originAt: number): TraceOtherData {
  return {
    source: `${header.app.name} ${header.app.version}`,
    originEpochMs: originAt,
    origin: new Date(originAt).toISOString(),
    appVersion: header.app.version,
    runFileFormatVersion: header.formatVersion,
    historyStartsAt: header.historyStartsAt,
    droppedEventCount: header.droppedEventCount,
    // Files older than 1.4 say null: their runs all used the book's pool.
    strategy: header.strategy ?? 'pool',
  };
}

/** A whole trace as one object (for small histories and tests; big runs stream with TraceJsonWriter). */
export function exportTrace(
  header: RunFileHeader,
  events: Iterable<ServerEvent>,
  endAt?: number,
  options: TraceExportOptions = {},
): { trace: TraceDocument; summary: TraceSummary } {
  const traceEvents: TraceEvent[] = [];
  const exporter = new TraceExporter(header, (event) => traceEvents.push(event), options);
  for (const event of events) exporter.add(event);
  const summary = exporter.finish(endAt);
  return { trace: { displayTimeUnit: 'ms', otherData: otherDataOf(header, exporter.originAt), traceEvents }, summary };
}

/**
 * Writes the trace as JSON text in chunks of about `chunkChars`, as events are added: feed it from a file
 * stream or a live history without holding the trace. Keys come in the order Perfetto's streaming reader
 * wants them (displayTimeUnit first; it stops at keys it does not know).
 */
export class TraceJsonWriter {
  private readonly exporter: TraceExporter;
  private buffer = '';
  private hasOpened = false;
  private isFirstEvent = true;

  constructor(
    private readonly header: RunFileHeader,
    private readonly write: (text: string) => void,
    private readonly chunkChars = 65_536,
    options: TraceExportOptions = {},
  ) {
    this.exporter = new TraceExporter(header, (event) => this.append(event), options);
  }

  add(event: ServerEvent): void {
    this.exporter.add(event);
  }

  finish(endAt?: number): TraceSummary {
    const summary = this.exporter.finish(endAt);
    this.open();
    this.buffer += '\n]}\n';
    this.flush();
    return summary;
  }

  /** The prefix waits for the first trace event, by which time the exporter has fixed its origin. */
  private open(): void {
    if (this.hasOpened) return;
    this.hasOpened = true;
    const otherData = otherDataOf(this.header, this.exporter.originAt);
    this.buffer += `{"displayTimeUnit":"ms","otherData":${JSON.stringify(otherData)},"traceEvents":[`;
  }

  private append(event: TraceEvent): void {
    this.open();
    this.buffer += this.isFirstEvent ? '\n' : ',\n';
    this.isFirstEvent = false;
    this.buffer += JSON.stringify(event);
    if (this.buffer.length >= this.chunkChars) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const text = this.buffer;
    this.buffer = '';
    this.write(text);
  }
}

/**
 * A whole trace as JSON text chunks of about 64 KiB, pulled one at a time: events are read from `events` only as
 * chunks are asked for, so a caller streaming to a socket, a file or a Blob holds one chunk, never the trace.
 * `endAt` closes what still runs (the present, for a live history).
 */
export function* traceChunks(
  header: RunFileHeader,
  events: Iterable<ServerEvent>,
  options: TraceExportOptions & { endAt?: number } = {},
): Generator<string, TraceSummary> {
  const ready: string[] = [];
  const writer = new TraceJsonWriter(header, (text) => ready.push(text), undefined, options);
  for (const event of events) {
    writer.add(event);
    if (ready.length > 0) yield* ready.splice(0);
  }
  const summary = writer.finish(options.endAt);
  yield* ready.splice(0);
  return summary;
}
