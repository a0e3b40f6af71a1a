// The bridge's projections from the PoolModel to the store's wire view, on their own: what each view
// says, and that an unchanged worker, queue, request or log keeps its previous object (which is what
// lets React skip re-rendering it).

import { describe, expect, it } from 'vitest';
import {
  isLogBehind,
  projectInspected,
  projectQueue,
  projectWire,
  projectWorkers,
  type WireSources,
} from '../src/renderer/bridge/projections';
import { initialWireState, MAX_QUEUE_ITEMS_SHOWN } from '../src/renderer/store/wire-slice';
import { BURST_USER_AGENT, type ServerEvent } from '../src/shared/events';
import { PoolModel } from '../src/shared/pool-model';
import { listeningEvent } from './support/sample-events';

const t0 = 1_700_000_000_000;

function listening(workerCount: number): ServerEvent[] {
  return [
    ...Array.from({ length: workerCount }, (_, workerId): ServerEvent => ({ type: 'worker-spawned', at: t0, workerId })),
    listeningEvent(t0, { workerCount, sleepMs: 1000 }),
  ];
}
function arrives(requestId: number, at: number, target = '/sleep', userAgent: string | null = BURST_USER_AGENT): ServerEvent[] {
  return [
    { type: 'request-received', at, requestId, connectionId: requestId, method: 'GET', target, remoteAddress: '127.0.0.1', userAgent },
    { type: 'job-queued', at, requestId, queueDepth: 1 },
  ];
}
function starts(requestId: number, workerId: number, at: number): ServerEvent {
  return { type: 'job-started', at, requestId, workerId, waitMs: 1, queueDepth: 0 };
}
function finishes(requestId: number, workerId: number, at: number, status = 200): ServerEvent[] {
  return [
    { type: 'job-finished', at, requestId, workerId, runMs: 5, status },
    { type: 'response-sent', at, requestId, status, bytes: 100 },
  ];
}

function modelOf(...batches: ServerEvent[][]): PoolModel {
  const model = new PoolModel();
  for (const events of batches) model.applyAll(events);
  return model;
}

const sources = (overrides: Partial<WireSources> = {}): WireSources => ({
  status: null,
  connection: null,
  hasSnapshot: true,
  droppedEventCount: 0,
  inspectedRequestId: null,
  isLogDue: true,
  now: t0 + 1_000,
  ...overrides,
});

describe('projectWorkers', () => {
  it('shows each worker with its display state and the job it runs', () => {
    const model = modelOf(listening(3), arrives(1, t0 + 1, '/sleep?ms=50'), [starts(1, 1, t0 + 2)]);
    const workers = projectWorkers(model, []);
    expect(workers.map((w) => [w.id, w.state])).toEqual([
      [0, 'idle'],
      [1, 'busy'],
      [2, 'idle'],
    ]);
    expect(workers[1]).toMatchObject({ busySince: t0 + 2, job: { requestId: 1, method: 'GET', target: '/sleep?ms=50', origin: 'burst' } });
  });

  it('keeps the array when no worker changed, and the object of each worker that did not', () => {
    const model = modelOf(listening(3));
    const first = projectWorkers(model, []);
    expect(projectWorkers(model, first)).toBe(first);

    model.applyAll([...arrives(1, t0 + 1), starts(1, 2, t0 + 2)]);
    const second = projectWorkers(model, first);
    expect(second).not.toBe(first);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
    expect(second[2]).not.toBe(first[2]);
  });

  it('calls a stopping worker busy while it finishes its job, idle once it has none', () => {
    const model = modelOf(listening(2), arrives(1, t0 + 1), [
      starts(1, 0, t0 + 2),
      { type: 'server-stopping', at: t0 + 3, reason: 'command' },
      { type: 'worker-stopping', at: t0 + 3, workerId: 0 },
      { type: 'worker-stopping', at: t0 + 3, workerId: 1 },
    ]);
    expect(projectWorkers(model, []).map((w) => [w.phase, w.state])).toEqual([
      ['stopping', 'busy'],
      ['stopping', 'idle'],
    ]);
    model.applyAll([...finishes(1, 0, t0 + 10), { type: 'worker-exited', at: t0 + 11, workerId: 0, reason: 'shutdown', exitCode: 0 }]);
    expect(projectWorkers(model, []).map((w) => w.state)).toEqual(['exited', 'idle']);
  });
});

