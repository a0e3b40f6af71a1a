// Details on demand: the requests of a lane or of the queue in a range are exactly the ones the reference
// finds there (as known at the cursor), in time order, bounded, with the true total; one request's record
// is the one the reference built, in whichever run it belongs to.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { EventHistory } from '../src/history';
import { requestRecordAt } from '../src/history/details';
import type { ServerEvent } from '../src/shared/events';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import { eventSequenceArb, PoolSimulator, type TimedAction } from './support/pool-simulator';
import { overlaps, ReferenceHistory } from './support/reference-history';
import { receivedEvent } from './support/sample-events';

// Hundreds of generated runs per property: CPU-bound, so a loaded machine makes them slow, never wrong.
vi.setConfig({ testTimeout: 120_000 });

function record(events: readonly ServerEvent[], options: ConstructorParameters<typeof EventHistory>[0] = {}): EventHistory {
  const history = new EventHistory({ maxAgeMs: Number.POSITIVE_INFINITY, ...options });
  for (const e of events) history.append(e);
  return history;
}

const caseArb = eventSequenceArb(200).chain((events) => {
  const first = events[0]!.at;
  const last = events.at(-1)!.at;
  return fc.record({
    events: fc.constant(events),
    track: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant('queue' as const)),
    fromAt: fc.double({ min: first - 10, max: last, noNaN: true }),
    lengthMs: fc.double({ min: 0.01, max: Math.max(0.02, last - first + 10), noNaN: true }),
    limit: fc.integer({ min: 0, max: 12 }),
    // Half the cases live (everything recorded), half at a replay cursor.
    now: fc.option(fc.double({ min: first, max: last, noNaN: true }), { nil: undefined }),
  });
});

describe('requestsIn', () => {
  it('lists exactly the requests of a lane or of the queue in a range, in time order, as known at the cursor', () => {
    fc.assert(
      fc.property(caseArb, ({ events, track, fromAt, lengthMs, limit, now }) => {
        const toAt = fromAt + lengthMs;
        const cursor = now ?? events.at(-1)!.at;
        const known = new ReferenceHistory(events.filter((e) => e.at <= cursor));
        const requests = known.requests();
        let expected: typeof requests;
        if (track === 'queue') {
          expected = requests
            .filter((r) => r.queuedAt !== null && overlaps(r.queuedAt, known.leftQueueAt(r) ?? cursor, fromAt, toAt))
            .sort((a, b) => a.queuedAt! - b.queuedAt! || a.runId - b.runId || a.id - b.id);
        } else {
          expected = requests
            .filter((r) => r.workerId === track && overlaps(r.startedAt!, r.finishedAt ?? cursor, fromAt, toAt))
            .sort((a, b) => a.startedAt! - b.startedAt! || a.runId - b.runId || a.id - b.id);
        }
        const list = record(events, { checkpointIntervalEvents: 16 }).requestsIn({ track, fromAt, toAt, limit, now });
        expect(list.total).toBe(expected.length);
        expect(list.requests).toEqual(expected.slice(0, limit));
        expect(list.isPartlyBeforeHistory).toBe(fromAt < events[0]!.at);
      }),
      { numRuns: 300 },
    );
  });

  it('says when part of the range is older than the event history, and counts only what it still holds', () => {
    const sim = new PoolSimulator(0);
    const actions: TimedAction[] = [
      { action: { kind: 'start', workerCount: 1, maxQueuedJobs: 10 }, dtMs: 0 },
      { action: { kind: 'connect' }, dtMs: 0 },
    ];
    for (let i = 0; i < 50; i++) {
      actions.push({ action: { kind: 'request', connection: 0, target: '/', method: 'GET', userAgent: null }, dtMs: 10 });
      actions.push({ action: { kind: 'finish', worker: 0, status: 200 }, dtMs: 1 });
    }
    const events = sim.run(actions);
    const history = record(events, { maxEvents: 100 });
    const list = history.requestsIn({ track: 0, fromAt: 0, toAt: 1_000, limit: 5 });
    expect(list.isPartlyBeforeHistory).toBe(true);
    // 100 events hold the last 20 requests (5 events each); the oldest of them may have lost its first event.
    expect(list.total).toBeGreaterThanOrEqual(19);
    expect(list.total).toBeLessThanOrEqual(20);
    expect(list.requests.map((r) => r.id)).toEqual([31, 32, 33, 34, 35].slice(20 - list.total));
  });

  it('counts none of the jobs waiting at a cursor that falls at the start of the range', () => {
    // Three jobs wait behind a busy worker and leave the queue long after; at a cursor equal to the range's
    // start all three are cut there, so only a job queued at that very moment is in the range.
    const t0 = 1_700_000_000_000;
    const events: ServerEvent[] = [
      { type: 'worker-spawned', at: t0, workerId: 0 },
      { type: 'server-listening', at: t0, ...DEFAULT_SETTINGS, port: 7878, workerCount: 1 },
      { type: 'connection-opened', at: t0, connectionId: 1, remoteAddress: '127.0.0.1', remotePort: 40001 },
    ];
    const jobs = [
      { requestId: 1, at: t0 + 1 },
      { requestId: 2, at: t0 + 2 },
      { requestId: 3, at: t0 + 3 },
      { requestId: 4, at: t0 + 4 },
    ];
    jobs.forEach(({ requestId, at }, i) => {
      events.push(receivedEvent(at, requestId, { target: '/sleep' }), { type: 'job-queued', at, requestId, queueDepth: i === 0 ? 1 : i });
      if (i === 0) events.push({ type: 'job-started', at, requestId, workerId: 0, waitMs: 0, queueDepth: 0 });
    });
    for (const { requestId } of jobs.slice(1)) {
      events.push({ type: 'job-abandoned', at: t0 + 5_000, requestId, reason: 'max-wait', waitMs: 4_990, queueDepth: 0 });
    }
    const history = record(events);
    const atCursor = (fromAt: number) => history.requestsIn({ track: 'queue', fromAt, toAt: fromAt + 0.5, limit: 10, now: t0 + 4 });
    expect(atCursor(t0 + 4)).toMatchObject({ total: 1, requests: [{ id: 4 }] });
    expect(atCursor(t0 + 4.25).total).toBe(0);
    expect(atCursor(t0 + 3.75).total).toBe(3);
  });
});

