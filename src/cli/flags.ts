// Command-line flags of `npm run serve` and `npm run dashboard`: one parser, one --help layout and one set
// of readable errors (a bad flag is one line naming the problem, and exit code 2). The settings' flags,
// help lines, ranges and defaults come from src/shared/settings.ts; a program only declares its own extras.
//
// Why src/cli: this is Node process plumbing (argv, exit codes, signals), so it cannot live in src/shared,
// which imports nothing; and it is not the server's business, so keeping it in src/server made the
// dashboard (src/main) reach into the server's internals. Both programs import it from here instead.

import { parseArgs } from 'node:util';
import {
  checkWholeNumber,
  DEFAULT_SETTINGS,
  RECORDER_SETTING_NAMES,
  RECORDER_SETTINGS,
  type RecorderSettings,
  SETTING_NAMES,
  SETTINGS,
  type ServerSettings,
  type SettingsText,
  settingDefinition,
  settingsFromText,
  validateRecorderSettings,
  wholeNumberFromText,
} from '../shared/settings';

export class UsageError extends Error {}

/** One line of --help: `--flag VALUE` and what it does. */
export interface FlagHelp {
  flag: string;
  /** `N`, `HOST`; absent for a switch. */
  valueName?: string;
  help: string;
}

/** parseArgs' declaration of a program's own flags: strings are read as text, booleans are switches. */
export type ExtraFlagOptions = Record<string, { type: 'string' | 'boolean' }>;

export interface ParsedFlags {
  /** Every setting: from its flag, or its default. */
  settings: ServerSettings;
  /** The program's own flags as given (absent ones undefined). */
  extra: Record<string, string | boolean | undefined>;
  /** --help was given: print the help and nothing else (the other flags are not checked). */
  isHelp: boolean;
}

const SETTING_OPTIONS = Object.fromEntries(SETTING_NAMES.map((name) => [SETTINGS[name].flag, { type: 'string' }])) as ExtraFlagOptions;

/** The settings' lines of --help, in SETTINGS order, each with its range and default. */
export function settingsFlagHelp(): FlagHelp[] {
  return SETTING_NAMES.map((name) => {
    const definition = settingDefinition(name);
    if (definition.kind === 'host') {
      return { flag: definition.flag, valueName: 'HOST', help: `${definition.help} (default ${definition.defaultValue})` };
    }
    if (definition.kind === 'choice') {
      return {
        flag: definition.flag,
        valueName: 'NAME',
        help: `${definition.help}: ${definition.choices.join(', ')} (default ${definition.defaultValue})`,
      };
    }
    return {
      flag: definition.flag,
      valueName: 'N',
      help: `${definition.help} (${definition.min}..${definition.max}, default ${definition.defaultValue})`,
    };
  });
}

export const HELP_FLAG: FlagHelp = { flag: 'help', help: 'show this help' };

/** Flags in one aligned column, each line indented by two spaces. */
export function formatFlagHelp(lines: FlagHelp[]): string {
  const left = lines.map((line) => `--${line.flag}${line.valueName ? ` ${line.valueName}` : ''}`);
  const width = Math.max(...left.map((text) => text.length)) + 2;
  return lines.map((line, i) => `  ${left[i]!.padEnd(width)}${line.help}`).join('\n');
}

/**
 * One readable line for parseArgs' refusal. Its messages are long, some over several lines, and two are obscure:
 * `--workers -1` is "argument is ambiguous" (a value starting with a dash reads as a flag) and a flag with no value is
 * "Option '--port <value>' argument missing"; those say what is wrong and how to write it. Others keep their first
 * sentence, which names the flag.
 */
export function usageErrorFromParseArgs(error: unknown, argv: readonly string[]): UsageError {
  const message = String((error as Error).message);
  const ambiguous = /^Option '(-[^' ]+)' argument is ambiguous/.exec(message);
  if (ambiguous) {
    const flag = ambiguous[1]!;
    const at = argv.indexOf(flag);
    const next = at === -1 ? undefined : argv[at + 1];
    if (next === undefined || !next.startsWith('-')) return new UsageError(`${flag} needs a value`);
    if (next.startsWith('--')) return new UsageError(`${flag} needs a value (the flag ${next} came next)`);
    return new UsageError(
      `${flag} needs a value, and "${next}" after it reads as a flag (a value starting with a dash is written ${flag}=${next})`,
    );
  }
  const missing = /^Option '(-[^' ]+) <value>' argument missing/.exec(message);
  if (missing) return new UsageError(`${missing[1]} needs a value`);
  return new UsageError(message.split(/\.(?:\s|$)/)[0]!.trim());
}

/** Parses the settings' flags plus the program's own, or throws UsageError with one line naming the problem. */
export function parseFlags(argv: string[], extraOptions: ExtraFlagOptions = {}): ParsedFlags {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...SETTING_OPTIONS, ...extraOptions, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw usageErrorFromParseArgs(error, argv);
  }
  const extra = Object.fromEntries(Object.keys(extraOptions).map((flag) => [flag, values[flag]]));
  if (values.help === true) return { settings: { ...DEFAULT_SETTINGS }, extra, isHelp: true };
  const texts: Partial<SettingsText> = {};
  for (const name of SETTING_NAMES) {
    const raw = values[SETTINGS[name].flag];
    if (typeof raw === 'string') texts[name] = raw;
  }
  const settings = settingsFromText(texts, 'flag');
  if (!settings.ok) throw new UsageError(settings.error);
  return { settings: settings.value, extra, isHelp: false };
}

/** The recorder settings' lines of --help (`--history-s N`, `--history-events N`), each with its range and default. */
export function recorderFlagHelp(): FlagHelp[] {
  return RECORDER_SETTING_NAMES.map((name) => {
    const d = RECORDER_SETTINGS[name];
    return { flag: d.flag, valueName: 'N', help: `${d.help} (${d.min}..${d.max}, default ${d.defaultValue})` };
  });
}

/** parseArgs' declaration of the recorder settings' flags, for a program that records. */
export const RECORDER_FLAG_OPTIONS = Object.fromEntries(
  RECORDER_SETTING_NAMES.map((name) => [RECORDER_SETTINGS[name].flag, { type: 'string' }]),
) as ExtraFlagOptions;

/** The recorder settings from the program's extra flags (declared with RECORDER_FLAG_OPTIONS), or UsageError. */
export function parseRecorderFlags(extra: Record<string, string | boolean | undefined>): RecorderSettings {
  const values: Record<string, unknown> = {};
  for (const name of RECORDER_SETTING_NAMES) {
    const raw = extra[RECORDER_SETTINGS[name].flag];
    if (typeof raw === 'string') values[name] = wholeNumberFromText(raw);
  }
  const settings = validateRecorderSettings(values, 'flag');
  if (!settings.ok) throw new UsageError(settings.error);
  return settings.value;
}

/** A program's own whole-number flag (`--ui-port`, `--stop-after`): `fallback` when absent, else checked like a setting. */
export function parseWholeNumberFlag(flag: string, raw: string | boolean | undefined, fallback: number, min: number, max: number): number {
  if (typeof raw !== 'string') return fallback;
  const value = wholeNumberFromText(raw);
  const error = checkWholeNumber(`--${flag}`, value, min, max);
  if (error !== null) throw new UsageError(error);
  return value as number;
}
