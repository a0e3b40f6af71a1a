// `--record FILE`: streams a run to disk in the run file format (src/shared/run-file.ts) while the server runs.
// The header goes first, then each event as one line, written once per event-loop turn; nothing of the run is
// held beyond what the disk has not taken yet. The server never waits on the disk: past MAX_BYTES_BEHIND of
// unwritten text the recording stops at a line boundary (the file stays a valid run that ends early) and the
// events after it are counted, never written with a gap that would make a replay show a false state.
// Flushed on close (graceful stop) and, synchronously, when the process exits at once (a second Ctrl-C).
// Opened before the program listens, written only once it does (begin()): a program that cannot start (its port
// taken, say by another one recording to the same FILE) leaves an existing FILE as it was (discard()).

import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, unlinkSync, write, writeSync } from 'node:fs';
import { APP_INFO } from '../shared/app-info';
import type { ServerEvent } from '../shared/events';
import { createRunFileHeader, type RunFileHeader, serializeRunFileHeader, serializeServerEvent } from '../shared/run-file';
import type { ServerSettings } from '../shared/settings';
import { describeFileCreationError, describeFileError } from './file-errors';
import { UsageError } from './flags';

/** Unwritten text allowed before the recording stops: far beyond what a working disk ever falls behind. */
export const MAX_BYTES_BEHIND = 64 * 1024 * 1024;

export const RECORD_FLAG_HELP = {
  flag: 'record',
  valueName: 'FILE',
  help: 'stream every event to FILE as it happens (a .poolscope.jsonl run file)',
} as const;

export interface RecordingSummary {
  file: string;
  /** Events written to the file. */
  eventCount: number;
  /** Events after the recording stopped (the disk fell behind, or a write failed); 0 for a whole run. */
  unrecordedEventCount: number;
  /** Why the recording stopped early; null when it ran to the end. */
  stoppedBecause: string | null;
  /** When the first unrecorded event happened (ms since the Unix epoch); null when none was missed. */
  stoppedAt: number | null;
}

export interface RecordingStart {
  /** The settings the server starts with; each run's own are also on its server-listening event. */
  settings: ServerSettings;
  /** When recording begins, on the event clock (ms since the Unix epoch): the header's historyStartsAt. */
  startedAt: number;
}

export interface RunRecorderOptions {
  maxBytesBehind?: number;
  /** Told once, at the moment the recording stops early, so the program can say so while it keeps serving. */
  onStop?: (summary: RecordingSummary) => void;
  /**
   * Told once the process exits before the recording was closed (a second Ctrl-C), after what was queued is written:
   * the program says what the file holds, as a graceful stop's last line does. Runs inside 'exit': write synchronously.
   */
  onExitFlushed?: (summary: RecordingSummary) => void;
}

interface Chunk {
  bytes: Buffer;
  /** Where in the file these bytes go: writes carry their position, so an exit-time flush can redo one safely. */
  position: number;
}

export class RunRecorder {
  private readonly maxBytesBehind: number;
  private pendingEvents: ServerEvent[] = [];
  private isFlushScheduled = false;
  private readonly chunks: Chunk[] = [];
  private inFlight: Chunk | null = null;
  private nextPosition = 0;
  private bytesBehind = 0;
  private eventCount = 0;
  private unrecordedEventCount = 0;
  private stoppedBecause: string | null = null;
  private stoppedAt: number | null = null;
  private fd: number | null;
  /** Set by begin(): until then the header and events wait in `chunks`, and FILE keeps what it held. */
  private isBegun = false;
  private drained: (() => void) | null = null;
  private closing: Promise<RecordingSummary> | null = null;

  private constructor(
    readonly file: string,
    /** Whether open() created FILE (so discard() removes it) rather than found it. */
    private readonly isCreated: boolean,
    fd: number,
    header: RunFileHeader,
    private readonly options: RunRecorderOptions,
  ) {
    this.fd = fd;
    this.maxBytesBehind = options.maxBytesBehind ?? MAX_BYTES_BEHIND;
    process.on('exit', this.flushAtExit);
    this.enqueue(serializeRunFileHeader(header));
  }

