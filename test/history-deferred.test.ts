// The recorder derives its views in batches (EventHistory's deriveBatchEvents): whenever anyone reads, between
// any two appends, whatever the bounds evicted meanwhile, every answer is the one a history that derives each
// event as it comes would give.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { EventHistory } from '../src/history';
import type { ServerEvent } from '../src/shared/events';
import { eventSequenceArb } from './support/pool-simulator';

// Hundreds of generated runs per property: CPU-bound, so a loaded machine makes them slow, never wrong.
vi.setConfig({ testTimeout: 120_000 });

/**
 * Everything a reader can ask a history, at `now`, but its memory: the string table frees an evicted event's
 * strings when its batch is derived, so it may have held a few more meanwhile.
 */
function answers(history: EventHistory, now: number) {
  const firstAt = history.firstAt;
  const window = { fromAt: (firstAt ?? now) - 5, toAt: now + 5 };
  return {
    eventCount: history.eventCount,
    evictedCount: history.evictedCount,
    firstAt,
    lastAt: history.lastAt,
    knownFromAt: history.knownFromAt,
    oldestSeq: history.oldestSeq,
    nextSeq: history.nextSeq,
    events: [...history.events()],
    runs: history.runs(),
    stateNow: history.stateAt(now),
    stateMidway: history.stateAt((window.fromAt + now) / 2),
    initialState: history.initialState(),
    activity: history.activity(now),
    timeline: history.timeline({ ...window, plotWidthPx: 300, now }),
    lane0: history.requestsIn({ track: 0, ...window, limit: 50 }),
    queue: history.requestsIn({ track: 'queue', ...window, limit: 50 }),
    request1: history.request(1),
  };
}

describe('derived in batches', () => {
  it('answers every reader as if each event had been derived as it came, whenever it reads', () => {
    fc.assert(
      fc.property(
        eventSequenceArb(300).chain((events) =>
          fc.tuple(fc.constant(events), fc.uniqueArray(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: 6 })),
        ),
        fc.integer({ min: 2, max: 64 }),
        fc.integer({ min: 1, max: 120 }),
        fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.double({ min: 1, max: 20_000, noNaN: true })),
        fc.integer({ min: 2, max: 30 }),
        ([events, readAfter], deriveBatchEvents, maxEvents, maxAgeMs, checkpointIntervalEvents) => {
          const options = { maxEvents, maxAgeMs, checkpointIntervalEvents };
          const eachAtOnce = new EventHistory({ ...options, deriveBatchEvents: 1 });
          const batched = new EventHistory({ ...options, deriveBatchEvents });
          const reads = new Set([...readAfter, events.length - 1]);
          events.forEach((event: ServerEvent, i) => {
            eachAtOnce.append(event);
            batched.append(event);
            if (!reads.has(i)) return;
            expect(answers(batched, event.at)).toEqual(answers(eachAtOnce, event.at));
            expect(Math.abs(batched.approximateBytes - eachAtOnce.approximateBytes)).toBeLessThan(0.01 * eachAtOnce.approximateBytes);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('settles before an idle trim, so the age bound drops what it would have dropped event by event', () => {
    const batched = new EventHistory({ maxAgeMs: 100, deriveBatchEvents: 1000 });
    const eachAtOnce = new EventHistory({ maxAgeMs: 100, deriveBatchEvents: 1 });
    for (const history of [batched, eachAtOnce]) {
      history.append({ type: 'worker-spawned', at: 10, workerId: 0 });
      history.append({ type: 'worker-spawned', at: 150, workerId: 1 });
      history.trim(200);
    }
    expect(answers(batched, 200)).toEqual(answers(eachAtOnce, 200));
    expect(batched.eventCount).toBe(1);
    expect(batched.evictedCount).toBe(1);
  });

  it('derives no event twice when deriving one throws: the ones after it are derived on the next read', () => {
    const history = new EventHistory({ deriveBatchEvents: 100 });
    const derive = vi.spyOn(history as unknown as { derive: (event: ServerEvent, seq: number) => void }, 'derive');
    derive
      .mockImplementationOnce(() => {})
      .mockImplementationOnce(() => {
        throw new Error('a bug in a view');
      });
    for (let id = 0; id < 3; id++) history.append({ type: 'worker-spawned', at: 10 + id, workerId: id });
    expect(() => history.eventCount).toThrow('a bug in a view');
    expect(history.eventCount).toBe(3);
    expect(derive).toHaveBeenCalledTimes(3);
    expect(history.stateAt(12)?.workers.map((w) => w.id)).toEqual([2]);
  });
});
