// `npm run trace -- IN.poolscope.jsonl OUT.json`: a saved run as a Chrome trace, for ui.perfetto.dev and the
// DevTools Performance panel. Streams the file through the run-file parser into the trace writer and waits
// for the output to drain, so memory stays bounded whatever the run's length. The trace is written next to
// OUT and renamed into place only when complete. Exit codes: 0 done, 1 a broken run file or a file that
// cannot be read or written, 2 bad arguments.

import { once } from 'node:events';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { describeFileCreationError, describeFileError } from '../cli/file-errors';
import { UsageError, usageErrorFromParseArgs } from '../cli/flags';
import { runCli } from '../cli/program';
import { TraceJsonWriter, type TraceSummary } from '../history/trace-export';
import { formatRunSpanMs } from '../shared/durations';
import { countOf } from '../shared/plural';
import type { PoolState } from '../shared/pool-state';
import { RunFileError, type RunFileHeader, type RunFileSummary, readRunFile } from '../shared/run-file';

const PROGRAM = 'poolscope trace';

const TRACE_HELP = `Usage: npm run trace -- IN.poolscope.jsonl OUT.json

Converts a saved run (a .poolscope.jsonl file) to the Chrome Trace Event Format.
Open OUT.json in https://ui.perfetto.dev (Open trace file) or in Chrome DevTools'
Performance panel (Load profile).`;

function describeTrace(outFile: string, summary: TraceSummary): string {
  const span = summary.firstAt === null || summary.lastAt === null ? 0 : summary.lastAt - summary.firstAt;
  const unfinished = summary.unfinishedJobCount > 0 ? ` (${summary.unfinishedJobCount} unfinished)` : '';
  const runs = summary.runCount > 1 ? `, ${summary.runCount} server runs` : '';
  return `Wrote ${outFile}: ${countOf(summary.jobCount, 'job')}${unfinished} on ${countOf(summary.workerCount, 'worker')} over ${formatRunSpanMs(span)}${runs}.`;
}

/**
 * The file OUT is written as before it is renamed to OUT: hidden beside it, named for this process, and never an
 * existing file (a user's OUT.partial, or IN itself, is neither overwritten nor removed).
 */
function partialFileFor(outFile: string): string {
  return path.join(path.dirname(outFile), `.${path.basename(outFile)}.${process.pid}.partial`);
}

/** Streams IN through the parser and the trace writer into a partial file beside OUT, then renames it to OUT. */
async function convert(inFile: string, outFile: string): Promise<{ run: RunFileSummary; trace: TraceSummary }> {
  const partialFile = partialFileFor(outFile);
  const output = createWriteStream(partialFile, { flags: 'wx' });
  const input = createReadStream(inFile);
  const outputFailed = new Promise<never>((_, reject) =>
    output.once('error', (error) => reject(new Error(describeFileCreationError(outFile, error)))),
  );
  let isOutputFull = false;
  let header: RunFileHeader | undefined;
  let initialState: PoolState | null = null;
  let writer: TraceJsonWriter | undefined;
  // Made once the initial state (line 2), if any, has been read: the trace starts from it.
  const writerOf = (): TraceJsonWriter =>
    (writer ??= new TraceJsonWriter(
      header!,
      (text) => {
        if (!output.write(text)) isOutputFull = true;
      },
      undefined,
      { initialState },
    ));

  const work = async () => {
    let run: RunFileSummary;
    try {
      run = await readRunFile(input, {
        header: (read) => {
          header = read;
        },
        initialState: (state) => {
          initialState = state;
        },
        event: (event) => writerOf().add(event),
        // Backpressure: read no further until what is written so far has drained.
        afterChunk: async () => {
          if (!isOutputFull) return;
          await once(output, 'drain');
          isOutputFull = false;
        },
      });
    } catch (error) {
      throw new Error(
        error instanceof RunFileError ? `${inFile}: ${error.message}` : describeFileError(inFile, error as NodeJS.ErrnoException),
      );
    }
    const trace = writerOf().finish();
    output.end();
    await finished(output);
    return { run, trace };
  };

  try {
    const result = await Promise.race([work(), outputFailed]);
    try {
      renameSync(partialFile, outFile);
    } catch (error) {
      // OUT is a directory, most often: say so in the user's words, not rename's.
      throw new Error(describeFileError(outFile, error as NodeJS.ErrnoException));
    }
    return result;
  } catch (error) {
    input.destroy();
    output.destroy();
    rmSync(partialFile, { force: true });
    throw error;
  }
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: { help: { type: 'boolean' } }; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: process.argv.slice(2), options: { help: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageErrorFromParseArgs(error, process.argv.slice(2));
  }
  if (parsed.values.help) {
    process.stdout.write(`${TRACE_HELP}\n`);
    return 0;
  }
  const files = parsed.positionals;
  if (files.length !== 2) {
    throw new UsageError(`expected an input run file and an output trace file (got ${files.length === 0 ? 'none' : files.join(' ')})`);
  }
  const [inFile, outFile] = files as [string, string];
  if (path.resolve(inFile) === path.resolve(outFile)) throw new UsageError('the output file must not be the input file');

  const { run, trace } = await convert(inFile, outFile);
  for (const notice of run.notices) process.stderr.write(`${PROGRAM}: ${inFile}: ${notice}\n`);
  process.stdout.write(`${describeTrace(outFile, trace)}\n`);
  return 0;
}

runCli(PROGRAM, main);