  /**
   * Opens FILE for writing, creating it if need be, and queues the header; nothing is written, and an existing FILE is
   * not emptied, before begin(). A path that cannot be written throws a UsageError naming the problem, so a program
   * refuses it with exit 2 before its server starts.
   */
  static open(file: string, start: RecordingStart, options: RunRecorderOptions = {}): RunRecorder {
    if (file === '') throw new UsageError('--record: give a file name');
    let fd: number;
    let isCreated = true;
    try {
      try {
        fd = openSync(file, 'wx', 0o644);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        isCreated = false;
        fd = openSync(file, constants.O_WRONLY);
      }
    } catch (error) {
      throw new UsageError(`--record ${describeFileCreationError(file, error as NodeJS.ErrnoException)}`);
    }
    const header = createRunFileHeader({
      app: APP_INFO,
      settings: start.settings,
      strategy: start.settings.strategy,
      historyStartsAt: start.startedAt,
      droppedEventCount: 0,
    });
    return new RunRecorder(file, isCreated, fd, header, options);
  }

  /** The event stream's listener: cheap (a push), the serializing and writing happen once per event-loop turn. */
  readonly record = (event: ServerEvent): void => {
    if (this.stoppedBecause !== null || this.closing !== null) {
      this.unrecordedEventCount++;
      return;
    }
    this.pendingEvents.push(event);
    if (!this.isFlushScheduled) {
      this.isFlushScheduled = true;
      setImmediate(this.flush);
    }
  };

  get summary(): RecordingSummary {
    return {
      file: this.file,
      eventCount: this.eventCount,
      unrecordedEventCount: this.unrecordedEventCount,
      stoppedBecause: this.stoppedBecause,
      stoppedAt: this.stoppedAt,
    };
  }

  /** The program listens: FILE is emptied (a regular file: a device such as /dev/null has nothing to empty) and written. */
  begin(): void {
    if (this.isBegun || this.fd === null) return;
    this.isBegun = true;
    try {
      if (fstatSync(this.fd).isFile()) ftruncateSync(this.fd, 0);
    } catch (error) {
      this.stop(describeFileError(this.file, error as NodeJS.ErrnoException), null);
      return;
    }
    this.writeNext();
  }

  /**
   * The program could not start: closes FILE without writing to it, and removes it if open() created it. Events
   * recorded after this are dropped.
   */
  discard(): void {
    const fd = this.fd;
    this.fd = null;
    this.closing ??= Promise.resolve(this.summary);
    process.off('exit', this.flushAtExit);
    if (fd === null || this.isBegun) return;
    closeSync(fd);
    if (this.isCreated) {
      try {
        unlinkSync(this.file);
      } catch {
        // Already gone, or not ours to remove any more: nothing was written to it either way.
      }
    }
  }

