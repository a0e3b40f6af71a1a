// The aggregate every viewer keeps: events in, pool state out; snapshots round-trip; retention is bounded.
import { describe, expect, it } from 'vitest';
import { BURST_USER_AGENT, type ServerEvent } from '../src/shared/events';
import { PoolModel } from '../src/shared/pool-model';
import { listeningEvent } from './support/sample-events';

let clock = 1_000;
const at = () => (clock += 10);

function listening(workerCount: number): ServerEvent[] {
  const spawned: ServerEvent[] = Array.from({ length: workerCount }, (_, workerId) => ({ type: 'worker-spawned', at: at(), workerId }));
  return [...spawned, listeningEvent(at(), { workerCount })];
}

function received(requestId: number, userAgent: string | null = 'curl/8', target = '/sleep'): ServerEvent {
  return {
    type: 'request-received',
    at: at(),
    requestId,
    connectionId: requestId,
    method: 'GET',
    target,
    remoteAddress: '127.0.0.1',
    userAgent,
  };
}

function lifecycle(requestId: number, workerId: number): ServerEvent[] {
  return [
    { type: 'job-queued', at: at(), requestId, queueDepth: 1 },
    { type: 'job-started', at: at(), requestId, workerId, waitMs: 10, queueDepth: 0 },
    { type: 'job-finished', at: at(), requestId, workerId, runMs: 5, status: 200 },
    { type: 'response-sent', at: at(), requestId, status: 200, bytes: 300 },
  ];
}

