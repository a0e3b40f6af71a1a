// The bench programs' command lines: number flags read against one rule each, and how a program ends on bad
// input (one readable line naming the flag, exit code 2) or on a failure (one line, exit code 1).

import { killAllPrograms } from '../test/support/processes';

/** Bad input on the command line: the program prints its message alone and exits 2. */
export class BenchUsageError extends Error {}

export interface NumberRule {
  isValid: (value: number) => boolean;
  /** Completes "--flag must be …". */
  says: string;
}

export const atLeast = (min: number, unit = 'a number'): NumberRule => ({
  isValid: (value) => Number.isFinite(value) && value >= min,
  says: `${unit}, at least ${min}`,
});

export const positive = (unit = 'a number'): NumberRule => ({
  isValid: (value) => Number.isFinite(value) && value > 0,
  says: `${unit} above 0`,
});

export const wholeAtLeast = (min: number): NumberRule => ({
  isValid: (value) => Number.isInteger(value) && value >= min,
  says: `a whole number of at least ${min}`,
});

/** The flag's number, `fallback` when it is not given; a BenchUsageError when it breaks `rule`. */
export function numberFlag(flag: string, text: string | undefined, fallback: number, rule: NumberRule): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  // Number('') and Number(' ') are 0: an empty value is not a number the user gave.
  if (text.trim() === '' || !rule.isValid(value)) throw new BenchUsageError(`--${flag} must be ${rule.says} (got "${text}")`);
  return value;
}

const isUsageError = (error: unknown): boolean =>
  error instanceof BenchUsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS_') === true;

function exitWith(program: string, error: unknown, helpHint: string): never {
  killAllPrograms();
  const isUsage = isUsageError(error);
  process.stderr.write(`${program}: ${(error as Error)?.message ?? String(error)}${isUsage ? helpHint : ''}\n`);
  process.exit(isUsage ? 2 : 1);
}

/**
 * Runs a bench program's main: a BenchUsageError (or parseArgs' own, for an unknown flag) ends it with one line and
 * exit code 2, anything else with one line and exit code 1; child programs still running are stopped either way.
 */
export function runBenchProgram(program: string, main: () => Promise<void>, helpHint = ''): void {
  main().catch((error: unknown) => exitWith(program, error, helpHint));
}

/** The same for a program that reads its flags at the top level: what `read` returns, or one line and exit code 2. */
export function readFlagsOrExit<T>(program: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    exitWith(program, error, '');
  }
}
