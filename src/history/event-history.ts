// The flight recorder (Go's runtime/trace.FlightRecorder, tokio-console's aggregator): every ServerEvent
// of a controller's life — many server runs in a row — kept in a bounded history, always, whoever watches;
// and every view a viewer needs derived from it on demand: the pool's state at any time, the timeline at
// a level of detail bounded by its width, the requests behind a bar or a bucket, the live rates.
//
// Bounds: the last `maxAgeMs` or `maxEvents` events, whichever is fewer. An event leaves the history
// (`firstAt` moves, `evictedCount` grows) but its effect stays true: the state before the oldest event is
// a checkpoint, and the time buckets outlive the events (see bucket-store.ts). Memory is flat once full.
//
// State at a time: a checkpoint (a copy of the state) every CHECKPOINT_INTERVAL_EVENTS events or more,
// plus the events after it. An evicted event stays in the log, hidden, until a checkpoint passes it, so
// the state before the oldest event held can always be rebuilt, and never by replaying from the start.
//
// Pure: imports only src/shared; no clock of its own (every time comes from the events or the caller).

import type { ServerEvent } from '../shared/events';
import { requestOriginOf } from '../shared/pool-model';
import type { FinishedRequest } from '../shared/request-stats';
import { BucketStore, DEFAULT_BUCKETS_PER_LEVEL, jobClassOf, QUEUE_DEQUEUED, QUEUE_RECEIVED, QUEUE_REJECTED } from './bucket-store';
import { isLaneId, ROUTE_OTHER, routeCodeOf, statusClassOf } from './classify';
import { ConnectionWaits } from './connection-waits';
import { findRequest, type RequestList, type RequestsQuery, requestsIn } from './details';
import { EventLog } from './event-log';
import type { HistoryParts, MarkerKind, RunInfo, RunRecord, TimelineMarker } from './history-parts';
import { WAIT_CLASS_THRESHOLDS_MS } from './history-parts';
import { emptyPoolState, PoolAggregate, type PoolState } from './pool-state';
import { type RecordedRequest, RequestTable, RowIndex } from './request-table';
import { DEFAULT_MAX_INTERNED_CHARS, DEFAULT_MAX_INTERNED_STRINGS } from './string-table';
import { buildTimeline, type PoolActivity, poolActivity, type Timeline, type TimelineQuery } from './timeline';

/** Events older than this leave the history (unless `maxEvents` drops them first). */
export const DEFAULT_HISTORY_MAX_AGE_MS = 10 * 60 * 1000;
/** The history holds at most this many events (unless `maxAgeMs` drops them first). */
export const DEFAULT_HISTORY_MAX_EVENTS = 500_000;
/** A checkpoint at least this many events apart; stateAt() replays at most about this many events. */
export const CHECKPOINT_INTERVAL_EVENTS = 1024;
/**
 * A checkpoint copies the state, so with a big state (thousands of open connections) checkpoints are
 * spaced at least this many events per state entry: copying stays O(1) per event, and so does their memory.
 */
const CHECKPOINT_EVENTS_PER_STATE_ENTRY = 2;
/** Rough bytes of one state entry in a checkpoint (a worker, a queued job, a request or a connection object). */
const CHECKPOINT_BYTES_PER_ENTRY = 200;
/** Timeline markers kept (they outlive the events, like the buckets); the oldest go first. */
export const MAX_MARKERS = 10_000;
/** Server runs remembered for separators and per-run lookups; the oldest go first. */
export const MAX_RUNS = 1_000;
const INITIAL_EVENT_CAPACITY = 4096;
/**
 * Appended events wait for their derived views (state, request rows, indexes, buckets) until this many have come
 * or anything reads the history. Derived in one run instead of between the server's own work, they cost the
 * server's main thread less (README, Benchmarks: the flight recorder's cost).
 */
export const DERIVE_BATCH_EVENTS = 1024;

