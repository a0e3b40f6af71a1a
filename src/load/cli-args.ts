// The flags of `npm run load` and `npm run sweep`: one parser, the help text with every default, and the
// mapping from a refused setting back to the flag that gave it. The checks themselves are the shared
// validators (src/shared/load-settings.ts), the same ones the UI's forms use.

import { parseArgs } from 'node:util';
import { UsageError, usageErrorFromParseArgs } from '../cli/flags';
import {
  DEFAULT_LOAD_SETTINGS,
  DEFAULT_SWEEP_WORKER_COUNTS,
  LOAD_LIMITS,
  type LoadSettings,
  type LoadSettingsField,
  type LoadSettingsInput,
  MIX_SUM_TOLERANCE,
  type SweepSettings,
  type SweepSettingsField,
  validateLoadSettings,
  validateSweepSettings,
} from '../shared/load-settings';
import { DEFAULT_SETTINGS, SETTINGS } from '../shared/settings';

const FLAG_OF: Record<LoadSettingsField | SweepSettingsField, string> = {
  url: '--url',
  ratePerS: '--rate',
  durationS: '--duration',
  mix: '--mix',
  arrivals: '--arrivals',
  connections: '--connections',
  timeoutMs: '--timeout-ms',
  seed: '--seed',
  workerCounts: '--workers',
  sleepMs: '--sleep-ms',
};

const LOAD_FLAG_HELP = `  --rate N           requests per second, more than 0 (default ${DEFAULT_LOAD_SETTINGS.ratePerS}, at most ${LOAD_LIMITS.maxRatePerS.toLocaleString('en-US')})
  --duration S       seconds of arrivals, more than 0 (default ${DEFAULT_LOAD_SETTINGS.durationS}, at most ${LOAD_LIMITS.maxDurationS})
  --mix LIST         PATH:WEIGHT,... weights sum to 1 within ${MIX_SUM_TOLERANCE} (default "${DEFAULT_LOAD_SETTINGS.mix}");
                     a single path needs no weight: --mix "/sleep?ms=50"
  --arrivals KIND    poisson (random, memoryless gaps) or constant (exactly 1/rate apart) (default ${DEFAULT_LOAD_SETTINGS.arrivals})
  --connections N    connections open at most; a request finding all busy waits client-side,
                     and that wait counts in its latency (default ${DEFAULT_LOAD_SETTINGS.connections})
  --timeout-ms N     a request without its response this long after its scheduled send time
                     is a timeout (default ${DEFAULT_LOAD_SETTINGS.timeoutMs})
  --seed N           repeat a run's exact arrival times and paths (default: random, printed)`;

export const LOAD_USAGE = `Usage: npm run load -- [options]

Sends GET requests at a steady rate whatever the server does (open loop) and measures each one from its
scheduled send time, so a stalled server cannot hide its slowest answers (no coordinated omission).

  --url URL          the server, http:// on localhost or a loopback address only (default ${DEFAULT_LOAD_SETTINGS.url})
${LOAD_FLAG_HELP}
  --quiet            no line per second, only the final report
  --help             show this help

Exit codes: 0 when the schedule ran to its end or was stopped with Ctrl-C / SIGTERM (the partial report
is printed; a second Ctrl-C quits at once with 130); 1 when the server went away (connection refused)
or could not be reached; 2 for a bad flag.`;

export const SWEEP_USAGE = `Usage: npm run sweep -- [options]

Runs the same open-loop load against a fresh Poolscope server (on 127.0.0.1, a free port) for each pool
size, and prints latency, throughput and the measured queue beside the M/M/c (Erlang C) prediction.

  --workers LIST     pool sizes, each ${SETTINGS.workerCount.min}..${SETTINGS.workerCount.max} (default ${DEFAULT_SWEEP_WORKER_COUNTS})
  --sleep-ms N       how long GET /sleep without ?ms= blocks a worker (default ${DEFAULT_SETTINGS.sleepMs})
${LOAD_FLAG_HELP.replace('seconds of arrivals,', 'seconds of arrivals per pool size,')}
  --csv FILE         also write the table as CSV
  --quiet            no progress lines, only the table
  --help             show this help

Exit codes: 0 when every pool size was measured or the sweep was stopped with Ctrl-C / SIGTERM (the
rows finished so far are printed); 1 when a server could not start; 2 for a bad flag or a CSV file that cannot be written.`;

const COMMON_OPTIONS = {
  rate: { type: 'string' },
  duration: { type: 'string' },
  mix: { type: 'string' },
  arrivals: { type: 'string' },
  connections: { type: 'string' },
  'timeout-ms': { type: 'string' },
  seed: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

function parseFlags<Extra extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], extra: Extra) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...extra }, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (error) {
    throw usageErrorFromParseArgs(error, argv);
  }
}

/** The load fields every command takes, as typed: the validator reads text. */
function loadInputOf(values: Record<string, string | boolean | undefined>): Omit<LoadSettingsInput, 'url'> {
  return {
    ratePerS: values.rate,
    durationS: values.duration,
    mix: values.mix,
    arrivals: values.arrivals,
    connections: values.connections,
    timeoutMs: values['timeout-ms'],
    seed: values.seed,
  };
}

function refusal(field: LoadSettingsField | SweepSettingsField, error: string): UsageError {
  return new UsageError(`${FLAG_OF[field]}: ${error}`);
}

export interface LoadFlags {
  isHelp: boolean;
  isQuiet: boolean;
  settings: LoadSettings | null;
}

/** Parses `npm run load` flags; a bad one throws a UsageError naming the flag (exit 2). */
export function parseLoadFlags(argv: string[]): LoadFlags {
  const values = parseFlags(argv, { url: { type: 'string' } });
  if (values.help === true) return { isHelp: true, isQuiet: false, settings: null };
  const checked = validateLoadSettings({ url: values.url, ...loadInputOf(values) });
  if (!checked.ok) throw refusal(checked.field, checked.error);
  return { isHelp: false, isQuiet: values.quiet === true, settings: checked.value };
}

export interface SweepFlags {
  isHelp: boolean;
  isQuiet: boolean;
  csvPath: string | null;
  settings: SweepSettings | null;
}

/** Parses `npm run sweep` flags; a bad one throws a UsageError naming the flag (exit 2). */
export function parseSweepFlags(argv: string[]): SweepFlags {
  const values = parseFlags(argv, { workers: { type: 'string' }, 'sleep-ms': { type: 'string' }, csv: { type: 'string' } });
  if (values.help === true) return { isHelp: true, isQuiet: false, csvPath: null, settings: null };
  const csvPath = (values.csv as string | undefined) ?? null;
  if (csvPath === '') throw new UsageError('--csv: give a file name');
  const checked = validateSweepSettings({ workerCounts: values.workers, sleepMs: values['sleep-ms'], ...loadInputOf(values) });
  if (!checked.ok) throw refusal(checked.field, checked.error);
  return { isHelp: false, isQuiet: values.quiet === true, csvPath, settings: checked.value };
}
