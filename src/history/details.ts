// Details on demand (Perfetto asks for a slice's details when it is hovered): the requests behind a bar,
// a lane's bucket or a stretch of the queue, as a bounded list with the total count, and one request's
// full record. Read from the request rows and their indexes: O(log n + limit), whatever the traffic.

import type { RequestRecord } from '../shared/pool-model';
import { overlapsRange } from './bucket-store';
import type { HistoryParts } from './history-parts';
import { newRequest, type PoolAggregate } from './pool-state';
import type { RecordedRequest, RowIndex } from './request-table';

export interface RequestsQuery {
  /** A worker id: the jobs whose run on that worker overlaps the range. 'queue': the jobs whose wait overlaps it. */
  track: number | 'queue';
  /** The range [fromAt, toAt), e.g. a bucket's bounds. */
  fromAt: number;
  toAt: number;
  /** At most this many requests are returned. */
  limit: number;
  /** The newest moment the view shows (a replay cursor); default: everything recorded (live). */
  now?: number;
}

export interface RequestList {
  /** In time order — a lane's by when they started, the queue's by when they joined it — the first `limit`. */
  requests: RecordedRequest[];
  /** How many requests in the event history match; `requests` holds the first of them. */
  total: number;
  /** Part of the range is older than the event history: requests from there are gone, only the timeline's buckets count them. */
  isPartlyBeforeHistory: boolean;
}

/** How many of the candidate positions [lo, hi) really overlap the range: only the first and the last can miss. */
function matchCount(lo: number, hi: number, matches: (position: number) => boolean): number {
  if (hi <= lo) return 0;
  let count = hi - lo;
  // The job ending exactly at fromAt; a job still running at a `now` before the range.
  if (!matches(lo)) count--;
  if (hi - 1 > lo && !matches(hi - 1)) count--;
  return count;
}

function listFrom(
  parts: HistoryParts,
  index: RowIndex,
  range: { lo: number; hi: number },
  limit: number,
  now: number,
  matches: (position: number) => boolean,
): RecordedRequest[] {
  const requests: RecordedRequest[] = [];
  for (let p = range.lo; p < range.hi && requests.length < limit; p++) {
    if (!parts.table.holds(index.rowAt(p)) || !matches(p)) continue;
    requests.push(parts.table.record(index.rowAt(p), parts.log, now));
  }
  return requests;
}

export function requestsIn(parts: HistoryParts, query: RequestsQuery): RequestList {
  const { fromAt, toAt } = query;
  const limit = Math.max(0, Math.floor(query.limit));
  const now = query.now ?? Number.POSITIVE_INFINITY;
  const firstAt = parts.firstAt();
  const isPartlyBeforeHistory = firstAt === null || fromAt < firstAt;
  const table = parts.table;
  const c = () => table.columns;
  const slotAt = (index: RowIndex, p: number) => table.slotOf(index.rowAt(p));
  // The state at `now` (live: after the newest event): the jobs still waiting or running then.
  const stateAt = Math.min(now, parts.lastAt());
  const aggregate = parts.aggregateAt(stateAt);
  const requests: RecordedRequest[] = [];
  let total = 0;

  if (query.track === 'queue') {
    const index = parts.dequeued;
    // Jobs leave the queue in the order they joined it: both times grow along the index.
    let lo = index.lowerBound(fromAt, (slot) => c().leftQueueAt[slot]!);
    // A cursor at or before the range cuts every job still waiting then at the cursor, so all of them end
    // before the range, not only the first and the last: only jobs queued within the range can be in it.
    if (now <= fromAt) lo = index.lowerBound(fromAt, (slot) => c().queuedAt[slot]!, lo);
    const hi = Math.min(
      index.lowerBound(toAt, (slot) => c().queuedAt[slot]!, lo),
      index.upperBound(now, (slot) => c().queuedAt[slot]!, lo),
    );
    const matches = (p: number) => {
      const slot = slotAt(index, p);
      const queuedAt = c().queuedAt[slot]!;
      return overlapsRange(queuedAt, Math.min(c().leftQueueAt[slot]!, Math.max(now, queuedAt)), fromAt, toAt);
    };
    total = matchCount(lo, hi, matches);
    requests.push(...listFrom(parts, index, { lo, hi }, limit, now, matches));
    // Jobs waiting at `now` that did not leave the queue within the history.
    if (aggregate !== null) {
      for (const job of aggregate.queued()) {
        const row = parts.rowOf(aggregate.runId, job.requestId);
        if (row !== -1 && !Number.isNaN(c().leftQueueAt[table.slotOf(row)]!)) continue;
        if (!overlapsRange(job.queuedAt, Math.max(job.queuedAt, stateAt), fromAt, toAt)) continue;
        total++;
        if (requests.length < limit) requests.push(recordOf(parts, aggregate, row, job.requestId, now));
      }
    }
    return { requests, total, isPartlyBeforeHistory };
  }

  const workerId = query.track;
  const index = parts.laneIndexes[workerId];
  if (index !== undefined) {
    // A worker runs one job at a time: start and finish times both grow along its index (unfinished last).
    const lo = index.lowerBound(fromAt, (slot) => {
      const f = c().finishedAt[slot]!;
      return Number.isNaN(f) ? Number.POSITIVE_INFINITY : f;
    });
    const hi = Math.min(
      index.lowerBound(toAt, (slot) => c().startedAt[slot]!, lo),
      index.upperBound(now, (slot) => c().startedAt[slot]!, lo),
    );
    const matches = (p: number) => {
      const slot = slotAt(index, p);
      const startedAt = c().startedAt[slot]!;
      const finishedAt = c().finishedAt[slot]!;
      const endAt = Number.isNaN(finishedAt) || finishedAt > now ? Math.max(startedAt, stateAt) : finishedAt;
      return overlapsRange(startedAt, endAt, fromAt, toAt);
    };
    total = matchCount(lo, hi, matches);
    requests.push(...listFrom(parts, index, { lo, hi }, limit, now, matches));
  }
  // The job running now whose request is older than the history.
  const running = aggregate?.runningJobOf(workerId) ?? null;
  if (aggregate !== null && running !== null && parts.rowOf(aggregate.runId, running.requestId) === -1) {
    if (overlapsRange(running.busySince, Math.max(running.busySince, stateAt), fromAt, toAt)) {
      total++;
      if (requests.length < limit) requests.push(recordOf(parts, aggregate, -1, running.requestId, now));
    }
  }
  return { requests, total, isPartlyBeforeHistory };
}