export interface EventHistoryOptions {
  /** Default DEFAULT_HISTORY_MAX_AGE_MS; Infinity keeps events whatever their age. */
  maxAgeMs?: number;
  /** Default DEFAULT_HISTORY_MAX_EVENTS. */
  maxEvents?: number;
  /** Bounds of the table of distinct strings (targets, user agents, …); see string-table.ts. */
  maxInternedStrings?: number;
  maxInternedChars?: number;
  /** Events between checkpoints at least (CHECKPOINT_INTERVAL_EVENTS): fewer make stateAt() faster and cost memory. */
  checkpointIntervalEvents?: number;
  /** Events appended before their derived views are brought up to date (DERIVE_BATCH_EVENTS); 1 derives each at once. */
  deriveBatchEvents?: number;
  /** Time buckets kept per resolution and lane (DEFAULT_BUCKETS_PER_LEVEL); more reach further back at full load. */
  bucketsPerLevel?: number;
  /**
   * The pool's state when recording begins, e.g. built from the server's own report when a recorder
   * attaches to a running server. Default: no server has run yet.
   */
  initialState?: PoolState;
  /** From when the state is known; default initialState.at, else the beginning of time (nothing ran before). */
  startAt?: number;
}

interface Checkpoint {
  /** The state after the event with this sequence number (-1: before the first event). */
  seq: number;
  state: PoolState;
}

function checkPositive(name: string, value: number): number {
  if (!(value > 0)) throw new RangeError(`${name} must be a positive number (got ${value})`);
  return value;
}

export class EventHistory {
  private maxAgeMs: number;
  private maxEvents: number;
  private readonly checkpointIntervalEvents: number;
  private readonly deriveBatchEvents: number;
  private readonly startAt: number;
  private readonly log: EventLog;
  private readonly live: PoolAggregate;
  private readonly checkpoints: Checkpoint[];
  private eventsSinceCheckpoint = 0;
  /**
   * Appended, in the log, not derived yet: the newest events, in order, in [0, pendingCount) (see settle()). Allocated
   * once at its full length: an array emptied and filled again would grow its storage again for every batch.
   */
  private readonly pending: Array<ServerEvent | undefined>;
  private pendingCount = 0;
  /** Sequence number of the oldest event in the history (older ones may still sit in the log, hidden). */
  private firstSeq = 0;
  private evicted = 0;
  /** NaN until an event was evicted (a number field, not number | null: no boxing on the hot path). */
  private lastEvictedAt = Number.NaN;
  private readonly table: RequestTable;
  private readonly laneIndexes: Array<RowIndex | undefined> = [];
  private readonly dequeued: RowIndex;
  private readonly waitClasses: RowIndex[];
  private readonly buckets: BucketStore;
  private readonly connectionWaits = new ConnectionWaits();
  private markerList: TimelineMarker[] = [];
  private runList: RunRecord[] = [];
  private currentRun: RunRecord | null = null;
  private queueLength = 0;
  private queueChangedAt = Number.NEGATIVE_INFINITY;
  private readonly parts: HistoryParts;

  constructor(options: EventHistoryOptions = {}) {
    this.maxAgeMs = checkPositive('maxAgeMs', options.maxAgeMs ?? DEFAULT_HISTORY_MAX_AGE_MS);
    this.maxEvents = Math.floor(checkPositive('maxEvents', options.maxEvents ?? DEFAULT_HISTORY_MAX_EVENTS));
    this.checkpointIntervalEvents = Math.floor(
      checkPositive('checkpointIntervalEvents', options.checkpointIntervalEvents ?? CHECKPOINT_INTERVAL_EVENTS),
    );
    this.deriveBatchEvents = Math.floor(checkPositive('deriveBatchEvents', options.deriveBatchEvents ?? DERIVE_BATCH_EVENTS));
    this.pending = new Array<ServerEvent | undefined>(this.deriveBatchEvents).fill(undefined);
    const initial = options.initialState;
    this.startAt = options.startAt ?? initial?.at ?? Number.NEGATIVE_INFINITY;
    // Room for the hidden events between the base checkpoint and the oldest event. Checkpoints come one
    // interval apart, so with two intervals of room one has always passed before the log is full; with one,
    // the log would fill just before it and roll its base forward by replaying a whole interval each time.
    const eventCapacity = this.maxEvents + 2 * this.checkpointIntervalEvents;
    this.log = new EventLog(Math.min(INITIAL_EVENT_CAPACITY, eventCapacity), eventCapacity, {
      maxStrings: options.maxInternedStrings ?? DEFAULT_MAX_INTERNED_STRINGS,
      maxChars: options.maxInternedChars ?? DEFAULT_MAX_INTERNED_CHARS,
    });
    const initialState = initial ?? emptyPoolState(this.startAt);
    this.live = PoolAggregate.fromState(initialState);
    this.checkpoints = [{ seq: -1, state: this.live.toState() }];
    this.table = new RequestTable(this.maxEvents);
    this.dequeued = new RowIndex(this.table, this.maxEvents);
    this.waitClasses = WAIT_CLASS_THRESHOLDS_MS.map(() => new RowIndex(this.table, this.maxEvents));
    this.buckets = new BucketStore(Math.floor(checkPositive('bucketsPerLevel', options.bucketsPerLevel ?? DEFAULT_BUCKETS_PER_LEVEL)));
    this.queueLength = this.live.waitingLength;
    this.queueChangedAt = initialState.at;
    if (initialState.runId > 0) this.seedRun(initialState);
    this.parts = this.makeParts();
  }

