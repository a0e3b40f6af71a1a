// The flight recorder's tape: every event type comes back exactly as appended, the history is bounded by
// count and by age, memory stops growing once it is full, and the string table stays bounded whatever
// a hostile client sends.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { DROPPED_STRING, EventHistory } from '../src/history';
import { EventCodec, type EventFieldTable, EventLog } from '../src/history/event-log';
import { type EventFieldKind, SERVER_EVENT_FIELDS, type ServerEvent } from '../src/shared/events';
import { eventSequenceArb } from './support/pool-simulator';
import { receivedEvent } from './support/sample-events';

// Hundreds of generated runs per property: CPU-bound, so a loaded machine makes them slow, never wrong.
vi.setConfig({ testTimeout: 120_000 });

const anyNumber = fc.oneof(
  fc.integer(),
  fc.integer({ min: -1, max: 70_000 }),
  fc.double(),
  fc.constantFrom(-0, 2 ** 31, -(2 ** 31) - 1, 2 ** 53),
);
const anyString = fc.string({ unit: 'binary', maxLength: 40 });

/** Any value a field of this kind could be handed (wider than what is valid: the tape stores, it does not judge). */
function anyValueOf(kind: EventFieldKind): fc.Arbitrary<unknown> {
  if (Array.isArray(kind)) return fc.constantFrom(...kind);
  if (kind === 'string') return anyString;
  if (kind === 'string-or-null') return fc.option(anyString, { nil: null });
  return kind === 'epoch-ms' ? fc.double() : anyNumber;
}

/**
 * Every event type of a table of fields, with any values its fields can hold. From the contract's own table: an
 * event type or a field added to the contract is generated here at once, and fails until the tape keeps it.
 */
function anyEventOf(table: EventFieldTable): fc.Arbitrary<ServerEvent> {
  return fc.oneof(
    ...Object.entries(table).map(([type, fields]) =>
      fc.record({
        type: fc.constant(type),
        ...Object.fromEntries(Object.entries(fields).map(([name, kind]) => [name, anyValueOf(kind)])),
      }),
    ),
  ) as fc.Arbitrary<ServerEvent>;
}

const anyEventArb = anyEventOf(SERVER_EVENT_FIELDS);

/**
 * The contract as it may grow: server-listening with more settings than a row has cells (whole numbers, a
 * fraction, a string), and a new event type. The tape is derived from the table, so it keeps them unchanged.
 */
const GROWN_TABLE: EventFieldTable = {
  ...SERVER_EVENT_FIELDS,
  'server-listening': {
    ...SERVER_EVENT_FIELDS['server-listening'],
    sendTimeoutMs: 'natural',
    maxWaitMs: 'natural',
    loadFactor: 'duration-ms',
    strategy: ['fifo', 'lifo'],
    label: 'string-or-null',
  },
  'job-abandoned': {
    at: 'epoch-ms',
    requestId: 'natural',
    reason: ['max-wait', 'no-workers'],
    waitMs: 'duration-ms',
    queueDepth: 'natural',
  },
};

function requestReceived(requestId: number, at: number, target: string): ServerEvent {
  return receivedEvent(at, requestId, { target, userAgent: 'curl/8' });
}

