// Save run… and Export trace from the live history, without sockets: a history that dropped the first half of a
// burst saves a file that replays truthfully from its first event (busy workers, waiting jobs, open connections);
// its trace starts the jobs it shows where they really started; a save the server outpaces says so rather than
// leave a gap; and the history's bounds change while it runs.

import { describe, expect, it } from 'vitest';
import { EventHistory } from '../src/history';
import { HistoryOverrunError, savedRunChunks, savedTraceChunks, snapshotHistory } from '../src/history/saved-run';
import type { TraceDocument } from '../src/history/trace-export';
import { APP_INFO } from '../src/shared/app-info';
import type { ServerEvent } from '../src/shared/events';
import { parseRunFile, RUN_FILE_VERSION } from '../src/shared/run-file';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import { burstCutMidway, T0 } from './support/sample-events';

const CONTEXT = { app: APP_INFO, settings: DEFAULT_SETTINGS, now: T0 + 1_000 };

/** A history that kept only `after`: the first half of the burst left it by count. */
function historyCutMidway(): { history: EventHistory; before: ServerEvent[]; after: ServerEvent[] } {
  const { before, after } = burstCutMidway();
  const history = new EventHistory({ maxEvents: after.length, startAt: T0 - 1 });
  for (const event of [...before, ...after]) history.append(event);
  expect(history.evictedCount).toBe(before.length);
  return { history, before, after };
}

describe('a saved live history', () => {
  it('that dropped older events carries the state at its start and replays to the same state at every event', () => {
    const { history, before, after } = historyCutMidway();
    const text = [...savedRunChunks(snapshotHistory(history, CONTEXT))].join('');
    const file = parseRunFile(text);
    expect(file.header).toMatchObject({
      formatVersion: RUN_FILE_VERSION,
      droppedEventCount: before.length,
      historyStartsAt: before.at(-1)!.at,
    });
    expect(file.header.settings).toMatchObject({ workerCount: 2, sleepMs: 100 });
    expect(file.events).toEqual(after);
    expect(file.initialState).toEqual(history.initialState());
    expect(file.initialState!.workers.map((w) => [w.phase, w.requestId])).toEqual([
      ['busy', 1],
      ['busy', 2],
    ]);
    expect(file.initialState!.queue.map((job) => job.requestId)).toEqual([3, 4]);
    expect(file.initialState!.connections).toHaveLength(4);

    // What a replay builds from the file alone.
    const replay = new EventHistory({ initialState: file.initialState!, startAt: file.header.historyStartsAt });
    for (const event of file.events) replay.append(event);
    for (const event of after) expect(replay.stateAt(event.at), `at ${event.type}`).toEqual(history.stateAt(event.at));
  });

  it('that holds the whole run has no initial state', () => {
    const { before, after } = burstCutMidway();
    const history = new EventHistory({ startAt: T0 - 1 });
    for (const event of [...before, ...after]) history.append(event);
    const file = parseRunFile([...savedRunChunks(snapshotHistory(history, CONTEXT))].join(''));
    expect(file.initialState).toBeNull();
    expect(file.header).toMatchObject({ historyStartsAt: T0 - 1, droppedEventCount: 0 });
    expect(file.events).toEqual([...before, ...after]);
  });

  it('holds the events of the moment it was taken, not those that came after', () => {
    const { before, after } = burstCutMidway();
    const history = new EventHistory({ startAt: T0 - 1 });
    for (const event of before) history.append(event);
    const snapshot = snapshotHistory(history, CONTEXT);
    for (const event of after) history.append(event);
    expect(parseRunFile([...savedRunChunks(snapshot)].join('')).events).toEqual(before);
  });

  it('says so, rather than leave a gap, when the history dropped events it had yet to write', () => {
    const { before, after } = burstCutMidway();
    const history = new EventHistory({ maxEvents: before.length, startAt: T0 - 1 });
    for (const event of before) history.append(event);
    const chunks = savedRunChunks(snapshotHistory(history, CONTEXT));
    for (const event of after.slice(0, 3)) history.append(event);
    expect(() => [...chunks]).toThrow(HistoryOverrunError);
  });

  it('exports a trace whose jobs from before the history start where they really started', () => {
    const { history, before } = historyCutMidway();
    const trace = JSON.parse([...savedTraceChunks(snapshotHistory(history, CONTEXT))].join('')) as TraceDocument;
    const started = before.filter((e) => e.type === 'job-started');
    expect(trace.otherData.originEpochMs).toBe(Math.min(...started.map((e) => e.at)));
    for (const start of started) {
      const slice = trace.traceEvents.find((e) => e.ph === 'X' && e.name === `GET /sleep #${start.requestId}`);
      expect(slice, `job ${start.requestId}`).toBeDefined();
      expect(slice!.ts).toBe(Math.round((start.at - trace.otherData.originEpochMs) * 1000));
      expect(slice!.dur).toBe(100_000);
    }
    // The two jobs that waited when the history began: their waits begin when they joined the queue.
    const waits = trace.traceEvents.filter((e) => e.ph === 'b').map((e) => e.id2!.local);
    expect(waits).toEqual(['3', '4']);
    expect(trace.traceEvents.filter((e) => e.ph === 'e').map((e) => e.id2!.local)).toEqual(['3', '4']);
  });
});

describe("the history's bounds, changed while it runs", () => {
  it('a shorter bound drops the oldest events at once; a longer one lets the history grow again', () => {
    const { before, after } = burstCutMidway();
    const all = [...before, ...after];
    const history = new EventHistory({ maxEvents: 1_000, startAt: T0 - 1 });
    for (const event of all) history.append(event);
    const stateAtEnd = history.stateAt(all.at(-1)!.at);

    history.setBounds({ maxAgeMs: 60_000, maxEvents: 5 }, all.at(-1)!.at);
    expect(history.bounds).toEqual({ maxAgeMs: 60_000, maxEvents: 5 });
    expect(history.eventCount).toBe(5);
    expect([...history.events()]).toEqual(all.slice(-5));
    expect(history.stateAt(all.at(-1)!.at)).toEqual(stateAtEnd);
    // The state before the oldest event held is still known, so a save from here still replays truthfully.
    const file = parseRunFile([...savedRunChunks(snapshotHistory(history, CONTEXT))].join(''));
    const replay = new EventHistory({ initialState: file.initialState!, startAt: file.header.historyStartsAt });
    for (const event of file.events) replay.append(event);
    expect(replay.stateAt(all.at(-1)!.at)).toEqual(stateAtEnd);

    history.setBounds({ maxAgeMs: 60_000, maxEvents: 1_000 }, all.at(-1)!.at);
    for (const event of after.map((e) => ({ ...e, at: e.at + 1_000 }))) history.append(event);
    expect(history.eventCount).toBe(5 + after.length);
  });

  it('a shorter age drops what is older at once', () => {
    const { before, after } = burstCutMidway();
    const history = new EventHistory({ startAt: T0 - 1 });
    for (const event of [...before, ...after]) history.append(event);
    const lastAt = after.at(-1)!.at;
    history.setBounds({ maxAgeMs: 50, maxEvents: 500_000 }, lastAt);
    expect(history.firstAt).toBeGreaterThanOrEqual(lastAt - 50);
    expect(history.evictedCount).toBeGreaterThan(0);
  });
});