  // ── recording ──────────────────────────────────────────────────────────────

  /**
   * Records one event: O(1) amortised, no object kept per event once derived. Events must come in the order the
   * server emitted them; an `at` earlier than the previous event's is kept as given but ordered at that previous time.
   * The event goes into the log at once; what is derived from it follows in a batch (see DERIVE_BATCH_EVENTS),
   * before anything reads the history, so no reader can tell. The caller must not change the event afterwards.
   */
  append(event: ServerEvent): void {
    const log = this.log;
    if (log.isFull) {
      this.settle();
      // The bounds as of this event, applied before it takes its place, as settle() would apply them to it.
      this.applyBoundsFor(log.nextSeq, log.effectiveAtOf(event.at));
      if (log.isFull) this.freeLogRoom();
    }
    log.append(event);
    this.pending[this.pendingCount++] = event;
    if (this.pendingCount >= this.deriveBatchEvents) this.settle();
  }

  /**
   * Derives every event appended since the last call, in order, each as if alone: the bounds as of the event, its
   * views, a checkpoint when one is due. Every reader of the history calls it first.
   */
  private settle(): void {
    const pending = this.pending;
    const count = this.pendingCount;
    if (count === 0) return;
    const log = this.log;
    const firstPendingSeq = log.nextSeq - count;
    let i = 0;
    try {
      for (; i < count; i++) {
        const seq = firstPendingSeq + i;
        const event = pending[i]!;
        this.applyBoundsFor(seq, log.atOf(seq));
        this.derive(event, seq);
        // The state's size (a walk over its parts) only once the interval is up.
        const since = ++this.eventsSinceCheckpoint;
        if (since >= this.checkpointIntervalEvents && since >= CHECKPOINT_EVENTS_PER_STATE_ENTRY * this.live.size) {
          this.checkpoints.push({ seq, state: this.live.toState() });
          this.eventsSinceCheckpoint = 0;
        }
      }
    } finally {
      // Should deriving an event throw, it is not derived twice: it and those before it are done, as when each
      // event was derived on its own append; the ones after it wait for the next settle().
      const done = Math.min(i + 1, count);
      pending.copyWithin(0, done, count);
      // The derived events are not kept alive by the batch.
      pending.fill(undefined, count - done, count);
      this.pendingCount = count - done;
    }
  }

  /** The bounds as event `seq`, ordered at `at`, arrives: the events before it beyond the count or older than its age go. */
  private applyBoundsFor(seq: number, at: number): void {
    while (seq - this.firstSeq >= this.maxEvents) this.evictOldest();
    // The age bound inline, not through evictOlderThan(): a double handed to a call that is not inlined is boxed.
    const limitAt = at - this.maxAgeMs;
    while (this.firstSeq < seq && this.log.atOf(this.firstSeq) < limitAt) this.evictOldest();
  }

  /**
   * New bounds (the person changed the history's length): a shorter one drops the oldest events at once and gives
   * their memory back; a longer one keeps what is held and lets the history grow. `now` applies the age bound.
   */
  setBounds(bounds: { maxAgeMs: number; maxEvents: number }, now: number): void {
    const maxAgeMs = checkPositive('maxAgeMs', bounds.maxAgeMs);
    const maxEvents = Math.floor(checkPositive('maxEvents', bounds.maxEvents));
    this.settle();
    this.maxAgeMs = maxAgeMs;
    this.maxEvents = maxEvents;
    while (this.heldCount > maxEvents) this.evictOldest();
    this.trim(now);
    // The hidden events before the oldest one go too: a base checkpoint at the oldest event replaces them.
    this.freeLogRoom();
    this.log.setMaxCapacity(maxEvents + 2 * this.checkpointIntervalEvents);
    this.table.setMaxRows(maxEvents);
    this.dequeued.setMaxEntries(maxEvents);
    for (const index of this.waitClasses) index.setMaxEntries(maxEvents);
    for (const index of this.laneIndexes) index?.setMaxEntries(maxEvents);
  }

