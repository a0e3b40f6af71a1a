// The server's settings, declared once. Each entry holds a setting's type, default and limits, the words a
// person reads (its label in the UI and in messages, its flag and help line on the command line) and
// whether the settings form shows it. The command line (parser and --help), every validator (the UI form,
// commands from a viewer, startServer), the controller and the server-listening event derive from this
// table: adding a setting is adding one entry to SETTINGS. The entry then shows up by itself in --help and the
// flags, every validator, the form (when it has `form`), the controller's start and the server-listening
// event; the server only has to use the value (`options.settings.<name>` in server.ts). The run file format
// (src/shared/run-file.ts) asks, at compile time, in which of its minor versions the setting appeared.
// A new *kind* of value adds a SettingDefinition variant and its case in checkSetting(), settingsFromText(),
// the CLI's help line and the form's field (the strategy is the one 'choice' so far).

interface SettingBase {
  /** What a person calls it: the subject of validation messages in the UI and in command results. */
  readonly label: string;
  /** The command-line flag, without its dashes (`workers` for `--workers N`). */
  readonly flag: string;
  /** What it does, in a few words, for --help and the README (the range and the default are added from the entry). */
  readonly help: string;
  /** Present when the settings form shows it: the input's id (a test hook) and, if shorter than `label`, its caption. */
  readonly form?: { readonly inputId: string; readonly label?: string };
}

export interface WholeNumberSetting extends SettingBase {
  readonly kind: 'whole-number';
  readonly defaultValue: number;
  readonly min: number;
  readonly max: number;
  /** When 0 is below `min`: why, said after "must be at least {min}:". */
  readonly whyNotZero?: string;
  /**
   * When 0 turns the setting off, the word for it ('never'): the form shows 0 as an empty field with this word as
   * its placeholder and reads an empty field as 0, and a person reads the word wherever the value is shown.
   */
  readonly zeroMeans?: string;
}

/** An interface to bind: an IP literal or `localhost` (never a name that needs DNS). */
export interface HostSetting extends SettingBase {
  readonly kind: 'host';
  readonly defaultValue: string;
}

/** One of a fixed list of words (the strategy). */
export interface ChoiceSetting extends SettingBase {
  readonly kind: 'choice';
  readonly choices: readonly string[];
  readonly defaultValue: string;
}

export type SettingDefinition = WholeNumberSetting | HostSetting | ChoiceSetting;

/**
 * How the server runs requests: the four servers of the book's chapter (ch. 21), each serving the same routes,
 * parser, limits and events.
 * - 'single': one thread, one connection at a time (listing 21-10): a /sleep holds every other client.
 * - 'per-request': a fresh thread for every request, with no bound of its own (listing 21-11).
 * - 'pool': the final ThreadPool, workers taking jobs from one queue (the default).
 * - 'pool-while-let': the pool whose workers hold the queue's lock for the whole job (listing 21-21's pitfall).
 */
