// The pool's aggregate as the flight recorder keeps it (src/history/pool-state.ts): events in, the pool's
// state out; a state round-trips through JSON; the UI's log lines follow the same events (logLineOf).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PoolAggregate } from '../src/history/pool-state';
import { BURST_USER_AGENT, type ServerEvent } from '../src/shared/events';
import { logLineOf } from '../src/shared/pool-model';
import { listeningEvent, receivedEvent } from './support/sample-events';

let clock = 1_000;
const at = () => (clock += 10);

function listening(workerCount: number): ServerEvent[] {
  const spawned: ServerEvent[] = Array.from({ length: workerCount }, (_, workerId) => ({ type: 'worker-spawned', at: at(), workerId }));
  return [...spawned, listeningEvent(at(), { workerCount })];
}

function received(requestId: number, userAgent: string | null = 'curl/8', target = '/sleep'): ServerEvent {
  return receivedEvent(at(), requestId, { connectionId: requestId, target, userAgent });
}

/** An aggregate that also keeps the log lines its events make, as the UI's log shows them. */
function aggregateOf(...events: ServerEvent[][]): { aggregate: PoolAggregate; log: string[]; apply(...more: ServerEvent[]): void } {
  const aggregate = new PoolAggregate();
  const log: string[] = [];
  const apply = (...more: ServerEvent[]) => {
    for (const event of more) {
      aggregate.apply(event);
      const line = logLineOf(event);
      if (line !== null) log.push(line);
    }
  };
  for (const batch of events) apply(...batch);
  return { aggregate, log, apply };
}