  /** The bounds now: the last `maxAgeMs` or `maxEvents` events, whichever are fewer. */
  get bounds(): { maxAgeMs: number; maxEvents: number } {
    return { maxAgeMs: this.maxAgeMs, maxEvents: this.maxEvents };
  }

  /** Applies the age bound as of `now` without an event (an idle server's old events leave on time). */
  trim(now: number): void {
    this.settle();
    this.evictOlderThan(now - this.maxAgeMs);
  }

  // ── what the history holds ─────────────────────────────────────────────────

  /** Events in the history now. */
  get eventCount(): number {
    this.settle();
    return this.heldCount;
  }

  /** Events that left the history (by age or count) since it began. */
  get evictedCount(): number {
    this.settle();
    return this.evicted;
  }

  /** When the history starts: the oldest event's time; null while it holds none. */
  get firstAt(): number | null {
    this.settle();
    return this.heldFirstAt();
  }

  /** The newest event's time; null while it holds none. */
  get lastAt(): number | null {
    this.settle();
    return this.heldCount > 0 ? this.log.lastAt : null;
  }

  /** The earliest time stateAt() answers for: the last evicted event's time, else the start of recording. */
  get knownFromAt(): number {
    this.settle();
    return this.heldKnownFromAt();
  }

  /** Distinct strings held for the events (bounded by maxInternedStrings and maxInternedChars). */
  get internedStringCount(): number {
    return this.log.strings.size;
  }

  /** Strings not recorded because the string table was full (see string-table.ts). */
  get droppedStringCount(): number {
    return this.log.strings.droppedCount;
  }

  /** Memory held by the history: events, strings, request rows and indexes, buckets, checkpoints. */
  get approximateBytes(): number {
    this.settle();
    let checkpointEntries = 0;
    for (const c of this.checkpoints) {
      const s = c.state;
      checkpointEntries += 1 + s.workers.length + s.queue.length + s.requests.length + s.connections.length;
    }
    let indexes = this.dequeued.approximateBytes;
    for (const index of this.waitClasses) indexes += index.approximateBytes;
    for (const index of this.laneIndexes) if (index) indexes += index.approximateBytes;
    return (
      this.log.approximateBytes +
      this.table.approximateBytes +
      indexes +
      this.buckets.approximateBytes +
      this.connectionWaits.approximateBytes +
      checkpointEntries * CHECKPOINT_BYTES_PER_ENTRY +
      (this.markerList.length + this.runList.length) * CHECKPOINT_BYTES_PER_ENTRY
    );
  }

  /** approximateBytes per event held (0 while empty). */
  get bytesPerEvent(): number {
    const count = this.eventCount;
    return count === 0 ? 0 : this.approximateBytes / count;
  }

  /**
   * The events with `at` in [fromAt, toAt], oldest first, equal to what was appended. Lazy: an iteration that
   * outlives appends throws if an event it had yet to read left the history meanwhile.
   */
  *events(fromAt = Number.NEGATIVE_INFINITY, toAt = Number.POSITIVE_INFINITY): IterableIterator<ServerEvent> {
    this.settle();
    for (let seq = this.log.firstAtOrAfter(fromAt, this.firstSeq); ; seq++) {
      // Appends meanwhile may have evicted events: they leave when derived.
      this.settle();
      if (seq < this.firstSeq) throw new Error(`The history dropped event #${seq} before this iteration read it`);
      if (seq >= this.log.nextSeq || this.log.atOf(seq) > toAt) return;
      yield this.log.decode(seq);
    }
  }

  /** The sequence number the next appended event gets: every event ever appended counts, so it only grows. */
  get nextSeq(): number {
    return this.log.nextSeq;
  }

  /** The sequence number of the oldest event held (nextSeq while none is). */
  get oldestSeq(): number {
    this.settle();
    return this.firstSeq;
  }

  /** The sequence number of the first event held with `at` ≥ the given time (nextSeq when none). */
  seqAtOrAfter(at: number): number {
    this.settle();
    return this.log.firstAtOrAfter(at, this.firstSeq);
  }