  /** Writes what is left, syncs it to the disk and closes the file. Events recorded after this are counted, not written. */
  close(): Promise<RecordingSummary> {
    this.begin();
    this.closing ??= (async () => {
      this.flush();
      if (this.inFlight !== null || this.chunks.length > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      process.off('exit', this.flushAtExit);
      const fd = this.fd;
      this.fd = null;
      if (fd !== null) {
        try {
          fsyncSync(fd);
        } catch {
          // A file system without fsync (a pipe, /dev/null) has nothing more to flush.
        }
        closeSync(fd);
      }
      return this.summary;
    })();
    return this.closing;
  }

  private readonly flush = (): void => {
    this.isFlushScheduled = false;
    const events = this.pendingEvents;
    if (events.length === 0) return;
    this.pendingEvents = [];
    let text = '';
    for (let i = 0; i < events.length; i++) text += serializeServerEvent(events[i]!);
    if (this.stoppedBecause !== null) {
      this.unrecordedEventCount += events.length;
      return;
    }
    if (this.bytesBehind + Buffer.byteLength(text) > this.maxBytesBehind) {
      this.stop(`writing fell more than ${formatBytes(this.maxBytesBehind)} behind the server`, events[0]!.at);
      this.unrecordedEventCount += events.length;
      return;
    }
    this.eventCount += events.length;
    this.enqueue(text);
  };

  private enqueue(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    this.chunks.push({ bytes, position: this.nextPosition });
    this.nextPosition += bytes.length;
    this.bytesBehind += bytes.length;
    this.writeNext();
  }

  /** One write at a time, the queued chunks joined into it. */
  private writeNext(): void {
    if (this.inFlight !== null || this.fd === null || !this.isBegun) return;
    if (this.chunks.length === 0) {
      this.drained?.();
      this.drained = null;
      return;
    }
    const first = this.chunks[0]!;
    const chunk: Chunk =
      this.chunks.length === 1 ? first : { bytes: Buffer.concat(this.chunks.map((c) => c.bytes)), position: first.position };
    this.chunks.length = 0;
    this.inFlight = chunk;
    write(this.fd, chunk.bytes, 0, chunk.bytes.length, chunk.position, (error, written) => {
      this.inFlight = null;
      if (error) {
        this.stop(describeFileError(this.file, error), null);
        this.chunks.length = 0;
        this.bytesBehind = 0;
        this.writeNext();
        return;
      }
      this.bytesBehind -= written;
      // A short write (a full disk can give one): the rest goes first next time.
      if (written < chunk.bytes.length) this.chunks.unshift({ bytes: chunk.bytes.subarray(written), position: chunk.position + written });
      this.writeNext();
    });
  }

  private stop(reason: string, at: number | null): void {
    if (this.stoppedBecause !== null) return;
    this.stoppedBecause = reason;
    this.stoppedAt = at;
    this.options.onStop?.(this.summary);
  }

  /** The process exits now (process.exit after a second Ctrl-C): write what is queued, synchronously, and close. */
  private readonly flushAtExit = (): void => {
    const fd = this.fd;
    if (fd === null) return;
    if (!this.isBegun) {
      this.discard();
      return;
    }
    this.fd = null;
    this.flush();
    try {
      for (const chunk of [...(this.inFlight ? [this.inFlight] : []), ...this.chunks]) {
        for (let done = 0; done < chunk.bytes.length; ) {
          done += writeSync(fd, chunk.bytes, done, chunk.bytes.length - done, chunk.position + done);
        }
      }
      closeSync(fd);
    } catch {
      // Exiting anyway: what reached the file stays a valid run up to its last whole line.
    }
    this.options.onExitFlushed?.(this.summary);
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/** The line a program prints when a second Ctrl-C ends it at once: what the file holds, and that it ends mid-run. */
export function describeRecordingAtExit(summary: RecordingSummary): string {
  const recorded = describeRecording(summary).replace(/\.$/, '');
  return `${recorded}; it ends where the server was stopped at once (jobs still running then are unfinished in it).`;
}

/** Writes a line to stdout from an 'exit' listener: synchronously, and never throwing (a reader may be gone). */
export function writeLineAtExit(line: string): void {
  try {
    writeSync(1, `${line}\n`);
  } catch {
    // Nobody reads stdout any more: the file is written all the same.
  }
}

/** The line a program prints when it stops: how much the file holds, and what it missed if it stopped early. */
export function describeRecording(summary: RecordingSummary): string {
  const recorded = `Recorded ${summary.eventCount.toLocaleString('en-US')} events to ${summary.file}`;
  if (summary.stoppedBecause === null) return `${recorded}.`;
  const missed = summary.unrecordedEventCount.toLocaleString('en-US');
  return `${recorded}; the recording stopped early (${summary.stoppedBecause}) and ${missed} later events are not in it.`;
}