describe('PoolModel', () => {
  it('shows busy workers and the waiting jobs in arrival order', () => {
    const model = new PoolModel();
    model.applyAll(listening(2));
    for (let id = 1; id <= 4; id++) model.apply(received(id, BURST_USER_AGENT));
    for (let id = 1; id <= 4; id++) model.apply({ type: 'job-queued', at: at(), requestId: id, queueDepth: id });
    model.apply({ type: 'job-started', at: at(), requestId: 1, workerId: 0, waitMs: 1, queueDepth: 3 });
    model.apply({ type: 'job-started', at: at(), requestId: 2, workerId: 1, waitMs: 1, queueDepth: 2 });

    expect(model.phase).toBe('listening');
    expect(model.workers.map((w) => [w.id, w.phase, w.requestId])).toEqual([
      [0, 'busy', 1],
      [1, 'busy', 2],
    ]);
    expect(model.queue).toEqual([3, 4]);
    expect(model.requests.get(3)?.origin).toBe('burst');
    expect(model.log.map((l) => l.text)).toContain('Worker 1 got a job; executing.');
  });

  it('tells external requests from the burst generator and records wait, run and status', () => {
    const model = new PoolModel();
    model.applyAll(listening(1));
    model.apply(received(7, 'Mozilla/5.0', '/?x=1'));
    model.applyAll(lifecycle(7, 0));
    const record = model.requests.get(7)!;
    expect(record).toMatchObject({ origin: 'external', path: '/', workerId: 0, waitMs: 10, runMs: 5, status: 200, bytes: 300 });
    expect(model.workers[0]).toMatchObject({ phase: 'idle', jobsDone: 1, busyMsTotal: 5 });
    expect(model.counters).toMatchObject({ requestsReceived: 1, responsesSent: 1, serverErrors: 0 });
  });

  it('takes an abandoned job out of the queue wherever it is, and keeps why and how long it waited', () => {
    const model = new PoolModel();
    model.applyAll(listening(1));
    for (let id = 1; id <= 4; id++) model.apply(received(id, BURST_USER_AGENT));
    for (let id = 1; id <= 4; id++) model.apply({ type: 'job-queued', at: at(), requestId: id, queueDepth: id });
    model.apply({ type: 'job-started', at: at(), requestId: 1, workerId: 0, waitMs: 0, queueDepth: 3 });
    model.apply({ type: 'job-abandoned', at: at(), requestId: 2, reason: 'max-wait', waitMs: 60_000, queueDepth: 2 });
    model.apply({ type: 'request-rejected', at: at(), requestId: 2, connectionId: 2, status: 503, errorCode: 'QUEUE_WAIT_EXCEEDED' });
    model.apply({ type: 'response-sent', at: at(), requestId: 2, status: 503, bytes: 120 });
    model.apply({ type: 'job-abandoned', at: at(), requestId: 4, reason: 'no-workers', waitMs: 3, queueDepth: 1 });
    expect(model.queue).toEqual([3]);
    expect(model.requests.get(2)).toMatchObject({
      abandonReason: 'max-wait',
      waitMs: 60_000,
      status: 503,
      errorCode: 'QUEUE_WAIT_EXCEEDED',
    });
    expect(model.requests.get(2)).toMatchObject({ startedAt: null, workerId: null, runMs: null });
    expect(model.requests.get(4)).toMatchObject({ abandonReason: 'no-workers', waitMs: 3, status: null });
    expect(model.workers[0]).toMatchObject({ phase: 'busy', requestId: 1 });
    // The book prints nothing for it.
    expect(model.log.filter((l) => /abandon|waited/.test(l.text))).toEqual([]);
  });

  it('keeps a parse error that never became a request, and counts it as rejected', () => {
    const model = new PoolModel();
    model.applyAll(listening(1));
    model.apply({ type: 'request-rejected', at: at(), requestId: 9, connectionId: 3, status: 400, errorCode: 'INVALID_METHOD' });
    model.apply({ type: 'response-sent', at: at(), requestId: 9, status: 400, bytes: 80 });
    expect(model.requests.get(9)).toMatchObject({ status: 400, errorCode: 'INVALID_METHOD', method: '?' });
    expect(model.counters.rejected).toBe(1);
  });

  it('shows the graceful shutdown: workers stopping then exited in order, with the book lines', () => {
    const model = new PoolModel();
    model.applyAll(listening(2));
    model.apply({ type: 'server-stopping', at: at(), reason: 'command' });
    for (const workerId of [0, 1]) {
      model.apply({ type: 'worker-stopping', at: at(), workerId });
      expect(model.workers[workerId]!.phase).toBe('stopping');
      model.apply({ type: 'worker-exited', at: at(), workerId, reason: 'shutdown', exitCode: 0 });
    }
    model.apply({ type: 'server-stopped', at: at() });
    expect(model.phase).toBe('stopped');
    expect(model.workers.map((w) => w.phase)).toEqual(['exited', 'exited']);
    const lines = model.log.map((l) => l.text);
    expect(lines.slice(lines.indexOf('Shutting down.'))).toEqual([
      'Shutting down.',
      'Shutting down worker 0',
      'Worker 0 disconnected; shutting down.',
      'Shutting down worker 1',
      'Worker 1 disconnected; shutting down.',
      'Server stopped.',
    ]);
  });

  it('forgets the oldest finished requests beyond its retention, never an unfinished one', () => {
    const model = new PoolModel({ maxRetainedRequests: 3 });
    model.applyAll(listening(1));
    model.apply(received(100));
    model.apply({ type: 'job-queued', at: at(), requestId: 100, queueDepth: 1 });
    for (let id = 1; id <= 10; id++) {
      model.apply(received(id));
      model.applyAll(lifecycle(id, 0));
    }
    expect([...model.requests.keys()]).toEqual([100, 8, 9, 10]);
  });

  it('rebuilds the same state from a snapshot', () => {
    const model = new PoolModel();
    model.applyAll(listening(2));
    model.apply(received(1));
    model.applyAll(lifecycle(1, 1));
    model.apply(received(2));
    model.apply({ type: 'job-queued', at: at(), requestId: 2, queueDepth: 1 });
    model.noteDroppedEvents(4);
    const copy = PoolModel.fromSnapshot(JSON.parse(JSON.stringify(model.snapshot())));
    expect(copy.snapshot()).toEqual(model.snapshot());
    expect(copy.counters.droppedEvents).toBe(4);
  });
});
