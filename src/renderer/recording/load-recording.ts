// Opening a run file in the page: a File (or any Blob with a name) is streamed through the run-file reader in
// the chunks the browser reads it in, never as one string, and becomes a Recording, or one message naming the
// line and the problem. Pure: no DOM globals; it needs only `source.stream()`, so tests feed it Node's Blob.
// The Recording is the one thing the replay is built from (the store's openRecording).

import type { ServerEvent } from '../../shared/events';
import type { PoolState } from '../../shared/pool-state';
import { RunFileError, type RunFileHeader, readRunFile } from '../../shared/run-file';

/** A run as it was read from a file: what the replay shows. */
export interface Recording {
  fileName: string;
  header: RunFileHeader;
  /** The pool just before the first event (the file's initial-state line, since 1.5); null or absent when it has none. */
  initialState?: PoolState | null;
  /** Every event of the file, in file (and time) order. */
  events: ServerEvent[];
  /** What the person should know although it opened: a dropped incomplete last line, skipped event types. */
  notices: string[];
}

export type RecordingLoad =
  | { ok: true; recording: Recording }
  | {
      ok: false;
      /** One sentence for the message stack: the file, the line and the problem. */
      error: string;
      /** 1-based; null when the problem is the file as a whole (empty, unreadable, not UTF-8). */
      line: number | null;
    };

/** The part of a ReadableStream's reader the loader uses (Blob.stream() in a browser and in Node alike). */
interface ByteReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/** A File, or any Blob given a name. */
export interface RunFileSource {
  readonly name: string;
  stream(): { getReader(): ByteReader };
}

/** Reads the source chunk by chunk, as the browser hands them over; stops reading when the consumer stops. */
async function* chunksOf(source: RunFileSource): AsyncGenerator<Uint8Array> {
  const reader = source.stream().getReader();
  let isDone = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        isDone = true;
        return;
      }
      if (value !== undefined && value.byteLength > 0) yield value;
    }
  } finally {
    // A broken file stops the parser mid-way: let the browser stop reading the rest of it.
    if (!isDone) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

export async function loadRecording(source: RunFileSource): Promise<RecordingLoad> {
  const events: ServerEvent[] = [];
  try {
    const summary = await readRunFile(chunksOf(source), {
      header: () => {},
      event: (event) => {
        events.push(event);
      },
    });
    return {
      ok: true,
      recording: { fileName: source.name, header: summary.header, initialState: summary.initialState, events, notices: summary.notices },
    };
  } catch (error) {
    if (error instanceof RunFileError) return { ok: false, error: `Could not open ${source.name}: ${error.message}`, line: error.line };
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `Could not open ${source.name}: the file could not be read (${reason})`, line: null };
  }
}