  /**
   * Reads up to `maxCount` events from sequence number `fromSeq` on (from the oldest held, when that one
   * left), oldest first, handing each to `visit` with its number. Returns the number of the next event to
   * read. For readers that follow the history as it grows (a viewer's log, the live stats) in bounded steps.
   * With `types`, only events of those types are decoded and visited (the others still count as read).
   */
  readEvents(
    fromSeq: number,
    maxCount: number,
    visit: (event: ServerEvent, seq: number) => void,
    types?: ReadonlySet<ServerEvent['type']>,
  ): number {
    this.settle();
    const end = Math.min(this.log.nextSeq, Math.max(fromSeq, this.firstSeq) + Math.max(0, Math.floor(maxCount)));
    let seq = Math.max(fromSeq, this.firstSeq);
    const log = this.log;
    for (; seq < end; seq++) if (types === undefined || types.has(log.typeOf(seq))) visit(log.decode(seq), seq);
    return seq;
  }

  // ── state ──────────────────────────────────────────────────────────────────

  /**
   * The pool's state at `at`: every event with a time ≤ `at` applied. Null before `knownFromAt`. From the
   * last event on (the live case) it is the kept aggregate: O(size of the state). Earlier: the nearest
   * checkpoint plus the events after it: O(log n + CHECKPOINT_INTERVAL_EVENTS + size of the state).
   */
  stateAt(at: number): PoolState | null {
    this.settle();
    return this.aggregateAt(at)?.toState(at) ?? null;
  }

  /** The state just before the oldest event held: with events(), all a saved run needs to replay truthfully. */
  initialState(): PoolState {
    this.settle();
    return this.aggregateAfter(this.firstSeq - 1).toState(this.heldKnownFromAt());
  }

  /** Server runs the history knows of, oldest first (up to MAX_RUNS): for run separators and per-run lookups. */
  runs(): RunInfo[] {
    this.settle();
    return this.runList.map(({ firstRow: _, ...run }) => ({ ...run, settings: run.settings && { ...run.settings } }));
  }

  /** The runs as the history holds them, oldest first, for a reader that copies only what it keeps (a frame). */
  runsInPlace(): readonly Readonly<RunInfo>[] {
    this.settle();
    return this.runList;
  }

  // ── views ──────────────────────────────────────────────────────────────────

  /** What a timeline of this window and width shows; see timeline.ts. */
  timeline(query: TimelineQuery): Timeline {
    this.settle();
    return buildTimeline(this.parts, query);
  }

  /** Per-worker rates and the queue at `now`, for worker cards; see timeline.ts. */
  activity(now: number): PoolActivity {
    this.settle();
    return poolActivity(this.parts, now);
  }

  /** The requests of a lane or of the queue in a time range; see details.ts. */
  requestsIn(query: RequestsQuery): RequestList {
    this.settle();
    return requestsIn(this.parts, query);
  }

  /**
   * One request's record while it is in the history (or in flight now). Request ids start again with each
   * server run: `runId` picks the run, by default the newest run that has this id. `at`: as it was known at that
   * moment (a replay's cursor, a paused view); default everything recorded. O(log n).
   */
  request(requestId: number, runId?: number, at?: number): RecordedRequest | null {
    this.settle();
    return findRequest(this.parts, this.live, requestId, runId, at);
  }

  /** Strategy 'single': how long the connection of this request waited unread for the thread; null when it did not wait. */
  connectionWaitMsOf(runId: number, requestId: number): number | null {
    this.settle();
    const waitMs = this.connectionWaits.waitMsOfRequest(runId, requestId);
    return waitMs > 0 ? waitMs : null;
  }

  /**
   * A request of run `runId` as the live stats count it (RequestTable.finishedInto: no strings but a burst's
   * User-Agent), written into `out`; what request() gives when its row is not in that run's rows. Null when neither
   * knows it. `out` is reused by the caller: read it before the next call.
   */
  finishedRequest(requestId: number, runId: number | undefined, out: FinishedRequest): FinishedRequest | null {
    this.settle();
    if (runId !== undefined) {
      const row = this.parts.rowOf(runId, requestId);
      if (row !== -1) {
        this.table.finishedInto(row, this.log, out);
        // Strategy 'single': its client waited from the connection's accept, unread, before the request was received;
        // its latency and its wait count that too, as the queue track shows it.
        const connectionWaitMs = this.connectionWaits.waitMsOfRequest(runId, requestId);
        if (connectionWaitMs > 0) {
          out.receivedAt -= connectionWaitMs;
          if (out.waitMs !== null) out.waitMs += connectionWaitMs;
        }
        return out;
      }
    }
    return findRequest(this.parts, this.live, requestId, runId);
  }

