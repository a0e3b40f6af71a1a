// Command-line flags shared by `npm run serve` and `npm run dashboard`: one parser, one set of
// readable errors (a bad flag is one line naming the problem, and exit code 2).

import { parseArgs } from 'node:util';
import { SETTINGS_LIMITS } from '../shared/commands';
import { DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SLEEP_MS, DEFAULT_WORKER_COUNT } from './server';

export class UsageError extends Error {}

export interface ServeFlags {
  host: string;
  port: number;
  workerCount: number;
  sleepMs: number;
  stopAfterRequests: number | undefined;
  isHelp: boolean;
}

export const SERVE_FLAG_HELP = `  --host HOST        interface to bind (default ${DEFAULT_HOST})
  --port N           TCP port, 0 for any free one (default ${DEFAULT_PORT})
  --workers N        thread pool size, ${SETTINGS_LIMITS.minWorkerCount}..${SETTINGS_LIMITS.maxWorkerCount} (default ${DEFAULT_WORKER_COUNT})
  --sleep-ms N       how long GET /sleep blocks its worker (default ${DEFAULT_SLEEP_MS})
  --stop-after N     shut down gracefully after N requests (the book's take(N))
  --help             show this help`;

const SERVE_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  workers: { type: 'string' },
  'sleep-ms': { type: 'string' },
  'stop-after': { type: 'string' },
  help: { type: 'boolean' },
} as const;

export function parseWholeNumber(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${flag} must be a whole number (got "${raw}")`);
  const value = Number(raw);
  if (flag === 'workers' && value === 0) throw new UsageError('--workers must be at least 1: a pool of 0 workers could never run a job');
  if (value < min || value > max) throw new UsageError(`--${flag} must be between ${min} and ${max} (got ${value})`);
  return value;
}

/** Parses serve flags plus any extra options the caller declares (the dashboard's --ui-port). */
export function parseServeFlags<Extra extends Record<string, { type: 'string' | 'boolean' }>>(
  argv: string[],
  extraOptions: Extra = {} as Extra,
): { flags: ServeFlags; extra: Record<string, string | boolean | undefined> } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...SERVE_OPTIONS, ...extraOptions }, strict: true, allowPositionals: false }));
  } catch (error) {
    // parseArgs' messages are long; keep the first sentence, which names the flag.
    throw new UsageError(
      String((error as Error).message)
        .split('. ')[0]!
        .replace(/\.$/, ''),
    );
  }
  const host = (values.host as string | undefined) ?? DEFAULT_HOST;
  if (host.length === 0) throw new UsageError('--host must not be empty');
  const stopAfterRaw = values['stop-after'] as string | undefined;
  const flags: ServeFlags = {
    host,
    port: parseWholeNumber('port', values.port as string | undefined, DEFAULT_PORT, 0, SETTINGS_LIMITS.maxPort),
    workerCount: parseWholeNumber(
      'workers',
      values.workers as string | undefined,
      DEFAULT_WORKER_COUNT,
      SETTINGS_LIMITS.minWorkerCount,
      SETTINGS_LIMITS.maxWorkerCount,
    ),
    sleepMs: parseWholeNumber('sleep-ms', values['sleep-ms'] as string | undefined, DEFAULT_SLEEP_MS, 0, SETTINGS_LIMITS.maxSleepMs),
    stopAfterRequests: stopAfterRaw === undefined ? undefined : parseWholeNumber('stop-after', stopAfterRaw, 0, 1, Number.MAX_SAFE_INTEGER),
    isHelp: values.help === true,
  };
  return { flags, extra: values };
}