function recordOf(parts: HistoryParts, aggregate: PoolAggregate, row: number, requestId: number, now: number): RecordedRequest {
  if (row !== -1) return parts.table.record(row, parts.log, now);
  const record = aggregate.requestRecord(requestId);
  if (record !== undefined) return { runId: aggregate.runId, ...record };
  // Not even the state knows it (a job that started before the history and left nothing else).
  return { runId: aggregate.runId, ...newRequest(requestId, 0, Number.NaN) };
}

/**
 * A record of the state's (a request in flight) as it was known at `at`, masked as RequestTable.record masks a row:
 * a time after `at`, and what came with it, is null; null when it was received after `at`. The state keeps no
 * time for a rejection: one after an abandoned wait is known from the wait's end, any other from the start (the
 * server answers those at once: a parse error, a full queue).
 */
export function requestRecordAt(record: RequestRecord, at: number): RequestRecord | null {
  if (record.receivedAt > at) return null;
  const known = (time: number | null) => (time !== null && time <= at ? time : null);
  const queuedAt = known(record.queuedAt);
  const startedAt = known(record.startedAt);
  const finishedAt = known(record.finishedAt);
  const sentAt = known(record.sentAt);
  const leftQueueAt = queuedAt === null || record.waitMs === null ? null : known(queuedAt + record.waitMs);
  const abandonReason = leftQueueAt === null ? null : record.abandonReason;
  const errorCode = record.abandonReason !== null && abandonReason === null ? null : record.errorCode;
  return {
    ...record,
    queuedAt,
    startedAt,
    finishedAt,
    sentAt,
    workerId: startedAt === null ? null : record.workerId,
    waitMs: leftQueueAt === null ? null : record.waitMs,
    runMs: finishedAt === null ? null : record.runMs,
    status: sentAt !== null || finishedAt !== null || errorCode !== null ? record.status : null,
    bytes: sentAt === null ? null : record.bytes,
    errorCode,
    abandonReason,
  };
}

/**
 * One request's record: from its row while it is in the history, else from the state while it is in flight. With
 * `at` (the moment a view shows: paused, scrolled back, a replay's cursor) as it was known then; a request received
 * after `at` is not in the history at `at`.
 */
export function findRequest(
  parts: HistoryParts,
  live: PoolAggregate,
  requestId: number,
  runId?: number,
  at = Number.POSITIVE_INFINITY,
): RecordedRequest | null {
  // Newest run first; run 0 holds what came before the first run the history saw begin.
  const runIds =
    runId !== undefined
      ? [runId]
      : [
          ...parts
            .runs()
            .map((run) => run.runId)
            .reverse(),
          0,
        ];
  for (const id of runIds) {
    const row = parts.rowOf(id, requestId);
    if (row !== -1) {
      // Received after `at`: this run's id was not given yet then (an older run may have had it).
      if (parts.table.columns.receivedAt[parts.table.slotOf(row)]! > at) continue;
      return parts.table.record(row, parts.log, at);
    }
    if (id === live.runId) {
      const record = live.requestRecord(requestId);
      const known = record === undefined ? null : at >= live.at ? record : requestRecordAt(record, at);
      if (known !== null) return { runId: live.runId, ...known };
    }
  }
  return null;
}
