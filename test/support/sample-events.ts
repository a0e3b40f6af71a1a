// One sample of every ServerEvent type, and fast-check arbitraries for events built from the contract's
// field table, so a new event type cannot be left out of the round-trip tests: the mapped type below
// fails to compile until it has a sample.

import fc from 'fast-check';
import {
  BURST_USER_AGENT,
  type EventFieldKind,
  SERVER_EVENT_FIELDS,
  type ServerEvent,
  type ServerEventOf,
  type ServerEventType,
} from '../../src/shared/events';
import { createRunFileHeader, type RunFileHeader } from '../../src/shared/run-file';
import { DEFAULT_SETTINGS, type ServerSettings } from '../../src/shared/settings';

export const T0 = 1_760_000_000_000.125;

/** A server-listening event: every setting at its default but those given, so a new setting needs no change here. */
export function listeningEvent(at: number, settings: Partial<ServerSettings> = {}): ServerEventOf<'server-listening'> {
  return { type: 'server-listening', at, ...DEFAULT_SETTINGS, ...settings };
}

/** A request-received event: `GET /` on connection 1 from 127.0.0.1 with no User-Agent, but for the fields given. */
export function receivedEvent(
  at: number,
  requestId: number,
  fields: Partial<Omit<ServerEventOf<'request-received'>, 'type' | 'at' | 'requestId'>> = {},
): ServerEventOf<'request-received'> {
  return {
    type: 'request-received',
    at,
    requestId,
    connectionId: 1,
    method: 'GET',
    target: '/',
    remoteAddress: '127.0.0.1',
    userAgent: null,
    ...fields,
  };
}

/**
 * One request's whole life: received and queued at `queuedAt` (on its own connection, numbered as the request),
 * started on `workerId` at `startedAt`, finished and answered 200 at `finishedAt`.
 */
export function servedRequestEvents(
  requestId: number,
  workerId: number,
  times: { queuedAt: number; startedAt: number; finishedAt: number },
  fields: Partial<Omit<ServerEventOf<'request-received'>, 'type' | 'at' | 'requestId'>> = {},
): ServerEvent[] {
  const { queuedAt, startedAt, finishedAt } = times;
  return [
    receivedEvent(queuedAt, requestId, { connectionId: requestId, ...fields }),
    { type: 'job-queued', at: queuedAt, requestId, queueDepth: 1 },
    { type: 'job-started', at: startedAt, requestId, workerId, waitMs: startedAt - queuedAt, queueDepth: 0 },
    { type: 'job-finished', at: finishedAt, requestId, workerId, runMs: finishedAt - startedAt, status: 200 },
    { type: 'response-sent', at: finishedAt, requestId, status: 200, bytes: 100 },
  ];
}

export const SAMPLE_EVENTS: { [T in ServerEventType]: ServerEventOf<T> } = {
  'server-listening': listeningEvent(T0),
  'connection-opened': { type: 'connection-opened', at: T0 + 1, connectionId: 1, remoteAddress: '::ffff:127.0.0.1', remotePort: 50_412 },
  'request-received': {
    type: 'request-received',
    at: T0 + 1.25,
    requestId: 1,
    connectionId: 1,
    method: 'GET',
    target: '/sleep?ms=200',
    remoteAddress: '127.0.0.1',
    userAgent: BURST_USER_AGENT,
  },
  'job-queued': { type: 'job-queued', at: T0 + 1.5, requestId: 1, queueDepth: 1 },
  'job-started': { type: 'job-started', at: T0 + 1.75, requestId: 1, workerId: 0, waitMs: 0.25, queueDepth: 0 },
  'job-finished': { type: 'job-finished', at: T0 + 202, requestId: 1, workerId: 0, runMs: 200.125, status: 200 },
  'response-sent': { type: 'response-sent', at: T0 + 202.5, requestId: 1, status: 200, bytes: 312 },
  'job-abandoned': { type: 'job-abandoned', at: T0 + 202.75, requestId: 3, reason: 'max-wait', waitMs: 60_000.5, queueDepth: 0 },
  'request-rejected': { type: 'request-rejected', at: T0 + 203, requestId: 2, connectionId: 1, status: 400, errorCode: 'BAD_REQUEST_LINE' },
  'connection-closed': { type: 'connection-closed', at: T0 + 204, connectionId: 1, reason: 'server-closed', requestCount: 2 },
  'worker-exited': { type: 'worker-exited', at: T0 + 205, workerId: 1, reason: 'crashed', exitCode: 1 },
  'worker-replaced': { type: 'worker-replaced', at: T0 + 206, workerId: 1 },
  'server-stopping': { type: 'server-stopping', at: T0 + 300, reason: 'signal' },
  'worker-stopping': { type: 'worker-stopping', at: T0 + 301, workerId: 0 },
  'server-stopped': { type: 'server-stopped', at: T0 + 310 },
  'worker-spawned': { type: 'worker-spawned', at: T0 + 311, workerId: 0 },
  'connection-waiting': { type: 'connection-waiting', at: T0 + 312, connectionId: 2, waitingCount: 1 },
  'connection-taken': { type: 'connection-taken', at: T0 + 313, connectionId: 2, waitMs: 1.125, waitingCount: 0 },
  'thread-started': { type: 'thread-started', at: T0 + 314, workerId: 3, requestId: 4, startupMs: 12.5, liveThreadCount: 2 },
  'thread-exited': { type: 'thread-exited', at: T0 + 315, workerId: 3, exitCode: 0, liveThreadCount: 1 },
  'lock-waiting': { type: 'lock-waiting', at: T0 + 316, workerId: 2 },
  'lock-acquired': { type: 'lock-acquired', at: T0 + 317, workerId: 2, waitMs: 0.5 },
  'lock-released': { type: 'lock-released', at: T0 + 318, workerId: 2, heldMs: 5_000.25 },
};

