// `npm run sweep`: the sizing sweep on the command line, a thin wrapper over startSweep().
// Exit codes: 0 when every pool size was measured or Ctrl-C / SIGTERM stopped it (rows so far printed),
// 1 when a server could not start, 2 for a bad flag or a CSV file that cannot be written (see SWEEP_USAGE).

import { writeFileSync } from 'node:fs';
import { describeFileCreationError } from '../cli/file-errors';
import { UsageError } from '../cli/flags';
import { runCli, stopOnSignals } from '../cli/program';
import { withSeed } from '../shared/load-settings';
import { parseSweepFlags, SWEEP_USAGE } from './cli-args';
import { describeStop, formatProgressLine, formatSweepTable, sweepCsv } from './report-format';
import { startSweep } from './sweep';

const PROGRAM = 'poolscope sweep';

async function main(): Promise<number> {
  const { isHelp, isQuiet, csvPath, settings: parsed } = parseSweepFlags(process.argv.slice(2));
  if (isHelp || parsed === null) {
    process.stdout.write(`${SWEEP_USAGE}\n`);
    return 0;
  }
  // A CSV that cannot be written is found out now, not after the sweep has run.
  if (csvPath !== null) {
    try {
      writeFileSync(csvPath, '');
    } catch (error) {
      throw new UsageError(`--csv: cannot write ${describeFileCreationError(csvPath, error as NodeJS.ErrnoException)}`);
    }
  }
  // Drawn here, so the first line names the seed; every pool size then gets the same arrivals.
  const settings = { ...parsed, load: withSeed(parsed.load) };
  const load = settings.load;
  process.stdout.write(
    `Sweep: pool sizes ${settings.workerCounts.join(', ')}; each gets ${load.ratePerS} req/s ${load.arrivals} for ${load.durationS} s, ` +
      `${load.connections} connections, seed ${load.seed}. Ctrl-C stops.\n`,
  );
  const sweep = startSweep(settings, {
    onProgress: (progress) => {
      if (isQuiet) return;
      if (progress.load !== null) {
        if (progress.load.phase === 'running') process.stdout.write(`${formatProgressLine(progress.load)}\n`);
        return;
      }
      const finished = progress.rows[progress.index];
      if (finished !== undefined) process.stdout.write(`${describeStop(finished.load)}\n`);
      else
        process.stdout.write(
          `\n${progress.workers} worker${progress.workers === 1 ? '' : 's'} (${progress.index + 1} of ${progress.poolSizeCount}):\n`,
        );
    },
  });
  stopOnSignals(PROGRAM, () => sweep.cancel());
  const report = await sweep.done;
  if (report.isCancelled) process.stdout.write('\nStopped early (cancelled): the pool sizes measured so far.\n');
  process.stdout.write(
    `\n${formatSweepTable(report.rows)}\n\n` +
      'S: mean time a job held its worker (dispatch to result). ρ = λS/c. P(wait): share of jobs that found every worker busy. Wq: mean wait in the queue.\n' +
      'M/M/c assumes Poisson arrivals and exponential run times: run times that vary less (a single /sleep?ms=N) wait less\n' +
      'than it predicts, a mix of very short and long jobs varies more and waits more, and constant arrivals wait less.\n',
  );
  if (csvPath !== null) {
    writeFileSync(csvPath, sweepCsv(report.rows));
    process.stdout.write(`Wrote ${csvPath}\n`);
  }
  return 0;
}

runCli(PROGRAM, main);
