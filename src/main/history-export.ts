// Save run… and Export trace of the controller's live history, as the main side writes them: the file's name,
// its chunks, and streaming them with backpressure to a dashboard download (an HTTP response) or to a file the
// Electron save dialog chose (written beside it and renamed into place only when complete). Plain Node.

import { createWriteStream, renameSync, rmSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type HistorySnapshot, savedRunChunks, savedTraceChunks, snapshotHistory } from '../history/saved-run';
import { APP_INFO } from '../shared/app-info';
import { RUN_FILE_EXTENSION } from '../shared/run-file';
import type { HistoryExportKind } from '../shared/wire';
import type { ServerController } from './server-controller';

export const TRACE_FILE_EXTENSION = '.trace.json';

/** What each export is, for a download's headers and a save dialog's filter. */
export const HISTORY_EXPORTS = {
  run: { extension: RUN_FILE_EXTENSION, contentType: 'application/x-ndjson; charset=utf-8', filterName: 'Poolscope run' },
  trace: { extension: TRACE_FILE_EXTENSION, contentType: 'application/json; charset=utf-8', filterName: 'Chrome trace' },
} as const satisfies Record<HistoryExportKind, { extension: string; contentType: string; filterName: string }>;

const twoDigits = (n: number) => String(n).padStart(2, '0');

/** `poolscope-2026-11-29-153826.poolscope.jsonl`: the local date and time of the save, no characters a file system refuses. */
export function exportFileName(kind: HistoryExportKind, date: Date): string {
  const day = `${date.getFullYear()}-${twoDigits(date.getMonth() + 1)}-${twoDigits(date.getDate())}`;
  const time = `${twoDigits(date.getHours())}${twoDigits(date.getMinutes())}${twoDigits(date.getSeconds())}`;
  return `poolscope-${day}-${time}${HISTORY_EXPORTS[kind].extension}`;
}

/** The controller's history as it is now. */
export function snapshotOf(controller: ServerController): HistorySnapshot {
  return snapshotHistory(controller.history, {
    app: APP_INFO,
    settings: controller.status.settings,
    now: controller.events.now(),
  });
}

/** The export's text, pulled a chunk at a time (the history is read as the chunks are asked for). */
export function exportChunks(kind: HistoryExportKind, snapshot: HistorySnapshot): Iterable<string> {
  return kind === 'run' ? savedRunChunks(snapshot) : savedTraceChunks(snapshot);
}

/** Streams the chunks into `output` at the pace it drains; rejects (and destroys it) if the history overran the save. */
export function streamChunks(chunks: Iterable<string>, output: Writable): Promise<void> {
  return pipeline(Readable.from(chunks, { objectMode: false }), output);
}

/** Writes the live history to `filePath`: beside it first, renamed into place only once complete. */
export async function writeHistoryExport(controller: ServerController, kind: HistoryExportKind, filePath: string): Promise<void> {
  const partialPath = `${filePath}.partial`;
  try {
    await streamChunks(exportChunks(kind, snapshotOf(controller)), createWriteStream(partialPath));
    renameSync(partialPath, filePath);
  } catch (error) {
    rmSync(partialPath, { force: true });
    throw error;
  }
}