describe('PoolAggregate', () => {
  it('shows busy workers and the waiting jobs in arrival order', () => {
    const { aggregate, log, apply } = aggregateOf(listening(2));
    for (let id = 1; id <= 4; id++) apply(received(id, BURST_USER_AGENT));
    for (let id = 1; id <= 4; id++) apply({ type: 'job-queued', at: at(), requestId: id, queueDepth: id });
    apply({ type: 'job-started', at: at(), requestId: 1, workerId: 0, waitMs: 1, queueDepth: 3 });
    apply({ type: 'job-started', at: at(), requestId: 2, workerId: 1, waitMs: 1, queueDepth: 2 });

    const state = aggregate.toState();
    expect(state.phase).toBe('listening');
    expect(state.workers.map((w) => [w.id, w.phase, w.requestId])).toEqual([
      [0, 'busy', 1],
      [1, 'busy', 2],
    ]);
    expect(state.queue.map((job) => job.requestId)).toEqual([3, 4]);
    expect(aggregate.requestRecord(3)?.origin).toBe('burst');
    expect(log).toContain('Worker 1 got a job; executing.');
  });

  it('tells external requests from the burst generator and records wait, run and status', () => {
    const { aggregate, apply } = aggregateOf(listening(1));
    apply(received(7, 'Mozilla/5.0', '/?x=1'));
    apply({ type: 'job-queued', at: at(), requestId: 7, queueDepth: 1 });
    apply({ type: 'job-started', at: at(), requestId: 7, workerId: 0, waitMs: 10, queueDepth: 0 });
    const startedAt = clock;
    apply({ type: 'job-finished', at: at(), requestId: 7, workerId: 0, runMs: 5, status: 200 });
    expect(aggregate.requestRecord(7)).toMatchObject({ origin: 'external', path: '/', workerId: 0, waitMs: 10, runMs: 5, status: 200 });
    // Busy time on the server's clock (the timeline's), from the job's start to its finish.
    expect(aggregate.workerState(0)).toMatchObject({ phase: 'idle', jobsDone: 1, busyMsTotal: clock - startedAt });

    apply({ type: 'response-sent', at: at(), requestId: 7, status: 200, bytes: 300 });
    expect(aggregate.requestRecord(7)).toBeUndefined();
    expect(aggregate.counters).toMatchObject({ requestsReceived: 1, responsesSent: 1, serverErrors: 0 });
  });

  it('takes an abandoned job out of the queue wherever it is, and keeps why and how long it waited', () => {
    const { aggregate, log, apply } = aggregateOf(listening(1));
    for (let id = 1; id <= 4; id++) apply(received(id, BURST_USER_AGENT));
    for (let id = 1; id <= 4; id++) apply({ type: 'job-queued', at: at(), requestId: id, queueDepth: id });
    apply({ type: 'job-started', at: at(), requestId: 1, workerId: 0, waitMs: 0, queueDepth: 3 });
    apply({ type: 'job-abandoned', at: at(), requestId: 2, reason: 'max-wait', waitMs: 60_000, queueDepth: 2 });
    apply({ type: 'request-rejected', at: at(), requestId: 2, connectionId: 2, status: 503, errorCode: 'QUEUE_WAIT_EXCEEDED' });
    apply({ type: 'job-abandoned', at: at(), requestId: 4, reason: 'no-workers', waitMs: 3, queueDepth: 1 });
    expect(aggregate.queued().map((job) => job.requestId)).toEqual([3]);
    expect(aggregate.requestRecord(2)).toMatchObject({
      abandonReason: 'max-wait',
      waitMs: 60_000,
      status: 503,
      errorCode: 'QUEUE_WAIT_EXCEEDED',
      startedAt: null,
      workerId: null,
      runMs: null,
    });
    expect(aggregate.requestRecord(4)).toMatchObject({ abandonReason: 'no-workers', waitMs: 3, status: null });
    expect(aggregate.workerState(0)).toMatchObject({ phase: 'busy', requestId: 1 });
    // The book prints nothing for it.
    expect(log.filter((line) => /abandon|waited/.test(line))).toEqual([]);
  });

  it('keeps a parse error that never became a request until it is answered, and counts it as rejected', () => {
    const { aggregate, apply } = aggregateOf(listening(1));
    apply({ type: 'request-rejected', at: at(), requestId: 9, connectionId: 3, status: 400, errorCode: 'INVALID_METHOD' });
    expect(aggregate.requestRecord(9)).toMatchObject({ status: 400, errorCode: 'INVALID_METHOD' });
    apply({ type: 'response-sent', at: at(), requestId: 9, status: 400, bytes: 80 });
    expect(aggregate.counters.rejected).toBe(1);
  });

  it('shows the graceful shutdown: workers stopping then exited in order, with the book lines', () => {
    const { aggregate, log, apply } = aggregateOf(listening(2));
    apply({ type: 'server-stopping', at: at(), reason: 'command' });
    for (const workerId of [0, 1]) {
      apply({ type: 'worker-stopping', at: at(), workerId });
      expect(aggregate.workerState(workerId)!.phase).toBe('stopping');
      apply({ type: 'worker-exited', at: at(), workerId, reason: 'shutdown', exitCode: 0 });
    }
    apply({ type: 'server-stopped', at: at() });
    const state = aggregate.toState();
    expect(state.phase).toBe('stopped');
    expect(state.workers.map((w) => w.phase)).toEqual(['exited', 'exited']);
    expect(log.slice(log.indexOf('Shutting down.'))).toEqual([
      'Shutting down.',
      'Shutting down worker 0',
      'Worker 0 disconnected; shutting down.',
      'Shutting down worker 1',
      'Worker 1 disconnected; shutting down.',
      'Server stopped.',
    ]);
  });

  it('rebuilds the same state from a copy sent as JSON', () => {
    const { aggregate, apply } = aggregateOf(listening(2));
    apply(received(1));
    apply({ type: 'job-queued', at: at(), requestId: 1, queueDepth: 1 });
    apply({ type: 'job-started', at: at(), requestId: 1, workerId: 1, waitMs: 10, queueDepth: 0 });
    apply(received(2));
    apply({ type: 'job-queued', at: at(), requestId: 2, queueDepth: 1 });
    const copy = PoolAggregate.fromState(JSON.parse(JSON.stringify(aggregate.toState())));
    expect(copy.toState()).toEqual(aggregate.toState());
  });

  it('keeps the queue a plain list would, whatever order its jobs come, go and get answered in', () => {
    // The aggregate skips searching the queue when a request's record says it has no job there: every ordering a
    // foreign recording may hold (a job queued before or without its request, twice, answered while it waits, a
    // request received again, a copy through JSON, a new run) must leave the queue exactly as a plain list keeps it.
    const step = fc.record({
      kind: fc.constantFrom('received', 'queued', 'started', 'abandoned', 'sent', 'copied', 'restarted'),
      requestId: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 60, size: 'max' }), (steps) => {
        let aggregate = new PoolAggregate();
        for (const event of listening(2)) aggregate.apply(event);
        const model: number[] = [];
        const leave = (requestId: number) => {
          const i = model.indexOf(requestId);
          if (i !== -1) model.splice(i, 1);
        };
        for (const { kind, requestId } of steps) {
          const t = at();
          switch (kind) {
            case 'received':
              aggregate.apply(received(requestId));
              break;
            case 'queued':
              aggregate.apply({ type: 'job-queued', at: t, requestId, queueDepth: model.length + 1 });
              model.push(requestId);
              break;
            case 'started':
              aggregate.apply({ type: 'job-started', at: t, requestId, workerId: requestId % 2, waitMs: 1, queueDepth: 0 });
              leave(requestId);
              break;
            case 'abandoned':
              aggregate.apply({ type: 'job-abandoned', at: t, requestId, reason: 'max-wait', waitMs: 1, queueDepth: 0 });
              leave(requestId);
              break;
            case 'sent':
              aggregate.apply({ type: 'response-sent', at: t, requestId, status: 200, bytes: 1 });
              leave(requestId);
              break;
            case 'copied':
              aggregate = PoolAggregate.fromState(JSON.parse(JSON.stringify(aggregate.toState())));
              break;
            case 'restarted':
              // A new run starts with nothing queued.
              aggregate.apply({ type: 'server-stopped', at: t });
              for (const event of listening(2)) aggregate.apply(event);
              model.length = 0;
              break;
          }
          expect(aggregate.queued().map((job) => job.requestId)).toEqual(model);
        }
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});
