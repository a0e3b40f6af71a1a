// `npm run load`: the open-loop load generator on the command line, a thin wrapper over startLoad().
// Exit codes: 0 when the schedule ran to its end or Ctrl-C / SIGTERM stopped it (partial report printed),
// 1 when the server went away or could not be reached, 2 for a bad flag (see LOAD_USAGE).

import { runCli, stopOnSignals } from '../cli/program';
import { withSeed } from '../shared/load-settings';
import { LOAD_USAGE, parseLoadFlags } from './cli-args';
import { startLoad } from './load-generator';
import { describeSettings, formatLoadReport, formatProgressLine } from './report-format';

const PROGRAM = 'poolscope load';

async function main(): Promise<number> {
  const { isHelp, isQuiet, settings: parsed } = parseLoadFlags(process.argv.slice(2));
  if (isHelp || parsed === null) {
    process.stdout.write(`${LOAD_USAGE}\n`);
    return 0;
  }
  // Drawn here rather than in the run, so the first line can name the seed that repeats this run.
  const settings = withSeed(parsed);
  process.stdout.write(`Load: ${describeSettings(settings)}. Ctrl-C stops.\n`);
  const run = startLoad(settings, {
    onProgress: (progress) => {
      if (!isQuiet && progress.phase === 'running') process.stdout.write(`${formatProgressLine(progress)}\n`);
    },
  });
  stopOnSignals(PROGRAM, () => run.cancel());
  const report = await run.done;
  process.stdout.write(`\n${formatLoadReport(report)}\n`);
  if (report.stop.reason === 'server-gone') {
    process.stderr.write(`${PROGRAM}: ${report.stop.message}\n`);
    return 1;
  }
  return 0;
}

runCli(PROGRAM, main);
