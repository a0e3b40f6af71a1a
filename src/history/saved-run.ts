// Save run… and Export trace for the live history: what the flight recorder holds at one moment as a run file's
// parts (the header, the state at the history's start, the events), read from the recorder in bounded steps
// while the file is written, never copied whole. Pure: a caller streams the chunks to a socket or a file.

import type { ServerEvent } from '../shared/events';
import type { PoolState } from '../shared/pool-state';
import { createRunFileHeader, type RunFileHeader, runFileChunks } from '../shared/run-file';
import type { ServerSettings } from '../shared/settings';
import type { EventHistory } from './event-history';
import { traceChunks } from './trace-export';

/** Events read from the recorder at a time: a step between two checks that none it has yet to read left. */
const READ_STEP_EVENTS = 1024;

/** The history dropped events a save had yet to write (it fell behind a busy server): the file would have a gap. */
export class HistoryOverrunError extends Error {
  override readonly name = 'HistoryOverrunError';
}

/** What the history does not know about the run it saves. */
export interface SavedRunContext {
  app: { name: string; version: string };
  /** The settings to name when the history knows no run's (none listened yet): the controller's. */
  settings: ServerSettings;
  /** The moment of the save (the server's clock): a live trace closes what still runs here. */
  now: number;
}

/** The history as it was at one moment, as a run file: its events are read when iterated. */
export interface HistorySnapshot {
  header: RunFileHeader;
  /** The pool just before the first event, when a server had run before it; else null (the file has no such line). */
  initialState: PoolState | null;
  /** Events in the snapshot, from the oldest held to the newest at the moment it was taken. */
  eventCount: number;
  /** The moment it was taken. */
  takenAt: number;
  /** The events, read lazily; throws HistoryOverrunError once the history has dropped one not yet read. */
  events(): Iterable<ServerEvent>;
}

/** The history now; nothing is copied but its initial state. */
export function snapshotHistory(history: EventHistory, context: SavedRunContext): HistorySnapshot {
  const fromSeq = history.oldestSeq;
  const toSeq = history.nextSeq;
  const state = history.initialState();
  const settings = history.runs().findLast((run) => run.settings !== null)?.settings ?? context.settings;
  const header = createRunFileHeader({
    app: context.app,
    settings,
    // How the run served requests: the strategy of the settings the header names.
    strategy: settings.strategy,
    historyStartsAt: state.at,
    droppedEventCount: history.evictedCount,
  });
  return {
    header,
    initialState: state.runId > 0 ? state : null,
    eventCount: toSeq - fromSeq,
    takenAt: context.now,
    events: () => eventsBetween(history, fromSeq, toSeq),
  };
}

function* eventsBetween(history: EventHistory, fromSeq: number, toSeq: number): Generator<ServerEvent> {
  const batch: ServerEvent[] = [];
  for (let seq = fromSeq; seq < toSeq; ) {
    if (seq < history.oldestSeq) {
      throw new HistoryOverrunError(
        `the history dropped ${(history.oldestSeq - seq).toLocaleString('en-US')} events before they could be written: the server outpaced the save`,
      );
    }
    batch.length = 0;
    seq = history.readEvents(seq, Math.min(READ_STEP_EVENTS, toSeq - seq), (event) => batch.push(event));
    yield* batch;
  }
}

/** The snapshot as a run file, in text chunks of about 64 KiB. */
export function savedRunChunks(snapshot: HistorySnapshot): Generator<string> {
  return runFileChunks(snapshot.header, snapshot.events(), { initialState: snapshot.initialState });
}

/** The snapshot as a Chrome trace, in text chunks: what still runs is closed at the moment it was taken. */
export function savedTraceChunks(snapshot: HistorySnapshot): Generator<string> {
  return traceChunks(snapshot.header, snapshot.events(), { initialState: snapshot.initialState, endAt: snapshot.takenAt });
}