describe('projectQueue', () => {
  it('lists the waiting jobs oldest first, with where they came from and when they queued', () => {
    const model = modelOf(listening(1), arrives(1, t0 + 1), arrives(2, t0 + 2, '/', 'curl/8'), [starts(1, 0, t0 + 3)], arrives(3, t0 + 4));
    expect(projectQueue(model, [], t0 + 100)).toEqual([
      { requestId: 2, method: 'GET', target: '/', origin: 'external', queuedAt: t0 + 2 },
      { requestId: 3, method: 'GET', target: '/sleep', origin: 'burst', queuedAt: t0 + 4 },
    ]);
  });

  it('keeps each job that was shown before as the same object after the queue moves, and the array while it stands still', () => {
    const model = modelOf(listening(1), arrives(1, t0 + 1), arrives(2, t0 + 2), arrives(3, t0 + 3));
    const first = projectQueue(model, [], t0 + 10);
    expect(projectQueue(model, first, t0 + 20)).toBe(first);

    model.applyAll([starts(1, 0, t0 + 30), ...arrives(4, t0 + 31)]);
    const second = projectQueue(model, first, t0 + 40);
    expect(second.map((item) => item.requestId)).toEqual([2, 3, 4]);
    expect(second[0]).toBe(first[1]);
    expect(second[1]).toBe(first[2]);
  });

  it(`keeps at most ${MAX_QUEUE_ITEMS_SHOWN} jobs; the rest are only counted`, () => {
    const model = modelOf(listening(1), ...Array.from({ length: 300 }, (_, i) => arrives(i + 1, t0 + i)));
    const queue = projectQueue(model, [], t0 + 1_000);
    expect(queue).toHaveLength(MAX_QUEUE_ITEMS_SHOWN);
    expect(queue[0]!.requestId).toBe(1);
    expect(projectWire(model, initialWireState(), sources()).queueLength).toBe(300);
  });
});

describe('projectInspected', () => {
  it('copies the request so the store sees a new object exactly when the request changed', () => {
    const model = modelOf(listening(1), arrives(1, t0 + 1));
    const queued = projectInspected(model, null, 1);
    expect(queued).toMatchObject({ id: 1, startedAt: null });
    expect(queued).not.toBe(model.requests.get(1));
    expect(projectInspected(model, queued, 1)).toBe(queued);

    model.applyAll([starts(1, 0, t0 + 2)]);
    const running = projectInspected(model, queued, 1);
    expect(running).not.toBe(queued);
    expect(running).toMatchObject({ id: 1, startedAt: t0 + 2, workerId: 0 });
  });

  it('shows nothing when nothing is inspected, and the last copy of a request the model no longer keeps', () => {
    const model = modelOf(listening(1), arrives(1, t0 + 1));
    const copy = projectInspected(model, null, 1);
    expect(projectInspected(model, copy, null)).toBeNull();
    const empty = new PoolModel();
    expect(projectInspected(empty, copy, 1)).toBe(copy);
    expect(projectInspected(empty, copy, 2)).toBeNull();
  });
});

describe('projectWire', () => {
  it('counts jobs in flight as waiting plus running, and carries the status, connection and dropped events', () => {
    const model = modelOf(listening(2), arrives(1, t0 + 1), arrives(2, t0 + 2), arrives(3, t0 + 3), [starts(1, 0, t0 + 4)]);
    const status = {
      phase: 'listening' as const,
      url: 'http://127.0.0.1:7878',
      settings: initialWireState().status.settings,
      lastError: null,
    };
    const wire = projectWire(model, initialWireState(), sources({ status, connection: 'reconnecting', droppedEventCount: 7 }));
    expect(wire).toMatchObject({ queueLength: 2, inFlightJobs: 3, status, connection: 'reconnecting', droppedEvents: 7, workerCount: 2 });
  });

  it('keeps the previous status and connection when the bridge has none yet', () => {
    const previous = { ...initialWireState(), connection: 'connected' as const };
    expect(projectWire(new PoolModel(), previous, sources()).connection).toBe('connected');
    expect(projectWire(new PoolModel(), previous, sources()).status).toBe(previous.status);
  });

  it('keeps the counters and the log while they do not change, and holds new log lines back until the log is due', () => {
    const model = modelOf(listening(1));
    const first = projectWire(model, initialWireState(), sources());
    const same = projectWire(model, first, sources());
    expect(same.counters).toBe(first.counters);
    expect(same.log).toBe(first.log);

    model.applyAll([...arrives(1, t0 + 1), starts(1, 0, t0 + 2)]);
    const held = projectWire(model, same, sources({ isLogDue: false }));
    expect(held.log).toBe(same.log);
    expect(held.counters).not.toBe(same.counters);
    expect(isLogBehind(model, held)).toBe(true);
    const due = projectWire(model, held, sources({ isLogDue: true }));
    expect(due.log.at(-1)?.text).toBe('Worker 0 got a job; executing.');
    expect(isLogBehind(model, due)).toBe(false);
  });

  it('shows the inspected request', () => {
    const model = modelOf(listening(1), arrives(1, t0 + 1, '/nope', 'curl/8'));
    expect(projectWire(model, initialWireState(), sources({ inspectedRequestId: 1 })).inspectedRequest).toMatchObject({
      id: 1,
      target: '/nope',
      origin: 'external',
    });
  });
});