  // ── internals ──────────────────────────────────────────────────────────────

  private derive(event: ServerEvent, seq: number): void {
    const at = this.log.atOf(seq);
    const live = this.live;
    const runBefore = live.runId;
    const busySince = event.type === 'job-finished' ? live.busySinceOf(event.workerId) : Number.NaN;
    // A rejection is a request's first event only when nothing of it was known: one received earlier whose row
    // left with its first event stays out of the table, as every request whose first event was dropped does.
    const wasInFlight = event.type === 'request-rejected' && live.isInFlight(event.requestId);
    // Strategy 'single': a connection that stops waiting for the one thread, and since when it waited.
    const waitingSince =
      (event.type === 'connection-taken' || event.type === 'connection-closed') && live.waitingConnectionCount > 0
        ? live.waitingSinceOf(event.connectionId)
        : Number.NaN;
    live.apply(event);
    if (live.runId !== runBefore) this.beginRun(at);
    // The queue's last stretch ends here: store it before anything else is counted at `at` (buckets fill in time order).
    if (live.waitingLength !== this.queueLength) {
      this.buckets.addQueueLength(this.queueChangedAt, at, this.queueLength);
      this.queueLength = live.waitingLength;
      this.queueChangedAt = at;
    }
    const table = this.table;
    switch (event.type) {
      case 'request-received':
        table.add(event.requestId, live.runId, seq, at, true, routeCodeOf(event.target), requestOriginOf(event.userAgent));
        this.buckets.countQueueEvent(at, QUEUE_RECEIVED);
        this.connectionWaits.requestRead(event.connectionId, event.requestId);
        break;
      case 'request-rejected': {
        this.buckets.countQueueEvent(at, QUEUE_REJECTED);
        let row = this.currentRowOf(event.requestId);
        if (row === -1) {
          if (wasInFlight) break;
          row = table.add(event.requestId, live.runId, seq, at, false, ROUTE_OTHER, 'external');
        }
        const slot = table.slotOf(row);
        table.columns.rejectedEventSeq[slot] = seq;
        table.columns.status[slot] = event.status;
        break;
      }
      case 'job-queued': {
        const row = this.currentRowOf(event.requestId);
        if (row !== -1) table.columns.queuedAt[table.slotOf(row)] = at;
        break;
      }
      case 'job-started': {
        const row = this.currentRowOf(event.requestId);
        if (row !== -1) {
          const slot = table.slotOf(row);
          const c = table.columns;
          c.startedAt[slot] = at;
          c.leftQueueAt[slot] = at;
          c.workerId[slot] = event.workerId;
          c.waitMs[slot] = event.waitMs;
          this.laneIndexOf(event.workerId)?.push(row);
          this.leftQueue(row, event.waitMs);
        }
        // Under strategy 'single' the request's wait is its connection's, unread, before the thread took it.
        this.buckets.countQueueEvent(at, QUEUE_DEQUEUED, event.waitMs + this.connectionWaits.waitMsOfRequest(live.runId, event.requestId));
        break;
      }
      case 'job-abandoned': {
        // It left the queue as a dispatched job does, only for no worker: its queue span ends here, and the
        // queue's buckets count it among the jobs that left (with its wait), as request-stats counts its wait.
        const row = this.currentRowOf(event.requestId);
        if (row !== -1) {
          table.abandon(row, at, event.reason, event.waitMs);
          this.leftQueue(row, event.waitMs);
        }
        this.buckets.countQueueEvent(at, QUEUE_DEQUEUED, event.waitMs);
        break;
      }
      case 'job-finished': {
        const row = this.currentRowOf(event.requestId);
        let routeCode = ROUTE_OTHER;
        let isBurst = false;
        if (row !== -1) {
          const slot = table.slotOf(row);
          const c = table.columns;
          c.finishedAt[slot] = at;
          c.runMs[slot] = event.runMs;
          c.status[slot] = event.status;
          routeCode = table.routeCodeOf(slot);
          isBurst = table.isBurst(slot);
        } else {
          const record = live.requestRecord(event.requestId);
          if (record !== undefined) {
            routeCode = routeCodeOf(record.target);
            isBurst = record.origin === 'burst';
          }
        }
        const fromAt = Number.isNaN(busySince) ? at - event.runMs : Math.min(busySince, at);
        this.buckets.addJob(event.workerId, fromAt, at, jobClassOf(routeCode, statusClassOf(event.status), isBurst));
        break;
      }
      case 'response-sent': {
        const row = this.currentRowOf(event.requestId);
        if (row !== -1) {
          const slot = table.slotOf(row);
          const c = table.columns;
          c.sentAt[slot] = at;
          c.bytes[slot] = event.bytes;
          c.status[slot] = event.status;
        }
        break;
      }
      case 'connection-taken':
        if (!Number.isNaN(waitingSince)) this.connectionWaits.end(live.runId, event.connectionId, waitingSince, at, true);
        break;
      case 'connection-closed':
        // Closed unread while it waited (its client left, or a 503 at shutdown): it left the queue for no thread, as
        // an abandoned job does.
        if (!Number.isNaN(waitingSince)) {
          this.connectionWaits.end(live.runId, event.connectionId, waitingSince, at, false);
          this.buckets.countQueueEvent(at, QUEUE_DEQUEUED, at - waitingSince);
        }
        break;
      case 'server-listening':
        if (this.currentRun !== null) {
          this.currentRun.listeningAt = at;
          this.currentRun.settings = live.settings === null ? null : { ...live.settings };
        }
        this.mark(at, 'server-listening', null);
        break;
      case 'server-stopping':
        if (this.currentRun !== null) {
          this.currentRun.stoppingAt = at;
          this.currentRun.stopReason = event.reason;
        }
        this.mark(at, 'stop-requested', null).stopReason = event.reason;
        break;
      case 'server-stopped':
        if (this.currentRun !== null) this.currentRun.stoppedAt = at;
        this.mark(at, 'server-stopped', null);
        break;
      case 'worker-stopping':
        this.mark(at, 'worker-stopping', event.workerId);
        break;
      case 'worker-exited':
        this.mark(at, event.reason === 'crashed' ? 'worker-crashed' : 'worker-joined', event.workerId).exitCode = event.exitCode;
        break;
      case 'worker-replaced':
        this.mark(at, 'worker-replaced', event.workerId);
        break;
      default:
        break;
    }
  }