export const STRATEGIES = ['single', 'per-request', 'pool', 'pool-while-let'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Each strategy as a reader finds it in the book's chapter: what it is and its listing. */
export const STRATEGY_TITLES: Record<Strategy, string> = {
  single: 'Single thread (21-10)',
  'per-request': 'Thread per request (21-11)',
  pool: 'ThreadPool (final)',
  'pool-while-let': 'while let pool (21-21)',
};

/** Whether the pool size (workerCount) decides how many threads run requests: only where the strategy has a pool. */
export function hasPool(strategy: Strategy): boolean {
  return strategy === 'pool' || strategy === 'pool-while-let';
}

/**
 * The threads a server starts with to run requests, each a worker id and a lane in the views: the pool's size,
 * the single thread, or none for 'per-request' (its threads come and go with their requests).
 */
export function startingThreadCountOf(settings: Pick<ServerSettings, 'strategy' | 'workerCount'>): number {
  return settings.strategy === 'single' ? 1 : settings.strategy === 'per-request' ? 0 : settings.workerCount;
}

/** The threads a run keeps for its whole life, or null for 'per-request', whose threads come and go. */
export function fixedThreadCountOf(settings: Pick<ServerSettings, 'strategy' | 'workerCount'>): number | null {
  return settings.strategy === 'per-request' ? null : startingThreadCountOf(settings);
}

/**
 * How many jobs can run at once: the c of the queueing model. The pool's size; one for the single thread, and one for
 * the `while let` pool too, whose worker keeps the queue's lock while its job runs; the thread limit for a thread per
 * request.
 */
export function concurrentJobLimitOf(settings: Pick<ServerSettings, 'strategy' | 'workerCount' | 'maxThreads'>): number {
  if (settings.strategy === 'pool') return settings.workerCount;
  return settings.strategy === 'per-request' ? settings.maxThreads : 1;
}

/** Declaration order is the order of --help, of the form's fields and of validation. */
export const SETTINGS = {
  strategy: {
    kind: 'choice',
    choices: STRATEGIES,
    defaultValue: 'pool',
    label: 'Strategy',
    flag: 'strategy',
    help: "how requests run: the chapter's four servers",
    form: { inputId: 'setting-strategy' },
  },
  host: {
    kind: 'host',
    defaultValue: '127.0.0.1',
    label: 'Host',
    flag: 'host',
    help: 'interface the server binds',
  },
  port: {
    kind: 'whole-number',
    defaultValue: 7878,
    min: 0,
    max: 65_535,
    label: 'Port',
    flag: 'port',
    help: 'TCP port, 0 for any free one',
    form: { inputId: 'setting-port' },
  },
  workerCount: {
    kind: 'whole-number',
    defaultValue: 4,
    min: 1,
    // Each worker is a whole V8 isolate (megabytes of heap, a thread) and a lane in the UI: more is a typo, not a plan.
    max: 64,
    label: 'Pool size',
    flag: 'workers',
    help: 'thread pool size',
    whyNotZero: 'a pool of 0 workers could never run a job',
    form: { inputId: 'setting-pool-size' },
  },
  sleepMs: {
    kind: 'whole-number',
    defaultValue: 5_000,
    min: 0,
    max: 60_000,
    label: 'Sleep duration (ms)',
    flag: 'sleep-ms',
    help: 'how long GET /sleep blocks its worker',
    form: { inputId: 'setting-sleep-ms', label: 'Sleep (ms)' },
  },
  maxQueuedJobs: {
    kind: 'whole-number',
    defaultValue: 1_024,
    min: 0,
    max: 100_000,
    label: 'Queue limit',
    flag: 'max-queued-jobs',
    help: 'jobs that may wait for a worker; past it, requests get 503',
    form: { inputId: 'setting-max-queued-jobs' },
  },
  sendTimeoutMs: {
    kind: 'whole-number',
    defaultValue: 10_000,
    // Connections are checked every 200 ms: a shorter timeout would only be rounded up.
    min: 200,
    max: 600_000,
    label: 'Send timeout (ms)',
    flag: 'send-timeout-ms',
    help: 'a connection whose answers wait this long unread is closed',
  },
  maxWaitMs: {
    kind: 'whole-number',
    defaultValue: 60_000,
    min: 0,
    // Ten minutes is already far past any client's patience; 0 lifts the limit for those who want the book's unbounded wait.
    max: 600_000,
    label: 'Max wait in queue (ms)',
    flag: 'max-wait-ms',
    help: 'how long a job may wait for a worker before its request gets 503; 0 for no limit',
    form: { inputId: 'setting-max-wait-ms', label: 'Max wait (ms)' },
  },
  maxThreads: {
    kind: 'whole-number',
    defaultValue: 256,
    min: 1,
    // Each thread is a whole V8 isolate: past a thousand the machine, not the lesson, is what runs out.
    max: 1_024,
    label: 'Thread limit',
    flag: 'max-threads',
    help: 'per-request only: threads running at once; past it, requests get 503',
    whyNotZero: 'no request could ever run',
    form: { inputId: 'setting-max-threads' },
  },
  stopAfterConnections: {
    kind: 'whole-number',
    defaultValue: 0,
    min: 0,
    // A lesson's count, not a production limit: a million connections is already past any class's patience.
    max: 1_000_000,
    label: 'Stop after (connections)',
    flag: 'stop-after-connections',
    help: "shut down gracefully once N connections were accepted (the book's take(N)); 0 for never",
    zeroMeans: 'never',
    form: { inputId: 'setting-stop-after-connections' },
  },
} as const satisfies Record<string, SettingDefinition>;

export type SettingName = keyof typeof SETTINGS;

type ValueOf<D extends SettingDefinition> = D extends WholeNumberSetting
  ? number
  : D extends { readonly kind: 'choice'; readonly choices: readonly (infer C)[] }
    ? C
    : string;

/** Everything a server is started with; the type follows SETTINGS. */
export type ServerSettings = { -readonly [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> };

/** Every setting's text, as typed in the form or given to a flag. */
export type SettingsText = Record<SettingName, string>;

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** The definition of one setting, typed as the union so callers can switch on `kind`. */
export function settingDefinition(name: SettingName): SettingDefinition {
  return SETTINGS[name];
}

export const DEFAULT_SETTINGS: Readonly<ServerSettings> = Object.freeze(
  Object.fromEntries(SETTING_NAMES.map((name) => [name, SETTINGS[name].defaultValue])) as ServerSettings,
);

/** How a setting is named in a message: by its label (the UI, commands) or by its flag (`--workers`, the command line). */
export type SettingNaming = 'label' | 'flag';

export type SettingsValidation = { ok: true; value: ServerSettings } | { ok: false; error: string; field: SettingName | null };

/** A dotted IPv4 address of four numbers up to 255. */
const IPV4_PATTERN = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_GROUP_PATTERN = /^[0-9a-fA-F]{1,4}$/;

/** An IPv6 address as RFC 4291 §2.2 writes it: eight groups, or fewer around one `::`, an IPv4 address maybe last. */
function isIpv6Address(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  let groupCount = groups.length;
  // ::ffff:127.0.0.1: an IPv4 address at the end stands for the last two groups.
  if (groups.length > 0 && groups[groups.length - 1]!.includes('.')) {
    if (!IPV4_PATTERN.test(groups.pop()!)) return false;
    groupCount++;
  }
  if (!groups.every((group) => IPV6_GROUP_PATTERN.test(group))) return false;
  return halves.length === 2 ? groupCount <= 7 : groupCount === 8;
}

/** localhost, an IPv4 address or an IPv6 address (text such as `127.0.0.1:8080` or `:::` is neither). */
function isHostAddress(text: string): boolean {
  return text === 'localhost' || IPV4_PATTERN.test(text) || (text.includes(':') && isIpv6Address(text));
}

const WHOLE_NUMBER_TEXT = /^-?\d+$/;

/** A value as a message quotes it: strings in quotes, other objects by their type. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}

/** Whether a value is text with nothing in it: a field left empty, or `--flag=` on a command line. */
export function isBlankText(value: unknown): boolean {
  return typeof value === 'string' && value.trim() === '';
}

/** The reason `value` is not a whole number in min..max, or null when it is. */
export function checkWholeNumber(subject: string, value: unknown, min: number, max: number, whyNotZero?: string): string | null {
  // No upper bound to speak of (`--stop-after`): "between 1 and 9007199254740991" would only puzzle.
  const isUnbounded = max === Number.MAX_SAFE_INTEGER;
  if (isBlankText(value)) {
    // A field left empty is said in words; `(got "")` reads as a fault in the program rather than a blank to fill.
    const range = isUnbounded ? `${min} or more` : `from ${min} to ${max}`;
    return `${subject} is empty: it takes a whole number ${range}`;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) return `${subject} must be a whole number (got ${describeValue(value)})`;
  if (value === 0 && min > 0 && whyNotZero !== undefined) return `${subject} must be at least ${min}: ${whyNotZero}`;
  if (value < min && isUnbounded) return `${subject} must be at least ${min} (got ${value})`;
  if (value < min || value > max) return `${subject} must be between ${min} and ${max} (got ${value})`;
  return null;
}

function subjectOf(name: SettingName, naming: SettingNaming): string {
  const definition = SETTINGS[name];
  return naming === 'flag' ? `--${definition.flag}` : definition.label;
}

function checkSetting(name: SettingName, value: unknown, naming: SettingNaming): string | null {
  const definition = settingDefinition(name);
  const subject = subjectOf(name, naming);
  switch (definition.kind) {
    case 'whole-number':
      return checkWholeNumber(subject, value, definition.min, definition.max, definition.whyNotZero);
    case 'host':
      if (value === '') return `${subject} must not be empty`;
      if (typeof value !== 'string' || !isHostAddress(value)) {
        return `${subject} must be an IP address or "localhost" (got ${describeValue(value)})`;
      }
      return null;
    case 'choice':
      if (typeof value === 'string' && definition.choices.includes(value)) return null;
      return `${subject} must be one of ${definition.choices.join(', ')} (got ${describeValue(value)})`;
  }
}

/**
 * Checks settings from anywhere (a viewer's command, startServer's options). A setting that is absent
 * (undefined) takes its default; anything else must be valid. Unknown fields are dropped, never trusted.
 * A failure names its field, and says it in the words `naming` asks for.
 */
export function validateSettings(input: unknown, naming: SettingNaming = 'label'): SettingsValidation {
  if (typeof input !== 'object' || input === null) return { ok: false, error: 'settings must be an object', field: null };
  const given = input as Record<string, unknown>;
  const value: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const raw = given[name];
    if (raw === undefined) {
      value[name] = SETTINGS[name].defaultValue;
      continue;
    }
    const error = checkSetting(name, raw, naming);
    if (error !== null) return { ok: false, error, field: name };
    value[name] = raw;
  }
  return { ok: true, value: value as ServerSettings };
}

/**
 * Settings from text (the form's inputs, the command line's flags): a whole number's text becomes a number,
 * anything else is checked as typed, so the message quotes it. Absent texts take their defaults.
 */
export function settingsFromText(texts: Partial<SettingsText>, naming: SettingNaming = 'label'): SettingsValidation {
  const values: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const text = texts[name];
    if (text === undefined) continue;
    values[name] = settingValueFromText(name, text);
  }
  return validateSettings(values, naming);
}

