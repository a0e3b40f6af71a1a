// The timeline's source in the renderer: a journal of server runs and their moments (start, the stop
// request, each worker joined, stopped), with the jobs of earlier runs, fed from the event stream beside
// the PoolModel; and the one projection from the model and the journal to a TimelineFrame for a window.
// The drawing reads only frames, so a server-side recorder's timeline can replace this file.
//
// Why a journal: the model holds the current state, not moments, and a restarted server numbers its
// requests from 1 again, so the model's records of an earlier run are overwritten one by one by the new
// run's. The journal copies them away when the new run begins listening.

import type { ServerEvent } from '../../shared/events';
import { MAX_RETAINED_REQUESTS, type PoolModel, type RequestRecord } from '../../shared/pool-model';
import {
  type FrameBar,
  type FrameLane,
  type FrameMarker,
  type FrameQueue,
  type FrameQueueSpan,
  type FrameRun,
  type QueueLengthSteps,
  type RunSeparator,
  routeOf,
  type TimelineFrame,
} from '../components/timeline-frame';

/** Markers kept (the oldest go first): a run leaves a few plus one per worker. */
export const MAX_MARKERS = 2_000;
/** Runs kept. */
export const MAX_RUNS = 200;
/** Requests of earlier runs kept for the timeline, over all of them (the oldest go first). */
export const MAX_ARCHIVED_REQUESTS = MAX_RETAINED_REQUESTS;
/**
 * Shorter stays in the queue are hand-overs to a free worker (the server stamps both events in the same
 * tick), not waits: the queue track and the queue panel's recent peak leave them out.
 */
export const MIN_WAIT_MS = 1;
/** The queue's length is summed into buckets at least this many pixels wide. */
export const MIN_STEP_WIDTH_PX = 2;
/** More waits in the window than this many per pixel of its width are drawn as the queue's length. */
const MAX_SPANS_PER_PX = 1;

/** What the timeline is asked for: a window, the width it is drawn over, and the newest moment known. */
export interface TimelineQuery {
  fromAt: number;
  toAt: number;
  plotWidthPx: number;
  now: number;
}

interface ArchivedRequest {
  runId: number;
  record: RequestRecord;
}

export class RunJournal {
  private runList: FrameRun[] = [];
  private markerList: FrameMarker[] = [];
  private archivedList: ArchivedRequest[] = [];

  get runs(): readonly FrameRun[] {
    return this.runList;
  }

  get markers(): readonly FrameMarker[] {
    return this.markerList;
  }

  /** Earlier runs' requests, oldest first. */
  get archived(): readonly ArchivedRequest[] {
    return this.archivedList;
  }

  /** The run listening now, or the last one that did; null before any. */
  get currentRun(): FrameRun | null {
    return this.runList.at(-1) ?? null;
  }

  /** Call with each event before the model applies it (the model's records of the ending run are read here). */
  note(event: ServerEvent, model: PoolModel): void {
    const run = this.currentRun;
    switch (event.type) {
      case 'server-listening': {
        if (run !== null) this.archiveRun(run, model);
        this.startRun((run?.runId ?? 0) + 1, event.at, event.workerCount);
        break;
      }
      case 'server-stopping':
        if (run === null) return;
        run.stoppingAt = event.at;
        this.mark({ at: event.at, kind: 'stop-requested', runId: run.runId, workerId: null });
        break;
      case 'worker-exited':
        if (run === null || event.reason !== 'shutdown') return;
        this.mark({ at: event.at, kind: 'worker-joined', runId: run.runId, workerId: event.workerId });
        break;
      case 'server-stopped':
        if (run === null) return;
        run.stoppedAt = event.at;
        this.mark({ at: event.at, kind: 'stopped', runId: run.runId, workerId: null });
        break;
      default:
        break;
    }
  }

  /**
   * Starts over from a snapshot: it carries the current run's start and phase, not its moments, so the run
   * is known from its start; requests older than it are kept as one earlier run.
   */
  rebuild(model: PoolModel): void {
    this.runList = [];
    this.markerList = [];
    this.archivedList = [];
    const listeningAt = model.listeningAt;
    if (listeningAt === null) return;
    for (const record of model.requests.values()) if (record.receivedAt < listeningAt) this.archive(1, record);
    this.startRun(this.archivedList.length > 0 ? 2 : 1, listeningAt, model.workerCount);
  }

  private startRun(runId: number, listeningAt: number, workerCount: number): void {
    this.runList.push({ runId, listeningAt, workerCount, stoppingAt: null, stoppedAt: null });
    if (this.runList.length > MAX_RUNS) this.runList.splice(0, this.runList.length - MAX_RUNS);
    this.mark({ at: listeningAt, kind: 'start', runId, workerId: null });
  }

  private archiveRun(run: FrameRun, model: PoolModel): void {
    for (const record of model.requests.values()) if (record.receivedAt >= run.listeningAt) this.archive(run.runId, record);
  }

