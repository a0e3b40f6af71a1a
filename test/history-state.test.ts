// State at a time: whatever t, whatever was evicted, whatever the history was seeded with, stateAt(t) is
// exactly what applying every event up to t to a fresh state gives (the reference reads them all).

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { EventHistory, type PoolState } from '../src/history';
import type { ServerEvent } from '../src/shared/events';
import { eventSequenceArb, PoolSimulator } from './support/pool-simulator';
import { ReferenceHistory } from './support/reference-history';
import { receivedEvent } from './support/sample-events';

// Hundreds of generated runs per property: CPU-bound, so a loaded machine makes them slow, never wrong.
vi.setConfig({ testTimeout: 120_000 });

/** Times worth asking about: every event's time, just before and after it, and random ones in between. */
function probeTimesArb(events: readonly ServerEvent[]): fc.Arbitrary<number[]> {
  const first = events[0]!.at;
  const last = events.at(-1)!.at;
  const atEvent = fc
    .integer({ min: 0, max: events.length - 1 })
    .chain((i) => fc.constantFrom(events[i]!.at, events[i]!.at - 0.0005, events[i]!.at + 0.0005));
  return fc.array(fc.oneof(atEvent, fc.double({ min: first - 10, max: last + 10, noNaN: true })), { minLength: 1, maxLength: 12 });
}

function record(events: readonly ServerEvent[], options: ConstructorParameters<typeof EventHistory>[0] = {}): EventHistory {
  const history = new EventHistory(options);
  for (const e of events) history.append(e);
  return history;
}