/** One setting's value from its text, unchecked: a whole number's text becomes the number (blank is 0 where 0 means off). */
export function settingValueFromText(name: SettingName, text: string): unknown {
  const definition = settingDefinition(name);
  if (definition.kind !== 'whole-number') return text;
  if (definition.zeroMeans !== undefined && text.trim() === '') return 0;
  return wholeNumberFromText(text);
}

/** Whether this value turns its setting off (a 0 whose setting says what 0 means, e.g. Stop after: never). */
export function isSettingOff(name: SettingName, value: ServerSettings[SettingName]): boolean {
  const definition = settingDefinition(name);
  return definition.kind === 'whole-number' && definition.zeroMeans !== undefined && value === 0;
}

/** A whole number's text becomes the number; anything else stays text (trimmed), so a message quotes it as typed. */
export function wholeNumberFromText(text: string): number | string {
  const trimmed = text.trim();
  return WHOLE_NUMBER_TEXT.test(trimmed) ? Number(trimmed) : trimmed;
}

/** Settings as the form shows them: a 0 that turns its setting off is an empty field (its placeholder names it). */
export function settingsToText(settings: ServerSettings): SettingsText {
  return Object.fromEntries(
    SETTING_NAMES.map((name) => [name, isSettingOff(name, settings[name]) ? '' : String(settings[name])]),
  ) as SettingsText;
}