  private archive(runId: number, record: RequestRecord): void {
    this.archivedList.push({ runId, record: { ...record } });
    // Trimmed in chunks, not on every push.
    if (this.archivedList.length > MAX_ARCHIVED_REQUESTS * 1.25) this.archivedList = this.archivedList.slice(-MAX_ARCHIVED_REQUESTS);
  }

  private mark(marker: FrameMarker): void {
    this.markerList.push(marker);
    if (this.markerList.length > MAX_MARKERS * 1.25) this.markerList = this.markerList.slice(-MAX_MARKERS);
  }
}

/** The oldest moment anything is kept for: the first job of the earliest run kept, else the model's oldest request. */
export function oldestKnownAt(model: PoolModel, journal: RunJournal): number | null {
  let oldestAt: number | null = journal.runs[0]?.listeningAt ?? null;
  const consider = (record: RequestRecord | undefined) => {
    if (record === undefined) return;
    const at = record.queuedAt ?? record.receivedAt;
    if (oldestAt === null || at < oldestAt) oldestAt = at;
  };
  consider(journal.archived[0]?.record);
  // Arrival order, but a restarted server's request can take an earlier run's place in the map: look at every one.
  for (const record of model.requests.values()) consider(record);
  return oldestAt;
}

/** The 1-2-5 ladder: the smallest step of it that is at least `ms`. */
function ladderStepAtLeast(ms: number): number {
  let decade = 10 ** Math.floor(Math.log10(Math.max(ms, 1e-3)));
  for (;;) {
    for (const factor of [1, 2, 5]) if (decade * factor >= ms) return decade * factor;
    decade *= 10;
  }
}

/** A wait as two points: the queue grows by one at `fromAt` and shrinks by one at `toAt`. */
interface Wait {
  fromAt: number;
  toAt: number;
}