describe('request', () => {
  it('returns the full record of every request still in the history, in its own run', () => {
    fc.assert(
      fc.property(eventSequenceArb(200), fc.integer({ min: 5, max: 400 }), (events, maxEvents) => {
        const history = record(events, { maxEvents, checkpointIntervalEvents: 8 });
        const reference = new ReferenceHistory(events);
        // Where each request's first event is: a request is in the history while that event is.
        const firstIndex = new Map<string, number>();
        let runId = 0;
        events.forEach((e, i) => {
          if (e.type === 'server-listening' && i > 0 && events[i - 1]!.type !== 'worker-spawned') runId++;
          if (e.type === 'worker-spawned' && (i === 0 || events[i - 1]!.type !== 'worker-spawned')) runId++;
          if ('requestId' in e && !firstIndex.has(`${runId}:${e.requestId}`)) firstIndex.set(`${runId}:${e.requestId}`, i);
        });
        const live = reference.stateAt(events.at(-1)!.at);
        for (const r of reference.requests()) {
          const found = history.request(r.id, r.runId);
          const isHeld = firstIndex.get(`${r.runId}:${r.id}`)! >= history.evictedCount;
          const isInFlight = r.runId === live.runId && live.requests.some((x) => x.id === r.id);
          if (isHeld) expect(found).toEqual(r);
          else if (isInFlight) expect(found).toEqual({ runId: r.runId, ...live.requests.find((x) => x.id === r.id) });
          else expect(found).toBeNull();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('keeps out a request whose first event was dropped, also when it is rejected afterwards', () => {
    const t0 = 1_700_000_000_000;
    const events: ServerEvent[] = [
      { type: 'worker-spawned', at: t0, workerId: 0 },
      { type: 'server-listening', at: t0, ...DEFAULT_SETTINGS, workerCount: 1, maxWaitMs: 30 },
      receivedEvent(t0 + 1, 1),
      { type: 'job-queued', at: t0 + 1, requestId: 1, queueDepth: 1 },
      receivedEvent(t0 + 2, 2),
      { type: 'job-queued', at: t0 + 2, requestId: 2, queueDepth: 2 },
      // Only the rejection of request 2 and its answer are held: it must not come back as a request never read.
      { type: 'job-abandoned', at: t0 + 31, requestId: 2, reason: 'max-wait', waitMs: 29, queueDepth: 1 },
      { type: 'request-rejected', at: t0 + 31, requestId: 2, connectionId: 2, status: 503, errorCode: 'QUEUE_WAIT_EXCEEDED' },
      { type: 'response-sent', at: t0 + 31, requestId: 2, status: 503, bytes: 100 },
    ];
    const history = record(events, { maxEvents: 3 });
    expect(history.request(2)).toBeNull();
  });

  it('tells the runs apart when ids start again after a restart, and prefers the newest', () => {
    const sim = new PoolSimulator(0);
    const events = sim.run([
      { action: { kind: 'start', workerCount: 1, maxQueuedJobs: 4 }, dtMs: 0 },
      { action: { kind: 'connect' }, dtMs: 1 },
      { action: { kind: 'request', connection: 0, target: '/sleep', method: 'GET', userAgent: null }, dtMs: 1 },
      { action: { kind: 'finish', worker: 0, status: 200 }, dtMs: 1 },
      { action: { kind: 'stop' }, dtMs: 1 },
      { action: { kind: 'start', workerCount: 1, maxQueuedJobs: 4 }, dtMs: 1 },
      { action: { kind: 'connect' }, dtMs: 1 },
      { action: { kind: 'request', connection: 0, target: '/', method: 'GET', userAgent: null }, dtMs: 1 },
    ]);
    const history = record(events);
    expect(history.request(1)).toMatchObject({ runId: 2, target: '/', startedAt: 7, finishedAt: null });
    expect(history.request(1, 1)).toMatchObject({ runId: 1, target: '/sleep', status: 200, sentAt: 3 });
    expect(history.request(2)).toBeNull();
    expect(history.request(1, 3)).toBeNull();
  });

  it('still knows a request in flight whose first event left the history', () => {
    const events: ServerEvent[] = [
      { type: 'worker-spawned', at: 0, workerId: 0 },
      { type: 'server-listening', at: 0, ...DEFAULT_SETTINGS, host: '::1', port: 1, workerCount: 1, maxQueuedJobs: 8 },
      receivedEvent(1, 1, { target: '/sleep', remoteAddress: '::1' }),
      { type: 'job-queued', at: 1, requestId: 1, queueDepth: 1 },
      { type: 'job-started', at: 1, requestId: 1, workerId: 0, waitMs: 0, queueDepth: 0 },
    ];
    for (let i = 0; i < 20; i++)
      events.push({ type: 'connection-opened', at: 2 + i, connectionId: 10 + i, remoteAddress: '::1', remotePort: i });
    const history = record(events, { maxEvents: 10 });
    expect(history.request(1)).toMatchObject({ runId: 1, target: '/sleep', workerId: 0, startedAt: 1 });
    const timeline = history.timeline({ fromAt: 0, toAt: 30, plotWidthPx: 300, now: 30 });
    expect(timeline.lanes[0]!.bars).toMatchObject([{ requestId: 1, isRunning: true, isBeforeHistory: true, path: '/sleep' }]);
    expect(history.requestsIn({ track: 0, fromAt: 0, toAt: 30, limit: 10 })).toMatchObject({ total: 1, requests: [{ id: 1 }] });
  });
});

describe('request as known at a moment', () => {
  // One worker, a wait of at most 30 ms: request 1 runs, request 2 waits too long behind it, request 3 finds the queue full.
  const events: ServerEvent[] = [
    { type: 'worker-spawned', at: 0, workerId: 0 },
    { type: 'server-listening', at: 0, ...DEFAULT_SETTINGS, workerCount: 1, maxWaitMs: 30 },
    receivedEvent(10, 1, { target: '/sleep' }),
    { type: 'job-queued', at: 10, requestId: 1, queueDepth: 1 },
    { type: 'job-started', at: 12, requestId: 1, workerId: 0, waitMs: 2, queueDepth: 0 },
    receivedEvent(20, 2),
    { type: 'job-queued', at: 20, requestId: 2, queueDepth: 1 },
    { type: 'job-finished', at: 50, requestId: 1, workerId: 0, runMs: 38, status: 200 },
    { type: 'job-abandoned', at: 50, requestId: 2, reason: 'max-wait', waitMs: 30, queueDepth: 0 },
    { type: 'request-rejected', at: 50, requestId: 2, connectionId: 1, status: 503, errorCode: 'QUEUE_WAIT_EXCEEDED' },
    { type: 'response-sent', at: 51, requestId: 2, status: 503, bytes: 150 },
    { type: 'response-sent', at: 52, requestId: 1, status: 200, bytes: 100 },
    receivedEvent(60, 3),
    { type: 'request-rejected', at: 61, requestId: 3, connectionId: 1, status: 503, errorCode: 'QUEUE_FULL' },
    { type: 'response-sent', at: 61, requestId: 3, status: 503, bytes: 150 },
  ];
  const history = record(events);
  const nothingYet = {
    startedAt: null,
    finishedAt: null,
    sentAt: null,
    workerId: null,
    waitMs: null,
    runMs: null,
    status: null,
    bytes: null,
  };

  it('shows a served request queued, running, finished and sent, each at its moment, and none before it came', () => {
    expect(history.request(1, undefined, 5)).toBeNull();
    expect(history.request(1, undefined, 11)).toMatchObject({ id: 1, target: '/sleep', receivedAt: 10, queuedAt: 10, ...nothingYet });
    expect(history.request(1, undefined, 30)).toMatchObject({
      startedAt: 12,
      workerId: 0,
      waitMs: 2,
      finishedAt: null,
      runMs: null,
      status: null,
    });
    expect(history.request(1, undefined, 50.5)).toMatchObject({ finishedAt: 50, runMs: 38, status: 200, sentAt: null, bytes: null });
    const sent = { finishedAt: 50, status: 200, sentAt: 52, bytes: 100 };
    expect(history.request(1, undefined, 60)).toMatchObject(sent);
    expect(history.request(1)).toMatchObject(sent);
  });

  it('shows an abandoned wait and a rejection only from when they happened', () => {
    expect(history.request(2, undefined, 40)).toMatchObject({ queuedAt: 20, ...nothingYet, abandonReason: null, errorCode: null });
    expect(history.request(2, undefined, 50)).toMatchObject({
      waitMs: 30,
      abandonReason: 'max-wait',
      errorCode: 'QUEUE_WAIT_EXCEEDED',
      status: 503,
    });
    expect(history.request(2, undefined, 50)!.sentAt).toBeNull();
    expect(history.request(3, undefined, 60.5)).toMatchObject({ receivedAt: 60, status: null, errorCode: null, sentAt: null });
    expect(history.request(3, undefined, 61)).toMatchObject({ status: 503, errorCode: 'QUEUE_FULL', sentAt: 61 });
  });

  it('masks the record of a request in flight the same way: what came after the moment is null', () => {
    const inFlight = {
      id: 7,
      connectionId: 7,
      method: 'GET',
      target: '/sleep',
      path: '/sleep',
      remoteAddress: '127.0.0.1',
      userAgent: null,
      origin: 'external' as const,
      receivedAt: 10,
      queuedAt: 10,
      startedAt: 12,
      finishedAt: 50,
      sentAt: null,
      workerId: 0,
      waitMs: 2,
      runMs: 38,
      status: 200,
      bytes: null,
      errorCode: null,
      abandonReason: null,
    };
    expect(requestRecordAt(inFlight, 9)).toBeNull();
    expect(requestRecordAt(inFlight, 11)).toEqual({
      ...inFlight,
      startedAt: null,
      finishedAt: null,
      workerId: null,
      waitMs: null,
      runMs: null,
      status: null,
    });
    expect(requestRecordAt(inFlight, 30)).toEqual({ ...inFlight, finishedAt: null, runMs: null, status: null });
    expect(requestRecordAt(inFlight, 50)).toEqual(inFlight);
    // Waited too long: the abandonment and its answer are known from the end of the wait.
    const abandoned = {
      ...inFlight,
      startedAt: null,
      finishedAt: null,
      workerId: null,
      runMs: null,
      waitMs: 30,
      status: 503,
      errorCode: 'QUEUE_WAIT_EXCEEDED',
      abandonReason: 'max-wait' as const,
    };
    expect(requestRecordAt(abandoned, 39)).toEqual({ ...abandoned, waitMs: null, status: null, errorCode: null, abandonReason: null });
    expect(requestRecordAt(abandoned, 40)).toEqual(abandoned);
  });

  it('asks the state for a request in flight whose first event left the history, as of the moment', () => {
    const longRun: ServerEvent[] = [
      { type: 'worker-spawned', at: 0, workerId: 0 },
      { type: 'server-listening', at: 0, ...DEFAULT_SETTINGS, workerCount: 1, maxQueuedJobs: 8 },
      receivedEvent(1, 1, { target: '/sleep' }),
      { type: 'job-queued', at: 1, requestId: 1, queueDepth: 1 },
      { type: 'job-started', at: 5, requestId: 1, workerId: 0, waitMs: 4, queueDepth: 0 },
    ];
    for (let i = 0; i < 20; i++)
      longRun.push({ type: 'connection-opened', at: 10 + i, connectionId: 10 + i, remoteAddress: '::1', remotePort: i });
    longRun.push({ type: 'job-finished', at: 40, requestId: 1, workerId: 0, runMs: 35, status: 200 });
    const held = record(longRun, { maxEvents: 10 });
    expect(held.request(1)).toMatchObject({ finishedAt: 40, status: 200 });
    expect(held.request(1, undefined, 30)).toMatchObject({ runId: 1, startedAt: 5, workerId: 0, finishedAt: null, status: null });
  });
});