describe('the recorded events', () => {
  it('come back identical to what was appended, for every event type and any field values', () => {
    fc.assert(
      fc.property(fc.array(anyEventArb, { maxLength: 120 }), (events) => {
        const history = new EventHistory({ maxAgeMs: Number.POSITIVE_INFINITY });
        for (const e of events) history.append(e);
        expect([...history.events()]).toEqual(events);
      }),
      { numRuns: 300 },
    );
  });

  it('come back identical from a real-looking run, also after the oldest were evicted', () => {
    fc.assert(
      fc.property(eventSequenceArb(200), fc.integer({ min: 1, max: 60 }), (events, maxEvents) => {
        const history = new EventHistory({ maxEvents, checkpointIntervalEvents: 4 });
        for (const e of events) history.append(e);
        expect([...history.events()]).toEqual(events.slice(-maxEvents));
        expect(history.eventCount).toBe(Math.min(maxEvents, events.length));
        expect(history.evictedCount).toBe(Math.max(0, events.length - maxEvents));
      }),
    );
  });

  it('can be read between two times, both ends included', () => {
    const history = new EventHistory();
    const events = [10, 20, 20, 30, 40].map((at, i) => requestReceived(i + 1, at, '/'));
    for (const e of events) history.append(e);
    expect([...history.events(20, 30)].map((e) => e.at)).toEqual([20, 20, 30]);
    expect([...history.events(31)].map((e) => e.at)).toEqual([40]);
  });

  it('refuses to go on silently when the history dropped events an iteration had not read yet', () => {
    const history = new EventHistory({ maxEvents: 3 });
    for (let i = 1; i <= 3; i++) history.append(requestReceived(i, i, '/'));
    const iterator = history.events();
    expect(iterator.next().value).toMatchObject({ requestId: 1 });
    for (let i = 4; i <= 6; i++) history.append(requestReceived(i, i, '/'));
    expect(() => iterator.next()).toThrow(/dropped event #1/);
  });
});

describe('the tape', () => {
  it('keeps events of a grown contract (more settings than cells, a new event type) with no change of its own', () => {
    fc.assert(
      fc.property(fc.array(anyEventOf(GROWN_TABLE), { maxLength: 80 }), fc.integer({ min: 0, max: 80 }), (events, evicted) => {
        const log = new EventLog(4, 1_000, { maxStrings: 1_000, maxChars: 100_000 }, new EventCodec(GROWN_TABLE));
        const seqs = events.map((e) => log.append(e));
        expect(seqs.map((seq) => log.decode(seq))).toEqual(events);
        // Evicting releases every string an event held, wherever its field was placed.
        for (let i = 0; i < evicted; i++) log.shift();
        expect(seqs.slice(evicted).map((seq) => log.decode(seq))).toEqual(events.slice(evicted));
        if (evicted >= events.length) expect(log.strings.size).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses an event type its table does not know, and a table it cannot store, with a reason', () => {
    const log = new EventLog(4, 16, { maxStrings: 16, maxChars: 1_000 });
    expect(() => log.append({ type: 'job-teleported', at: 1 } as unknown as ServerEvent)).toThrow(/Unknown event type "job-teleported"/);
    expect(log.length).toBe(0);
    expect(() => new EventCodec({ 'no-time': { requestId: 'natural' } })).toThrow(/"no-time" has no `at`/);
  });
});

describe('the bounds', () => {
  it('keep at most maxEvents events and say from when the history starts', () => {
    const history = new EventHistory({ maxEvents: 100 });
    for (let i = 1; i <= 125; i++) {
      history.append(requestReceived(i, i * 10, '/'));
      history.append({ type: 'response-sent', at: i * 10 + 1, requestId: i, status: 200, bytes: 10 });
    }
    expect(history.eventCount).toBe(100);
    expect(history.evictedCount).toBe(150);
    expect(history.firstAt).toBe(760);
    expect(history.lastAt).toBe(1251);
    expect(history.request(75)).toBeNull();
    expect(history.request(76)?.target).toBe('/');
  });

  it('keep only the last maxAgeMs, on append and when trimmed while idle', () => {
    const history = new EventHistory({ maxAgeMs: 1_000 });
    for (let i = 0; i < 30; i++) history.append(requestReceived(i + 1, i * 100, '/'));
    expect(history.firstAt).toBe(1_900);
    expect(history.eventCount).toBe(11);
    history.trim(3_500);
    expect(history.firstAt).toBe(2_500);
    history.trim(10_000);
    expect(history.eventCount).toBe(0);
    expect(history.firstAt).toBeNull();
    expect(history.evictedCount).toBe(30);
  });

  it('apply whichever bound is smaller', () => {
    const byCount = new EventHistory({ maxEvents: 5, maxAgeMs: 1_000_000 });
    const byAge = new EventHistory({ maxEvents: 1_000, maxAgeMs: 50 });
    for (let i = 0; i < 100; i++) {
      byCount.append(requestReceived(i + 1, i, '/'));
      byAge.append(requestReceived(i + 1, i, '/'));
    }
    expect(byCount.eventCount).toBe(5);
    expect(byAge.eventCount).toBe(51);
  });

  it('reject bounds that are not positive, with a reason', () => {
    expect(() => new EventHistory({ maxEvents: 0 })).toThrow(/maxEvents must be a positive number/);
    expect(() => new EventHistory({ maxAgeMs: -1 })).toThrow(/maxAgeMs must be a positive number/);
  });

  it('hold memory flat once the history is full', () => {
    // Few buckets per level, so they fill within the test too (by default the coarsest fill after hours).
    const history = new EventHistory({ maxEvents: 20_000, checkpointIntervalEvents: 256, bucketsPerLevel: 16 });
    const sizes: number[] = [];
    let requestId = 1;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 10_000; i++) {
        const at = round * 10_000 + i;
        const id = requestId++;
        history.append(requestReceived(id, at, '/'));
        history.append({ type: 'response-sent', at, requestId: id, status: 200, bytes: 100 });
      }
      sizes.push(history.approximateBytes);
    }
    expect(history.eventCount).toBe(20_000);
    // Checkpoints come and go one at a time: a fraction of a percent.
    expect(Math.abs(sizes[5]! - sizes[3]!) / sizes[3]!).toBeLessThan(0.005);
    expect(sizes[3]! / sizes[1]!).toBeLessThan(1.005);
    expect(history.bytesPerEvent).toBeGreaterThan(0);
  });
});

describe('the string table', () => {
  it('stays within its bound when every request has a new target, and says what it dropped', () => {
    const history = new EventHistory({ maxEvents: 500, maxInternedStrings: 64 });
    for (let i = 1; i <= 5_000; i++) {
      history.append(requestReceived(i, i, `/sleep?id=${i}`));
      expect(history.internedStringCount).toBeLessThanOrEqual(64);
    }
    expect(history.droppedStringCount).toBeGreaterThan(0);
    const targets = [...history.events()].map((e) => (e.type === 'request-received' ? e.target : ''));
    expect(targets.filter((t) => t === DROPPED_STRING).length).toBe(
      history.eventCount - targets.filter((t) => t.startsWith('/sleep?id=')).length,
    );
    // Stored or dropped, a request is still counted under its true route.
    const timeline = history.timeline({ fromAt: 0, toAt: 6_000, plotWidthPx: 600, now: 6_000 });
    expect(timeline.queue.buckets.received.reduce((a, b) => a + b, 0)).toBe(5_000);
  });

  it('bounds the characters held too, and frees strings when their last event leaves', () => {
    // Strings are freed when their events leave the log: at most one checkpoint interval after they leave the history.
    const history = new EventHistory({ maxEvents: 10, maxInternedChars: 1_000, checkpointIntervalEvents: 4 });
    const long = 'x'.repeat(400);
    for (let i = 1; i <= 5; i++) history.append(requestReceived(i, i, `/${long}${i}`));
    const kept = [...history.events()].filter((e) => e.type === 'request-received' && e.target !== DROPPED_STRING);
    // '/', 'GET', '127.0.0.1', 'curl/8' and two 402-character targets fit in 1,000 characters; the third does not.
    expect(kept.length).toBe(2);
    for (let i = 6; i <= 20; i++) history.append(requestReceived(i, i, '/'));
    history.append(requestReceived(21, 21, `/${long}new`));
    expect([...history.events()].at(-1)).toMatchObject({ target: `/${long}new` });
  });

  it('gives identical events back when strings repeat across many requests (the cache path)', () => {
    const history = new EventHistory();
    const events: ServerEvent[] = [];
    for (let i = 1; i <= 1_000; i++) {
      const e = requestReceived(i, i, i % 3 === 0 ? '/sleep' : '/');
      events.push({ ...e, userAgent: i % 5 === 0 ? null : `agent-${i % 4}` } as ServerEvent);
    }
    for (const e of events) history.append(e);
    expect([...history.events()]).toEqual(events);
    expect(history.internedStringCount).toBeLessThan(12);
  });
});