/** The queue's length changes in time order: +1 as a wait begins, -1 as it ends. */
function lengthChangesOf(waits: readonly Wait[]): Array<[at: number, delta: number]> {
  const changes: Array<[at: number, delta: number]> = [];
  for (const wait of waits) if (wait.toAt > wait.fromAt) changes.push([wait.fromAt, 1], [wait.toAt, -1]);
  // Leaving before joining at the same moment: a job taken as another joins does not count twice.
  return changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/**
 * The queue's length per bucket over [fromAt, toAt], from the waits, exactly: a sweep over their ends.
 * Buckets after `now` stay empty.
 */
export function queueLengthSteps(waits: readonly Wait[], fromAt: number, toAt: number, bucketMs: number, now: number): QueueLengthSteps {
  const firstBucketIndex = Math.floor(fromAt / bucketMs);
  const count = Math.max(1, Math.ceil(toAt / bucketMs) - firstBucketIndex);
  const meanLength = new Float64Array(count);
  const maxLength = new Uint32Array(count);
  const changes = lengthChangesOf(waits);
  const gridStartAt = firstBucketIndex * bucketMs;
  const endAt = Math.min(toAt, now, gridStartAt + count * bucketMs);
  let length = 0;
  let since = gridStartAt;
  // Adds `length` from `since` up to `until`, bucket by bucket.
  const addUntil = (until: number) => {
    const to = Math.min(until, endAt);
    while (since < to) {
      const k = Math.floor((since - gridStartAt) / bucketMs);
      const bucketEnd = Math.min(to, gridStartAt + (k + 1) * bucketMs);
      meanLength[k]! += (length * (bucketEnd - since)) / bucketMs;
      if (length > maxLength[k]!) maxLength[k] = length;
      since = bucketEnd;
    }
  };
  for (const [at, delta] of changes) {
    if (at > since) addUntil(at);
    length += delta;
    // A change inside a bucket counts in its max even when the length lasts no time at all.
    if (at >= gridStartAt && at < endAt) {
      const k = Math.floor((at - gridStartAt) / bucketMs);
      if (length > maxLength[k]!) maxLength[k] = length;
    }
  }
  addUntil(endAt);
  // The bucket holding `now` is averaged over its elapsed part only.
  const nowIndex = Math.floor((now - gridStartAt) / bucketMs);
  if (nowIndex >= 0 && nowIndex < count) {
    const elapsedMs = now - (gridStartAt + nowIndex * bucketMs);
    if (elapsedMs > 0) meanLength[nowIndex] = (meanLength[nowIndex]! * bucketMs) / elapsedMs;
  }
  return { bucketMs, firstBucketIndex, meanLength, maxLength };
}

/** The most waits that overlap at any moment. */
function peakOf(waits: readonly Wait[]): number {
  let length = 0;
  let peak = 0;
  for (const [, delta] of lengthChangesOf(waits)) {
    length += delta;
    if (length > peak) peak = length;
  }
  return peak;
}

/** The timeline of one window: the model's current run and the journal's earlier ones. */
export function projectTimeline(model: PoolModel, journal: RunJournal, query: TimelineQuery): TimelineFrame {
  const { fromAt, toAt, now } = query;
  const msPerPx = (toAt - fromAt) / Math.max(1, query.plotWidthPx);
  const current = journal.currentRun;
  const currentRunId = current?.runId ?? 0;
  const waiting = new Set(model.queue);
  const bars: FrameBar[] = [];
  const spans: FrameQueueSpan[] = [];
  const waits: Wait[] = [];
  let longestWaitMs = 0;
  let maxWorkerId = -1;
  const minSpanMs = Math.max(MIN_WAIT_MS, msPerPx);

  const add = (record: RequestRecord, runId: number, isCurrentRun: boolean) => {
    const route = routeOf(record.path);
    if (record.queuedAt !== null) {
      const isWaiting = isCurrentRun && record.startedAt === null && waiting.has(record.id);
      // An abandoned job left the queue when its wait ended, without a worker.
      const abandonedAt = record.abandonReason !== null && record.waitMs !== null ? record.queuedAt + record.waitMs : null;
      const leftAt = record.startedAt ?? (isWaiting ? now : abandonedAt);
      if (leftAt !== null && leftAt - record.queuedAt >= MIN_WAIT_MS && leftAt >= fromAt && record.queuedAt <= toAt) {
        waits.push({ fromAt: record.queuedAt, toAt: leftAt });
        longestWaitMs = Math.max(longestWaitMs, leftAt - record.queuedAt);
        if (isWaiting || leftAt - record.queuedAt >= minSpanMs) {
          spans.push({
            runId,
            requestId: record.id,
            method: record.method,
            target: record.target,
            route,
            origin: record.origin,
            queuedAt: record.queuedAt,
            leftAt,
            workerId: record.workerId,
            abandonReason: record.abandonReason,
            isWaiting,
            isCurrentRun,
          });
        }
      }
    }
    if (record.startedAt === null || record.workerId === null) return;
    const finishedAt = record.finishedAt ?? record.sentAt;
    if ((finishedAt ?? now) < fromAt || record.startedAt > toAt) return;
    maxWorkerId = Math.max(maxWorkerId, record.workerId);
    bars.push({
      runId,
      requestId: record.id,
      workerId: record.workerId,
      method: record.method,
      target: record.target,
      path: record.path,
      route,
      origin: record.origin,
      queuedAt: record.queuedAt,
      startedAt: record.startedAt,
      finishedAt,
      status: record.status,
      waitMs: record.waitMs,
      isCurrentRun,
    });
  };

  for (const { runId, record } of journal.archived) add(record, runId, false);
  for (const record of model.requests.values()) {
    // Records of an earlier run not yet overwritten are the journal's to show.
    if (current !== null && record.receivedAt < current.listeningAt) continue;
    add(record, currentRunId, true);
  }

  const runs = journal.runs.filter((run) => run.listeningAt <= toAt && (run.stoppedAt ?? now) >= fromAt);
  const separators: RunSeparator[] = [];
  const allRuns = journal.runs;
  for (let i = 1; i < allRuns.length; i++) {
    const run = allRuns[i]!;
    const previous = allRuns[i - 1]!;
    if (run.listeningAt < fromAt || run.listeningAt > toAt) continue;
    separators.push({
      at: run.listeningAt,
      runId: run.runId,
      workerCount: run.workerCount,
      previousRunId: previous.runId,
      previousWorkerCount: previous.workerCount,
      previousStoppedAt: previous.stoppedAt,
    });
  }

  const currentWorkerCount = Math.max(model.workerCount, model.workers.length);
  let laneCount = Math.max(1, currentWorkerCount, maxWorkerId + 1);
  for (const run of runs) laneCount = Math.max(laneCount, run.workerCount);
  const lanes: FrameLane[] = [];
  for (let workerId = 0; workerId < laneCount; workerId++) {
    const isInCurrentRun = workerId < currentWorkerCount;
    const isExited = model.workers[workerId]?.phase === 'exited';
    lanes.push({ workerId, isInCurrentRun, isDimmed: !isInCurrentRun || isExited });
  }

  const bucketMs = ladderStepAtLeast(MIN_STEP_WIDTH_PX * msPerPx);
  const queue: FrameQueue = {
    spans: spans.length > query.plotWidthPx * MAX_SPANS_PER_PX ? null : spans,
    steps: queueLengthSteps(waits, fromAt, toAt, bucketMs, now),
    peakLength: peakOf(waits),
    longestWaitMs,
  };
  const markers = journal.markers.filter((marker) => marker.at >= fromAt && marker.at <= toAt);
  return { fromAt, toAt, now, lanes, bars, queue, markers, runs, separators };
}