describe('stateAt', () => {
  it('agrees with applying every event up to t to a fresh state, at any t', () => {
    fc.assert(
      fc.property(
        eventSequenceArb(250).chain((events) => fc.tuple(fc.constant(events), probeTimesArb(events))),
        fc.integer({ min: 2, max: 40 }),
        ([events, times], checkpointIntervalEvents) => {
          const history = record(events, { checkpointIntervalEvents, maxAgeMs: Number.POSITIVE_INFINITY });
          const reference = new ReferenceHistory(events);
          for (const t of times) expect(history.stateAt(t)).toEqual(reference.stateAt(t));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('stays true when the oldest events were evicted by count: the checkpoints carry what they did', () => {
    fc.assert(
      fc.property(
        eventSequenceArb(300).chain((events) => fc.tuple(fc.constant(events), probeTimesArb(events))),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 2, max: 30 }),
        ([events, times], maxEvents, checkpointIntervalEvents) => {
          const history = record(events, { maxEvents, checkpointIntervalEvents, maxAgeMs: Number.POSITIVE_INFINITY });
          const reference = new ReferenceHistory(events);
          expect(history.stateAt(events.at(-1)!.at)).toEqual(reference.stateAt(events.at(-1)!.at));
          for (const t of times) {
            const state = history.stateAt(t);
            if (t < history.knownFromAt) expect(state).toBeNull();
            else expect(state).toEqual(reference.stateAt(t));
          }
          // The state just before the oldest event held: what a saved run starts from.
          const initial = history.initialState();
          const evicted = events.slice(0, history.evictedCount);
          const expected = new ReferenceHistory(evicted).stateAt(evicted.at(-1)?.at ?? Number.NEGATIVE_INFINITY);
          expect(initial).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps the oldest retained event readable while the checkpoint before it becomes the base', () => {
    // A small state, so checkpoints come every few events and the base moves forward by checkpoints, not by replay.
    const history = new EventHistory({ maxEvents: 7, checkpointIntervalEvents: 3 });
    const events: ServerEvent[] = [];
    for (let i = 1; i <= 40; i++) {
      for (const event of [
        receivedEvent(i, i, { remoteAddress: '::1' }),
        { type: 'response-sent', at: i + 0.5, requestId: i, status: 200, bytes: 1 },
      ] satisfies ServerEvent[]) {
        events.push(event);
        history.append(event);
        expect([...history.events()]).toEqual(events.slice(-7));
        expect(history.initialState()).toEqual(new ReferenceHistory(events.slice(0, -7)).stateAt(history.knownFromAt));
      }
    }
  });

  it('stays true when the oldest events were evicted by age', () => {
    fc.assert(
      fc.property(eventSequenceArb(300), fc.double({ min: 1, max: 20_000, noNaN: true }), (events, maxAgeMs) => {
        const history = record(events, { maxAgeMs, checkpointIntervalEvents: 8 });
        const reference = new ReferenceHistory(events);
        const last = events.at(-1)!.at;
        expect(history.firstAt === null || history.firstAt >= last - maxAgeMs).toBe(true);
        for (const t of [last, last - maxAgeMs / 3, history.knownFromAt]) {
          if (t >= history.knownFromAt) expect(history.stateAt(t)).toEqual(reference.stateAt(t));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('gives the live state for now and later, without replaying anything', () => {
    const events = new PoolSimulator().run([
      { action: { kind: 'start', workerCount: 2, maxQueuedJobs: 4 }, dtMs: 0 },
      { action: { kind: 'connect' }, dtMs: 1 },
      { action: { kind: 'request', connection: 0, target: '/sleep', method: 'GET', userAgent: null }, dtMs: 1 },
    ]);
    const history = record(events);
    const now = events.at(-1)!.at + 2_000;
    const state = history.stateAt(now)!;
    expect(state.at).toBe(now);
    expect(state.workers.map((w) => [w.id, w.phase, w.requestId, w.busySince])).toEqual([
      [0, 'busy', 1, events.at(-1)!.at],
      [1, 'idle', null, null],
    ]);
    expect(state.requests.map((r) => [r.id, r.path, r.workerId])).toEqual([[1, '/sleep', 0]]);
  });

  it('gives no lane to a worker id a foreign recording stretches beyond the lanes, and reduces it at once', () => {
    const events = new PoolSimulator().run([{ action: { kind: 'start', workerCount: 2, maxQueuedJobs: 4 }, dtMs: 0 }]);
    const at = events.at(-1)!.at;
    // A lane per id would make an array of two billion slots that every count of live threads walks.
    const hostile: ServerEvent[] = [
      { type: 'lock-acquired', at: at + 1, workerId: 1_871_613_508, waitMs: 0 },
      { type: 'worker-replaced', at: at + 2, workerId: 1 },
      { type: 'worker-spawned', at: at + 3, workerId: 2 ** 31 },
      { type: 'thread-started', at: at + 4, workerId: -3, requestId: 1, startupMs: 1, liveThreadCount: 1 },
    ];
    const history = record([...events, ...hostile]);
    expect(history.stateAt(at + 5)!.workers.map((w) => w.id)).toEqual([0, 1]);
  });

  it('is null before anything is known, and the stopped, empty pool before the first event of a fresh recording', () => {
    const events = new PoolSimulator(5_000).run([{ action: { kind: 'start', workerCount: 1, maxQueuedJobs: 1 }, dtMs: 0 }]);
    expect(record(events).stateAt(4_000)).toMatchObject({ runId: 0, phase: 'stopped', workers: [] });
    expect(record(events, { startAt: 4_500 }).stateAt(4_000)).toBeNull();
  });

  it('can be seeded from the server’s own report and then follows the events from there', () => {
    fc.assert(
      fc.property(eventSequenceArb(200), fc.double({ min: 0, max: 1, noNaN: true }), (events, split) => {
        const cut = Math.floor(split * events.length);
        // Seed at a moment between two events, as a recorder attaching to a running server would.
        const seedAt = cut === 0 ? events[0]!.at - 1 : events[cut - 1]!.at;
        const before = events.slice(0, cut).filter((e) => e.at <= seedAt);
        const after = events.slice(before.length);
        const seed: PoolState = new ReferenceHistory(before).stateAt(seedAt);
        const history = record(after, { initialState: seed, checkpointIntervalEvents: 5 });
        const reference = new ReferenceHistory(events);
        expect(history.stateAt(seedAt - 1)).toBeNull();
        for (const e of after) expect(history.stateAt(e.at)).toEqual(reference.stateAt(e.at));
        expect(history.stateAt(seedAt)).toEqual(reference.stateAt(seedAt));
      }),
      { numRuns: 100 },
    );
  });

  it('counts each run from its start and keeps the settings it announced', () => {
    const sim = new PoolSimulator();
    const events = sim.run([
      { action: { kind: 'start', workerCount: 2, maxQueuedJobs: 4 }, dtMs: 0 },
      { action: { kind: 'connect' }, dtMs: 1 },
      { action: { kind: 'request', connection: 0, target: '/', method: 'GET', userAgent: null }, dtMs: 1 },
      { action: { kind: 'finish', worker: 0, status: 200 }, dtMs: 1 },
      { action: { kind: 'stop' }, dtMs: 1 },
      { action: { kind: 'start', workerCount: 3, maxQueuedJobs: 4 }, dtMs: 100 },
    ]);
    const history = record(events);
    const end = events.at(-1)!.at;
    expect(history.stateAt(end - 50)).toMatchObject({ runId: 1, phase: 'stopped', counters: { requestsReceived: 1, responsesSent: 1 } });
    expect(history.stateAt(end)).toMatchObject({
      runId: 2,
      phase: 'listening',
      settings: { workerCount: 3 },
      counters: { requestsReceived: 0 },
    });
    expect(history.runs().map((r) => [r.runId, r.settings?.workerCount, r.stopReason])).toEqual([
      [1, 2, 'command'],
      [2, 3, null],
    ]);
  });
});