  /** A row whose job just left the queue (for a worker or abandoned), in the queue's indexes. */
  private leftQueue(row: number, waitMs: number): void {
    this.dequeued.push(row);
    for (let i = 0; i < WAIT_CLASS_THRESHOLDS_MS.length && waitMs >= WAIT_CLASS_THRESHOLDS_MS[i]!; i++) this.waitClasses[i]!.push(row);
  }

  private beginRun(at: number): void {
    const run: RunRecord = {
      runId: this.live.runId,
      startedAt: at,
      listeningAt: null,
      settings: null,
      stoppingAt: null,
      stopReason: null,
      stoppedAt: null,
      firstRow: this.table.rows.nextSeq,
    };
    this.addRun(run);
    this.mark(at, 'server-started', null);
  }

  /** A history that begins mid-run knows that run from the state it was given. */
  private seedRun(state: PoolState): void {
    this.addRun({
      runId: state.runId,
      startedAt: state.runStartedAt ?? state.at,
      listeningAt: state.listeningAt,
      settings: state.settings === null ? null : { ...state.settings },
      stoppingAt: state.stoppingAt,
      stopReason: state.stopReason,
      stoppedAt: state.stoppedAt,
      firstRow: 0,
    });
  }

  private addRun(run: RunRecord): void {
    this.runList.push(run);
    if (this.runList.length > MAX_RUNS) this.runList.shift();
    this.currentRun = run;
  }

  private mark(at: number, kind: MarkerKind, workerId: number | null): TimelineMarker {
    const marker: TimelineMarker = { at, kind, runId: this.live.runId, workerId, stopReason: null, exitCode: null };
    this.markerList.push(marker);
    // Drop the oldest half at once, so trimming costs O(1) per marker.
    if (this.markerList.length > MAX_MARKERS * 1.5) this.markerList = this.markerList.slice(-MAX_MARKERS);
    return marker;
  }

  private currentRowOf(requestId: number): number {
    return this.table.find(requestId, this.currentRun?.firstRow ?? 0);
  }

  private laneIndexOf(workerId: number): RowIndex | undefined {
    if (!isLaneId(workerId)) return undefined;
    let index = this.laneIndexes[workerId];
    if (index === undefined) {
      index = new RowIndex(this.table, this.maxEvents);
      this.laneIndexes[workerId] = index;
    }
    return index;
  }