/** Every sample, in time order. */
export const ALL_SAMPLES: ServerEvent[] = Object.values(SAMPLE_EVENTS).sort((a, b) => a.at - b.at);

export const SAMPLE_SETTINGS: ServerSettings = { ...DEFAULT_SETTINGS };

export function sampleHeader(overrides: Partial<RunFileHeader> = {}): RunFileHeader {
  return {
    ...createRunFileHeader({
      app: { name: 'Poolscope', version: '0.1.0' },
      settings: SAMPLE_SETTINGS,
      strategy: null,
      historyStartsAt: T0 - 10,
      droppedEventCount: 0,
    }),
    ...overrides,
  };
}

/** How long the sample run lasts, from its history's start to its last event. */
const SAMPLE_SPAN_MS = ALL_SAMPLES.at(-1)!.at - sampleHeader().historyStartsAt;
/**
 * That span as the page and the trace CLI name it (a third of a second: milliseconds), worked out here rather than by
 * the formatter the tests check.
 */
export const SAMPLE_SPAN_TEXT = SAMPLE_SPAN_MS < 1000 ? `${Math.round(SAMPLE_SPAN_MS)} ms` : `${(SAMPLE_SPAN_MS / 1000).toFixed(1)} s`;

function arbitraryOf(kind: EventFieldKind): fc.Arbitrary<unknown> {
  if (typeof kind !== 'string') return fc.constantFrom(...kind);
  switch (kind) {
    case 'epoch-ms':
    case 'duration-ms':
      return fc.double({ min: 0, max: 4e12, noNaN: true, noDefaultInfinity: true });
    case 'natural':
      return fc.nat({ max: Number.MAX_SAFE_INTEGER });
    case 'integer':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'http-status':
      return fc.integer({ min: 100, max: 599 });
    case 'string':
      // Full Unicode: quotes, backslashes, newlines, U+2028 and astral characters all travel inside one line.
      return fc.string({ unit: 'grapheme', maxLength: 24 });
    case 'string-or-null':
      return fc.option(fc.string({ unit: 'grapheme', maxLength: 24 }), { nil: null });
  }
}

/** Any valid event of any type, built from SERVER_EVENT_FIELDS (so its `at` is arbitrary too). */
export const arbitraryEvent: fc.Arbitrary<ServerEvent> = fc.oneof(
  ...Object.entries(SERVER_EVENT_FIELDS).map(([type, fields]) =>
    fc
      .record(Object.fromEntries(Object.entries(fields).map(([name, kind]) => [name, arbitraryOf(kind)])))
      .map((values) => ({ type, ...values }) as unknown as ServerEvent),
  ),
);

/** A run's events: any events, put in time order as a file requires. */
export const arbitraryEvents: fc.Arbitrary<ServerEvent[]> = fc
  .array(arbitraryEvent, { maxLength: 30 })
  .map((events) => events.sort((a, b) => a.at - b.at));

/**
 * The book's burst on a pool of two, cut in the middle: `before` brings both workers busy with /sleep jobs and
 * two more jobs waiting; `after` runs them all to their answers. The state after `before` is what a saved history
 * that dropped `before` carries as its initial state.
 */
export function burstCutMidway(at = T0): { before: ServerEvent[]; after: ServerEvent[] } {
  const before: ServerEvent[] = [
    { type: 'worker-spawned', at, workerId: 0 },
    { type: 'worker-spawned', at: at + 0.5, workerId: 1 },
    listeningEvent(at + 1, { workerCount: 2, sleepMs: 100 }),
  ];
  for (let id = 1; id <= 4; id++) {
    const t = at + 10 * id;
    before.push(
      { type: 'connection-opened', at: t, connectionId: id, remoteAddress: '127.0.0.1', remotePort: 40_000 + id },
      {
        type: 'request-received',
        at: t + 1,
        requestId: id,
        connectionId: id,
        method: 'GET',
        target: '/sleep',
        remoteAddress: '127.0.0.1',
        userAgent: id % 2 === 0 ? 'curl/8.5.0' : BURST_USER_AGENT,
      },
      { type: 'job-queued', at: t + 2, requestId: id, queueDepth: id <= 2 ? 1 : id - 2 },
    );
    if (id <= 2) before.push({ type: 'job-started', at: t + 3, requestId: id, workerId: id - 1, waitMs: 1, queueDepth: 0 });
  }
  const after: ServerEvent[] = [];
  const finishedAt: number[] = [];
  for (let id = 1; id <= 4; id++) {
    const workerId = (id - 1) % 2;
    // The third and fourth jobs take the workers the first two leave.
    const startedAt = id <= 2 ? at + 10 * id + 3 : finishedAt[id - 2]! + 0.75;
    finishedAt[id] = startedAt + 100;
    if (id > 2) {
      after.push({
        type: 'job-started',
        at: startedAt,
        requestId: id,
        workerId,
        waitMs: startedAt - (at + 10 * id + 2),
        queueDepth: 4 - id,
      });
    }
    after.push(
      { type: 'job-finished', at: finishedAt[id]!, requestId: id, workerId, runMs: 100, status: 200 },
      { type: 'response-sent', at: finishedAt[id]! + 0.25, requestId: id, status: 200, bytes: 312 },
      { type: 'connection-closed', at: finishedAt[id]! + 0.5, connectionId: id, reason: 'server-closed', requestCount: 1 },
    );
  }
  after.sort((a, b) => a.at - b.at);
  return { before, after };
}