/** `partial` with every absent (undefined) setting at its default. Checks nothing: validateSettings does. */
export function withDefaults(partial: Partial<ServerSettings>): ServerSettings {
  const settings = { ...DEFAULT_SETTINGS } as Record<SettingName, unknown>;
  for (const name of SETTING_NAMES) if (partial[name] !== undefined) settings[name] = partial[name];
  return settings as ServerSettings;
}

// ── The flight recorder's settings ───────────────────────────────────────────
// Declared like the server's and checked by the same rules, but kept apart from SETTINGS on purpose: they
// bound the recorder that outlives every run, not a run, so a server-listening event and a run file's
// header (which derive from SETTINGS) do not carry them, and changing them never restarts a server.

/** The recorder keeps the last `historySeconds` or `historyEvents` events, whichever is fewer (src/history). */
export const RECORDER_SETTINGS = {
  historySeconds: {
    kind: 'whole-number',
    defaultValue: 600,
    min: 1,
    max: 24 * 60 * 60,
    label: 'History (s)',
    flag: 'history-s',
    help: 'seconds of events the flight recorder keeps',
  },
  historyEvents: {
    kind: 'whole-number',
    defaultValue: 500_000,
    min: 1_000,
    max: 10_000_000,
    label: 'History (events)',
    flag: 'history-events',
    help: 'events the flight recorder keeps at most',
  },
} as const satisfies Record<string, WholeNumberSetting>;

export type RecorderSettingName = keyof typeof RECORDER_SETTINGS;
export type RecorderSettings = { -readonly [K in RecorderSettingName]: number };
export const RECORDER_SETTING_NAMES = Object.keys(RECORDER_SETTINGS) as RecorderSettingName[];
export const DEFAULT_RECORDER_SETTINGS: Readonly<RecorderSettings> = Object.freeze(
  Object.fromEntries(RECORDER_SETTING_NAMES.map((name) => [name, RECORDER_SETTINGS[name].defaultValue])) as RecorderSettings,
);

/** Checks recorder settings from anywhere, like validateSettings: absent ones take their defaults, unknown fields are dropped. */
export function validateRecorderSettings(
  input: unknown,
  naming: SettingNaming = 'label',
): { ok: true; value: RecorderSettings } | { ok: false; error: string; field: RecorderSettingName | null } {
  if (typeof input !== 'object' || input === null) return { ok: false, error: 'recorder settings must be an object', field: null };
  const given = input as Record<string, unknown>;
  const value = { ...DEFAULT_RECORDER_SETTINGS };
  for (const name of RECORDER_SETTING_NAMES) {
    const raw = given[name];
    if (raw === undefined) continue;
    const d = RECORDER_SETTINGS[name];
    const error = checkWholeNumber(naming === 'flag' ? `--${d.flag}` : d.label, raw, d.min, d.max);
    if (error !== null) return { ok: false, error, field: name };
    value[name] = raw as number;
  }
  return { ok: true, value };
}

/** The settings the form shows, in order. */
export const FORM_SETTING_NAMES = SETTING_NAMES.filter((name) => settingDefinition(name).form !== undefined);