  /** Events held, derived or not (internal: readers see it through eventCount, after settle()). */
  private get heldCount(): number {
    return this.log.nextSeq - this.firstSeq;
  }

  private heldFirstAt(): number | null {
    return this.heldCount > 0 ? this.log.atOf(this.firstSeq) : null;
  }

  private heldKnownFromAt(): number {
    return Number.isNaN(this.lastEvictedAt) ? this.startAt : this.lastEvictedAt;
  }

  private evictOlderThan(limitAt: number): void {
    while (this.heldCount > 0 && this.log.atOf(this.firstSeq) < limitAt) this.evictOldest();
  }

  /** The oldest event leaves the history; it stays in the log, hidden, until a checkpoint passes it. */
  private evictOldest(): void {
    this.lastEvictedAt = this.log.atOf(this.firstSeq);
    this.firstSeq++;
    this.evicted++;
    this.table.evictBefore(this.firstSeq);
    // A newer checkpoint at or before the last evicted event becomes the base: the events up to it can go.
    let base = 0;
    while (base + 1 < this.checkpoints.length && this.checkpoints[base + 1]!.seq < this.firstSeq) base++;
    if (base > 0) {
      this.checkpoints.splice(0, base);
      this.dropLogThrough(this.checkpoints[0]!.seq);
    }
  }

  /** The log is full of events plus hidden ones no checkpoint passed yet: make a base checkpoint at the oldest event. */
  private freeLogRoom(): void {
    const base = this.checkpoints[0]!;
    const target = this.firstSeq - 1;
    if (base.seq < target) this.checkpoints[0] = { seq: target, state: this.aggregateAfter(target).toState() };
    this.dropLogThrough(this.checkpoints[0]!.seq);
  }

  private dropLogThrough(seq: number): void {
    while (this.log.length > 0 && this.log.firstSeq <= seq) this.log.shift();
  }

  /** The state after event `seq` (seq ≥ the base checkpoint's), rebuilt from the nearest checkpoint. */
  private aggregateAfter(seq: number): PoolAggregate {
    if (seq >= this.log.nextSeq - 1 && this.log.nextSeq > 0) return this.live;
    const checkpoints = this.checkpoints;
    let lo = 0;
    let hi = checkpoints.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (checkpoints[mid]!.seq <= seq) lo = mid;
      else hi = mid - 1;
    }
    const checkpoint = checkpoints[lo]!;
    const aggregate = PoolAggregate.fromState(checkpoint.state);
    for (let next = checkpoint.seq + 1; next <= seq; next++) aggregate.apply(this.log.decode(next));
    return aggregate;
  }

  private aggregateAt(at: number, isExclusive = false): PoolAggregate | null {
    if (at < this.heldKnownFromAt()) return null;
    const log = this.log;
    if (log.nextSeq === 0 || (isExclusive ? at > log.lastAt : at >= log.lastAt)) return this.live;
    const from = this.checkpoints[0]!.seq + 1;
    return this.aggregateAfter((isExclusive ? log.firstAtOrAfter(at, from) : log.firstAfter(at, from)) - 1);
  }

  private makeParts(): HistoryParts {
    return {
      log: this.log,
      table: this.table,
      buckets: this.buckets,
      laneIndexes: this.laneIndexes,
      dequeued: this.dequeued,
      waitClasses: this.waitClasses,
      connectionWaits: this.connectionWaits,
      markers: () => this.markerList,
      runs: () => this.runList,
      aggregateAt: (at, isExclusive) => this.aggregateAt(at, isExclusive),
      firstAt: () => this.heldFirstAt(),
      lastAt: () => this.log.lastAt,
      knownFromAt: () => this.heldKnownFromAt(),
      recordingStartAt: () => this.startAt,
      openQueueSegment: () => ({ length: this.queueLength, sinceAt: this.queueChangedAt }),
      rowOf: (runId, requestId) => {
        const runs = this.runList;
        // Run 0: requests recorded before the history saw any run begin.
        if (runId === 0) return this.table.find(requestId, 0, runs[0]?.firstRow);
        for (let i = runs.length - 1; i >= 0; i--) {
          if (runs[i]!.runId === runId) return this.table.find(requestId, runs[i]!.firstRow, runs[i + 1]?.firstRow);
        }
        return -1;
      },
    };
  }
}
