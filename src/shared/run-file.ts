// The run file, `*.poolscope.jsonl`: a run of the server kept on disk, as a public, versioned contract
// (described field by field in docs/run-file-format.md). A header line, an initial-state line when the history
// it was saved from begins mid-run (since 1.5), then one ServerEvent per line.
// Owns the serializer, a streaming push parser with one line-numbered error per broken file, and the
// validators. Pure: no Node built-ins, no DOM, so the Electron main process, `serve --record`, the trace
// CLI and the browser page all read and write the same bytes through this one file.

import type { Validation } from './commands';
import {
  type EventFieldKind,
  type IsSame,
  isServerEventType,
  JOB_ABANDON_REASONS,
  SERVER_EVENT_FIELDS,
  SETTING_FIELDS,
  type ServerEvent,
  STOP_REASONS,
  type ValueOfKind,
  type ValuesOfFields,
} from './events';
import { type RequestRecord, requestOriginOf } from './pool-model';
import { type PoolState, RUN_PHASES } from './pool-state';
import { DEFAULT_SETTINGS, type ServerSettings, type SettingName } from './settings';

export const RUN_FILE_FORMAT = 'poolscope-run';
/**
 * MAJOR.MINOR. A minor version only adds (header fields, event fields, event types) and never changes the
 * meaning of what exists, so this reader opens any 1.x; a new major version is refused.
 */
export const RUN_FILE_MAJOR_VERSION = 1;
export const RUN_FILE_MINOR_VERSION = 7;
export const RUN_FILE_VERSION = `${RUN_FILE_MAJOR_VERSION}.${RUN_FILE_MINOR_VERSION}`;
export const RUN_FILE_EXTENSION = '.poolscope.jsonl';
/** What every `at` means: ms since the Unix epoch, fractional, stamped by the server's main thread. */
export const RUN_FILE_CLOCK = 'unix-epoch-ms';
/** A longer line is refused instead of buffered: a foreign file (one huge JSON document) never fills memory. */
export const DEFAULT_MAX_LINE_CHARS = 1_048_576;
/**
 * The initial-state line holds every request in flight and every open connection at the history's start (a full
 * queue of 100,000 jobs is some 35 MB), so line 2 may be this long; it is only read after a valid header.
 */
export const DEFAULT_MAX_INITIAL_STATE_CHARS = 64 * 1_048_576;
/** The `type` of the initial-state line (line 2, since 1.5): the pool's state just before the first event. */
export const INITIAL_STATE_LINE_TYPE = 'initial-state';
/** The minor version that added the initial-state line. */
const INITIAL_STATE_SINCE_MINOR = 5;

export interface RunFileHeader {
  format: typeof RUN_FILE_FORMAT;
  /** "MAJOR.MINOR" of the format this file was written in, e.g. "1.0". */
  formatVersion: string;
  /** The program that wrote the file. */
  app: { name: string; version: string };
  /** The settings of the run (of the last one, when the history holds several). */
  settings: ServerSettings;
  /**
   * How the run served requests: the settings' strategy (src/shared/settings.ts, STRATEGIES) the recording began
   * with. null in files older than 1.4, which all ran the book's pool.
   */
  strategy: string | null;
  clock: typeof RUN_FILE_CLOCK;
  /** ms since the Unix epoch from which the history is complete: the recording's start, or the first kept event. */
  historyStartsAt: number;
  /** Older events the bounded history had already dropped when the file was written; 0 for a whole run. */
  droppedEventCount: number;
}

/** What the writer provides; the format name, version and clock are filled in. */
export type RunFileHeaderFields = Omit<RunFileHeader, 'format' | 'formatVersion' | 'clock'>;

export function createRunFileHeader(fields: RunFileHeaderFields): RunFileHeader {
  return {
    format: RUN_FILE_FORMAT,
    formatVersion: RUN_FILE_VERSION,
    app: fields.app,
    settings: fields.settings,
    strategy: fields.strategy,
    clock: RUN_FILE_CLOCK,
    historyStartsAt: fields.historyStartsAt,
    droppedEventCount: fields.droppedEventCount,
  };
}

// ── Writing ─────────────────────────────────────────────────────────────────

/** The header as the file's first line, newline included. */
export function serializeRunFileHeader(header: RunFileHeader): string {
  return `${JSON.stringify(header)}\n`;
}

/** One event as one line, newline included: exactly the event object, nothing added. */
export function serializeServerEvent(event: ServerEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** The initial-state line (line 2), newline included: the state's fields after its `type`. */
export function serializeInitialState(state: PoolState): string {
  return `${JSON.stringify({ type: INITIAL_STATE_LINE_TYPE, ...state })}\n`;
}

export interface RunFileChunkOptions {
  /** Text per chunk, about (default 64 Ki characters). */
  chunkChars?: number;
  /** The pool's state just before the first event, when the history begins mid-run; written as line 2. */
  initialState?: PoolState | null;
}

/** A whole file as text chunks of about `chunkChars`, for a write stream or a Blob, never one giant string. */
export function* runFileChunks(
  header: RunFileHeader,
  events: Iterable<ServerEvent>,
  { chunkChars = 65_536, initialState = null }: RunFileChunkOptions = {},
): Generator<string> {
  let chunk = serializeRunFileHeader(header);
  if (initialState !== null) chunk += serializeInitialState(initialState);
  for (const event of events) {
    chunk += serializeServerEvent(event);
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

// ── Validation ──────────────────────────────────────────────────────────────

/** A broken or foreign file: one message naming the line (1-based) and the problem. */
export class RunFileError extends Error {
  override readonly name = 'RunFileError';

  constructor(
    /** null when the problem is the file as a whole (it is empty). */
    readonly line: number | null,
    readonly problem: string,
  ) {
    super(line === null ? problem : `line ${line}: ${problem}`);
  }
}

const SHOWN_VALUE_CHARS = 40;

function show(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'nothing';
  else if (typeof value === 'number' && !Number.isFinite(value)) text = String(value);
  else if (Array.isArray(value)) text = 'an array';
  else text = JSON.stringify(value) ?? typeof value;
  return text.length > SHOWN_VALUE_CHARS ? `${text.slice(0, SHOWN_VALUE_CHARS - 1)}…` : text;
}

/** A field's kind in a table: an event field's kinds, or one of them that may also be null (the initial state's). */
type FieldKind = EventFieldKind | { readonly orNull: EventFieldKind };

const isNullable = (kind: FieldKind): kind is { readonly orNull: EventFieldKind } => typeof kind === 'object' && 'orNull' in kind;

function expectationOf(kind: FieldKind): string {
  if (isNullable(kind)) return `${expectationOf(kind.orNull)} or null`;
  if (typeof kind !== 'string') return `one of ${kind.map((v) => JSON.stringify(v)).join(', ')}`;
  switch (kind) {
    case 'epoch-ms':
      return 'a time in ms since the Unix epoch';
    case 'duration-ms':
      return 'a number of ms ≥ 0';
    case 'natural':
      return 'a whole number ≥ 0';
    case 'integer':
      return 'a whole number';
    case 'http-status':
      return 'an HTTP status from 100 to 599';
    case 'string':
      return 'a string';
    case 'string-or-null':
      return 'a string or null';
  }
}

function holds(kind: FieldKind, value: unknown): boolean {
  if (isNullable(kind)) return value === null || holds(kind.orNull, value);
  if (typeof kind !== 'string') return typeof value === 'string' && kind.includes(value);
  switch (kind) {
    case 'epoch-ms':
    case 'duration-ms':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0;
    case 'natural':
      return Number.isSafeInteger(value) && (value as number) >= 0;
    case 'integer':
      return Number.isSafeInteger(value);
    case 'http-status':
      return Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 599;
    case 'string':
      return typeof value === 'string';
    case 'string-or-null':
      return value === null || typeof value === 'string';
  }
}

type FieldTable = Readonly<Record<string, FieldKind>>;
type FieldList = ReadonlyArray<readonly [name: string, kind: FieldKind]>;

/** The first field of `object` that breaks its table, described; null when every field holds. Unknown fields are ignored. */
function fieldProblem(object: Record<string, unknown>, fields: FieldList): string | null {
  for (let i = 0; i < fields.length; i++) {
    const [name, kind] = fields[i]!;
    const value = object[name];
    if (holds(kind, value)) continue;
    return value === undefined ? `"${name}" is missing` : `"${name}" must be ${expectationOf(kind)} (got ${show(value)})`;
  }
  return null;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Each event type's fields as a list, built once: validating an event walks an array, not an object's keys. */
const EVENT_FIELD_LISTS = new Map<string, FieldList>(
  Object.entries(SERVER_EVENT_FIELDS).map(([type, fields]) => [type, Object.entries(fields as FieldTable)]),
);

/**
 * Checks anything that claims to be a ServerEvent: its type is known and every field of that type holds
 * (type, required, enum values). Fields the type does not have are ignored and left on the object.
 */
export function validateServerEvent(input: unknown): Validation<ServerEvent> {
  if (!isPlainObject(input)) return { ok: false, error: `expected an event object, got ${show(input)}` };
  const type = input.type;
  if (type === undefined) return { ok: false, error: 'the event has no "type"' };
  const fields = typeof type === 'string' ? EVENT_FIELD_LISTS.get(type) : undefined;
  if (fields === undefined) return { ok: false, error: `unknown event type ${show(type)}` };
  const problem = fieldProblem(input, fields);
  return problem === null ? { ok: true, value: input as ServerEvent } : { ok: false, error: `${type} event: ${problem}` };
}

const APP_FIELDS = { name: 'string', version: 'string' } as const satisfies FieldTable;
/** The settings a header carries: every setting of the settings table (src/shared/settings.ts). */
const SETTINGS_FIELDS = SETTING_FIELDS satisfies FieldTable;
const SETTINGS_IN_1_0 = ['host', 'port', 'workerCount', 'sleepMs'] as const satisfies readonly SettingName[];
/**
 * The minor version in which each later setting joined the header and the server-listening event. An older
 * file lacks it in both and reads as its default, which is what servers of that version ran with. Fails to
 * compile until a new setting is listed here (with RUN_FILE_MINOR_VERSION raised to match and
 * docs/run-file-format.md saying so).
 */
const SETTINGS_ADDED_IN_MINOR = {
  maxQueuedJobs: 1,
  sendTimeoutMs: 2,
  maxWaitMs: 3,
  strategy: 4,
  maxThreads: 4,
  stopAfterConnections: 6,
} as const satisfies Record<Exclude<SettingName, (typeof SETTINGS_IN_1_0)[number]>, number>;
// Fails to compile when ServerSettings gains, loses or retypes a field that the table does not follow.
true satisfies IsSame<ServerSettings, ValuesOfFields<typeof SETTINGS_FIELDS>> extends true
  ? true
  : 'SETTINGS_FIELDS does not match ServerSettings';
const HEADER_FIELDS = {
  strategy: 'string-or-null',
  clock: [RUN_FILE_CLOCK],
  historyStartsAt: 'epoch-ms',
  droppedEventCount: 'natural',
} as const satisfies FieldTable;

const VERSION_PATTERN = /^(\d{1,6})\.(\d{1,6})$/;

/** "1.0" → { major: 1, minor: 0 }; null when it does not look like MAJOR.MINOR. */
export function parseFormatVersion(version: unknown): { major: number; minor: number } | null {
  const match = typeof version === 'string' ? VERSION_PATTERN.exec(version) : null;
  return match === null ? null : { major: Number(match[1]), minor: Number(match[2]) };
}

/** Checks a header line's object, format and version first, so a foreign file is named as such before any detail. */
export function validateRunFileHeader(input: unknown): Validation<RunFileHeader> {
  const formatProblem = headerFormatProblem(input);
  if (formatProblem !== null) return { ok: false, error: formatProblem };
  const header = withSettingsOlderFilesLack(input as Record<string, unknown>);
  const problem =
    nestedProblem(header, 'app', APP_FIELDS) ??
    nestedProblem(header, 'settings', SETTINGS_FIELDS) ??
    fieldProblem(header, HEADER_FIELD_LIST);
  return problem === null ? { ok: true, value: header as unknown as RunFileHeader } : { ok: false, error: `header: ${problem}` };
}

const HEADER_FIELD_LIST: FieldList = Object.entries(HEADER_FIELDS);

/** The header with each setting its format version predates filled in with that setting's default. */
function withSettingsOlderFilesLack(header: Record<string, unknown>): Record<string, unknown> {
  const minor = parseFormatVersion(header.formatVersion)?.minor ?? RUN_FILE_MINOR_VERSION;
  const settings = header.settings;
  if (!isPlainObject(settings)) return header;
  return { ...header, settings: withSettingsMinorLacks(settings, minor) };
}

/** `settings` (a header's, or a server-listening event) with each setting that `minor` predates at its default, when absent. */
function withSettingsMinorLacks(settings: Record<string, unknown>, minor: number): Record<string, unknown> {
  let filled: Record<string, unknown> | null = null;
  for (const [name, addedIn] of Object.entries(SETTINGS_ADDED_IN_MINOR)) {
    if (minor < addedIn && settings[name] === undefined) {
      filled ??= { ...settings };
      filled[name] = DEFAULT_SETTINGS[name as SettingName];
    }
  }
  return filled ?? settings;
}

function nestedProblem(header: Record<string, unknown>, name: string, fields: FieldTable): string | null {
  const value = header[name];
  if (value === undefined) return `"${name}" is missing`;
  if (!isPlainObject(value)) return `"${name}" must be an object (got ${show(value)})`;
  return fieldProblem(value, Object.entries(fields))?.replace(/^"/, `"${name}.`) ?? null;
}

function headerFormatProblem(input: unknown): string | null {
  if (!isPlainObject(input) || input.format === undefined) {
    return `not a Poolscope run (the first line has no "format": "${RUN_FILE_FORMAT}")`;
  }
  if (input.format !== RUN_FILE_FORMAT) return `not a Poolscope run (format ${show(input.format)}, expected "${RUN_FILE_FORMAT}")`;
  if (input.formatVersion === undefined) return '"formatVersion" is missing';
  const version = parseFormatVersion(input.formatVersion);
  if (version === null) return `"formatVersion" must look like "${RUN_FILE_VERSION}" (got ${show(input.formatVersion)})`;
  if (version.major > RUN_FILE_MAJOR_VERSION) {
    return `format version ${input.formatVersion} is newer than this Poolscope reads (${RUN_FILE_MAJOR_VERSION}.x): open it with a newer Poolscope`;
  }
  if (version.major < RUN_FILE_MAJOR_VERSION)
    return `format version ${input.formatVersion} is older than this Poolscope reads (${RUN_FILE_MAJOR_VERSION}.x)`;
  return null;
}

// ── The initial state (line 2, since 1.5) ───────────────────────────────────

const EPOCH_OR_NULL = { orNull: 'epoch-ms' } as const;
const NATURAL_OR_NULL = { orNull: 'natural' } as const;
const INITIAL_STATE_FIELDS = {
  at: 'epoch-ms',
  runId: 'natural',
  phase: RUN_PHASES,
  runStartedAt: EPOCH_OR_NULL,
  listeningAt: EPOCH_OR_NULL,
  stoppingAt: EPOCH_OR_NULL,
  stopReason: { orNull: STOP_REASONS },
  stoppedAt: EPOCH_OR_NULL,
} as const satisfies FieldTable;
const STATE_WORKER_FIELDS = {
  id: 'natural',
  phase: ['idle', 'busy', 'stopping', 'exited', 'waiting-for-lock'],
  requestId: NATURAL_OR_NULL,
  busySince: EPOCH_OR_NULL,
  jobsDone: 'natural',
  busyMsTotal: 'duration-ms',
  spawnedAt: 'epoch-ms',
  replacements: 'natural',
} as const satisfies FieldTable;
const STATE_QUEUED_JOB_FIELDS = { requestId: 'natural', queuedAt: 'epoch-ms' } as const satisfies FieldTable;
const STATE_REQUEST_FIELDS = {
  id: 'natural',
  connectionId: 'natural',
  method: 'string',
  target: 'string',
  path: 'string',
  remoteAddress: 'string',
  userAgent: 'string-or-null',
  origin: ['burst', 'load', 'external'],
  receivedAt: 'epoch-ms',
  queuedAt: EPOCH_OR_NULL,
  startedAt: EPOCH_OR_NULL,
  finishedAt: EPOCH_OR_NULL,
  sentAt: EPOCH_OR_NULL,
  workerId: NATURAL_OR_NULL,
  waitMs: { orNull: 'duration-ms' },
  runMs: { orNull: 'duration-ms' },
  status: { orNull: 'http-status' },
  bytes: NATURAL_OR_NULL,
  errorCode: 'string-or-null',
  abandonReason: { orNull: JOB_ABANDON_REASONS },
} as const satisfies FieldTable;
const STATE_CONNECTION_FIELDS = {
  id: 'natural',
  remoteAddress: 'string',
  remotePort: 'natural',
  openedAt: 'epoch-ms',
} as const satisfies FieldTable;
const STATE_COUNTER_FIELDS = {
  requestsReceived: 'natural',
  responsesSent: 'natural',
  rejected: 'natural',
  serverErrors: 'natural',
} as const satisfies FieldTable;
// Since 1.6: the threads, the while-let lock and the single thread's waiting connections (absent in 1.5: defaulted).
const STATE_THREAD_FIELDS = { live: 'natural', peak: 'natural' } as const satisfies FieldTable;
const STATE_LOCK_FIELDS = { holderId: NATURAL_OR_NULL, heldSince: EPOCH_OR_NULL } as const satisfies FieldTable;
const STATE_LOCK_WAITER_FIELDS = { workerId: 'natural', since: 'epoch-ms' } as const satisfies FieldTable;
const STATE_WAITING_CONNECTION_FIELDS = { connectionId: 'natural', since: 'epoch-ms' } as const satisfies FieldTable;
/** The parts of the state added in 1.6, which a 1.5 file's initial state lacks. */
const STATE_PARTS_SINCE_1_6 = ['threads', 'lock', 'waitingConnections'] as const satisfies readonly (keyof PoolState)[];
/** Each list of the state, with the table its entries follow. */
const STATE_LISTS = {
  workers: STATE_WORKER_FIELDS,
  queue: STATE_QUEUED_JOB_FIELDS,
  requests: STATE_REQUEST_FIELDS,
  connections: STATE_CONNECTION_FIELDS,
} as const satisfies Record<string, FieldTable>;
/** The object type a state table describes: an event field kind's type, or that or null. */
type ValuesOfStateFields<Table> = {
  -readonly [F in keyof Table]: Table[F] extends { readonly orNull: infer K } ? ValueOfKind<K> | null : ValueOfKind<Table[F]>;
};
type StateMismatch =
  | (IsSame<PoolState['workers'][number], ValuesOfStateFields<typeof STATE_WORKER_FIELDS>> extends true ? never : 'workers')
  | (IsSame<PoolState['queue'][number], ValuesOfStateFields<typeof STATE_QUEUED_JOB_FIELDS>> extends true ? never : 'queue')
  | (IsSame<PoolState['requests'][number], ValuesOfStateFields<typeof STATE_REQUEST_FIELDS>> extends true ? never : 'requests')
  | (IsSame<PoolState['connections'][number], ValuesOfStateFields<typeof STATE_CONNECTION_FIELDS>> extends true ? never : 'connections')
  | (IsSame<PoolState['counters'], ValuesOfStateFields<typeof STATE_COUNTER_FIELDS>> extends true ? never : 'counters')
  | (IsSame<Omit<PoolState['threads'], 'recentStartupMs'>, ValuesOfStateFields<typeof STATE_THREAD_FIELDS>> extends true
      ? never
      : 'threads')
  | (IsSame<Omit<NonNullable<PoolState['lock']>, 'waiters'>, ValuesOfStateFields<typeof STATE_LOCK_FIELDS>> extends true ? never : 'lock')
  | (IsSame<NonNullable<PoolState['lock']>['waiters'][number], ValuesOfStateFields<typeof STATE_LOCK_WAITER_FIELDS>> extends true
      ? never
      : 'lock waiters')
  | (IsSame<PoolState['waitingConnections'][number], ValuesOfStateFields<typeof STATE_WAITING_CONNECTION_FIELDS>> extends true
      ? never
      : 'waitingConnections')
  | (IsSame<
      Omit<PoolState, keyof typeof STATE_LISTS | 'settings' | 'counters' | (typeof STATE_PARTS_SINCE_1_6)[number]>,
      ValuesOfStateFields<typeof INITIAL_STATE_FIELDS>
    > extends true
      ? never
      : 'the state itself');
// Fails to compile, naming the part, when PoolState gains, loses or retypes a field that the tables above do not follow.
true satisfies [StateMismatch] extends [never] ? true : `the initial-state tables do not match PoolState: ${StateMismatch}`;

/**
 * Checks an initial-state line's object (everything but its `type`): the pool's state just before the file's
 * first event. Returns the state without `type`; unknown fields are ignored.
 */
export function validateInitialState(input: unknown): Validation<PoolState> {
  if (!isPlainObject(input)) return { ok: false, error: `expected an object, got ${show(input)}` };
  const problem =
    fieldProblem(input, Object.entries(INITIAL_STATE_FIELDS)) ??
    (input.settings === null ? null : nestedProblem(input, 'settings', SETTINGS_FIELDS)) ??
    nestedProblem(input, 'counters', STATE_COUNTER_FIELDS) ??
    listProblem(input, STATE_LISTS) ??
    partsSince16Problem(input);
  if (problem !== null) return { ok: false, error: `${INITIAL_STATE_LINE_TYPE}: ${problem}` };
  const { type: _type, ...state } = input;
  return { ok: true, value: withLoadOrigins(withPartsSince16(state as unknown as PoolState)) };
}

/** The 1.6 parts' first problem, when present; a part that is absent (a 1.5 file) is no problem. */
function partsSince16Problem(input: Record<string, unknown>): string | null {
  const { threads, lock } = input;
  if (threads !== undefined) {
    const problem =
      nestedProblem(input, 'threads', STATE_THREAD_FIELDS) ??
      (isPlainObject(threads) ? numberListProblem(threads.recentStartupMs, 'threads.recentStartupMs') : null);
    if (problem !== null) return problem;
  }
  if (lock !== undefined && lock !== null) {
    const problem =
      nestedProblem(input, 'lock', STATE_LOCK_FIELDS) ??
      (isPlainObject(lock) ? listProblem(lock, { waiters: STATE_LOCK_WAITER_FIELDS }, 'lock.') : null);
    if (problem !== null) return problem;
  }
  if (input.waitingConnections !== undefined) {
    return listProblem(input, { waitingConnections: STATE_WAITING_CONNECTION_FIELDS });
  }
  return null;
}

function numberListProblem(list: unknown, name: string): string | null {
  if (!Array.isArray(list)) return `"${name}" must be a list (got ${show(list)})`;
  const index = list.findIndex((value) => !holds('duration-ms', value));
  return index < 0 ? null : `"${name}[${index}]" must be ${expectationOf('duration-ms')} (got ${show(list[index])})`;
}

/**
 * A state with the parts 1.6 added, defaulted where a 1.5 file lacks them: the threads from the workers (every
 * worker not exited is a live thread, the peak no higher), no lock, no waiting connections.
 */
function withPartsSince16(state: PoolState): PoolState {
  const partial = state as Partial<Pick<PoolState, (typeof STATE_PARTS_SINCE_1_6)[number]>> & PoolState;
  const live = state.workers.filter((worker) => worker.phase !== 'exited').length;
  return {
    ...state,
    threads: partial.threads ?? { live, peak: live, recentStartupMs: [] },
    lock: partial.lock ?? null,
    waitingConnections: partial.waitingConnections ?? [],
  };
}

/** A state whose load generator's requests say so: a file before 1.7 wrote their origin as `external`. */
function withLoadOrigins(state: PoolState): PoolState {
  const isLoadSavedAsExternal = (request: RequestRecord) => request.origin === 'external' && requestOriginOf(request.userAgent) === 'load';
  if (!state.requests.some(isLoadSavedAsExternal)) return state;
  return {
    ...state,
    requests: state.requests.map((request) => (isLoadSavedAsExternal(request) ? { ...request, origin: 'load' } : request)),
  };
}

/** The first problem in `input`'s lists, each entry against its table; `prefix` names where `input` sits. */
function listProblem(input: Record<string, unknown>, lists: Record<string, FieldTable>, prefix = ''): string | null {
  for (const [listName, fields] of Object.entries(lists)) {
    const list = input[listName];
    const name = `${prefix}${listName}`;
    if (list === undefined) return `"${name}" is missing`;
    if (!Array.isArray(list)) return `"${name}" must be a list (got ${show(list)})`;
    const fieldList = Object.entries(fields);
    for (let i = 0; i < list.length; i++) {
      const entry: unknown = list[i];
      if (!isPlainObject(entry)) return `"${name}[${i}]" must be an object (got ${show(entry)})`;
      const problem = fieldProblem(entry, fieldList);
      if (problem !== null) return problem.replace(/^"/, `"${name}[${i}].`);
    }
  }
  return null;
}

// ── Reading ─────────────────────────────────────────────────────────────────

/** Where a parser delivers what it reads, in file order. */
export interface RunFileSink {
  /** Called once, for line 1, before any event. */
  header(header: RunFileHeader): void;
  /** Called for each event line; `line` is its 1-based line number. */
  event(event: ServerEvent, line: number): void;
  /** Called for the initial-state line (line 2, since 1.5), before any event, when the file has one. */
  initialState?(state: PoolState, line: number): void;
  /** readRunFile awaits this after each chunk: a sink that writes elsewhere holds the reading until that drains. */
  afterChunk?(): void | Promise<void>;
}

export interface RunFileSummary {
  header: RunFileHeader;
  /** The pool's state just before the first event (the initial-state line); null when the file has none. */
  initialState: PoolState | null;
  /** Events delivered to the sink. */
  eventCount: number;
  /** Lines read, the header and any skipped last line included. */
  lineCount: number;
  /** What a person should be told although the file opened: a dropped incomplete last line, skipped unknown event types. */
  notices: string[];
}

export interface RunFileParserOptions {
  maxLineChars?: number;
  /** The longest initial-state line read (DEFAULT_MAX_INITIAL_STATE_CHARS). */
  maxInitialStateChars?: number;
}

const MAX_NAMED_UNKNOWN_TYPES = 5;

/** What a person is told who opens a trace exported from a run (or any Chrome trace) instead of a run. */
export const EXPORTED_TRACE_PROBLEM =
  'this is an exported trace (Chrome Trace Event Format); open the .poolscope.jsonl it was exported from, or open the trace in ui.perfetto.dev';

/**
 * How much of a file's beginning is looked at to tell a Chrome trace, once its first line is no run header. An
 * exported trace names `traceEvents` after its otherData (a few KiB); Chrome's own may put metadata first.
 */
export const TRACE_SNIFF_CHARS = 65_536;

/**
 * Whether a file's beginning (`prefix`, `isWhole` when it is the whole file or TRACE_SNIFF_CHARS of it) is a
 * Chrome trace: a JSON object with a `traceEvents` array, or a JSON array of trace events (objects with "ph").
 * 'unknown' while too little has been seen to say. Only asked once the first line is no run header, so a
 * run file is never mistaken for one.
 */
export function sniffChromeTrace(prefix: string, isWhole: boolean): 'trace' | 'not' | 'unknown' {
  const text = prefix.trimStart();
  if (text.length === 0) return isWhole ? 'not' : 'unknown';
  if (text[0] === '{') {
    if (/^\{\s*"traceEvents"\s*:\s*\[/.test(text) || /[{,]\s*"traceEvents"\s*:\s*\[/.test(text)) return 'trace';
  } else if (text[0] === '[') {
    const opening = /^\[\s*(\S)?/.exec(text)!;
    if (opening[1] !== undefined && opening[1] !== '{') return 'not';
    if (/[{,]\s*"ph"\s*:\s*"/.test(text)) return 'trace';
  } else return 'not';
  return isWhole ? 'not' : 'unknown';
}

/** Thrown inside push() to stop reading once line 1 failed but the file's beginning may still show it is a trace. */
const UNDECIDED = Symbol('undecided');

/**
 * A push parser: feed it decoded text in chunks split anywhere (inside a line, between the halves of a
 * surrogate pair), then call end(). It keeps only the unfinished line, so memory stays bounded by
 * maxLineChars apart from what the sink keeps. The first problem throws a RunFileError, and every later
 * call throws the same one.
 *
 * Rules (docs/run-file-format.md): line 1 is the header; each further line is one event; blank lines are
 * skipped; events must be in time order. An incomplete last line (a recording cut off by a crash: no
 * final newline and not valid JSON) is dropped with a notice. Unknown fields are ignored. An unknown event
 * type is an error, except in a file of a newer minor version, whose new types are skipped with a notice.
 */
export class RunFileParser {
  private readonly maxLineChars: number;
  private readonly maxInitialStateChars: number;
  private initialState: PoolState | null = null;
  /** The unfinished line, in pieces, so a line split over many chunks is joined once. */
  private pieces: string[] = [];
  private pieceChars = 0;
  private lineNumber = 0;
  private header: RunFileHeader | null = null;
  /** The file's minor version: server-listening events of older ones lack the settings added since. */
  private minorVersion = RUN_FILE_MINOR_VERSION;
  private isNewerMinor = false;
  private lastAt = -Infinity;
  private eventCount = 0;
  private unknownTypeCount = 0;
  private readonly unknownTypes = new Set<string>();
  private failure: RunFileError | null = null;
  private isEnded = false;
  /** The file's first TRACE_SNIFF_CHARS characters, kept until line 1 is read as a header. */
  private sniffed = '';
  /** Line 1's problem, held while more of the file must be seen to tell whether it is a Chrome trace. */
  private firstLineProblem: string | null = null;

  constructor(
    private readonly sink: RunFileSink,
    options: RunFileParserOptions = {},
  ) {
    this.maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
    this.maxInitialStateChars = Math.max(this.maxLineChars, options.maxInitialStateChars ?? DEFAULT_MAX_INITIAL_STATE_CHARS);
  }

  /** Line 2 of a file whose version has the initial-state line may be that long; every other line maxLineChars. */
  private lineLimit(lineNumber: number): number {
    return lineNumber === 2 && this.minorVersion >= INITIAL_STATE_SINCE_MINOR ? this.maxInitialStateChars : this.maxLineChars;
  }

  push(text: string): void {
    this.throwIfDone();
    try {
      if (this.lineNumber === 0 && this.pieceChars === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark
      if (this.header === null && this.sniffed.length < TRACE_SNIFF_CHARS) {
        this.sniffed += text.slice(0, TRACE_SNIFF_CHARS - this.sniffed.length);
      }
      if (this.firstLineProblem !== null) {
        this.failFirstLine(this.firstLineProblem, false);
        return;
      }
      let start = 0;
      for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
        let line = text.slice(start, newline);
        if (this.pieceChars > 0) {
          this.pieces.push(line);
          line = this.pieces.join('');
          this.pieces = [];
          this.pieceChars = 0;
        }
        start = newline + 1;
        this.takeLine(line, false);
      }
      if (start < text.length) {
        const rest = start === 0 ? text : text.slice(start);
        this.pieceChars += rest.length;
        if (this.pieceChars > this.lineLimit(this.lineNumber + 1)) this.failLine(this.lineNumber + 1, this.tooLong(this.lineNumber + 1));
        this.pieces.push(rest);
      }
    } catch (error) {
      if (error === UNDECIDED) return;
      throw this.remember(error);
    }
  }

  /** The input is over: the last line (if unterminated) is read, and the summary returned. */
  end(): RunFileSummary {
    this.throwIfDone();
    const notices: string[] = [];
    try {
      if (this.firstLineProblem !== null) this.failFirstLine(this.firstLineProblem, true);
      if (this.pieceChars > 0) {
        const line = this.pieces.join('');
        this.pieces = [];
        this.pieceChars = 0;
        if (!this.takeLine(line, true)) notices.push(`the last line (line ${this.lineNumber}) was incomplete and was skipped`);
      }
      if (this.header === null) throw new RunFileError(null, 'the file is empty: not a Poolscope run');
    } catch (error) {
      throw this.remember(error);
    }
    this.isEnded = true;
    if (this.unknownTypeCount > 0) {
      const names = [...this.unknownTypes].map((t) => JSON.stringify(t)).join(', ');
      notices.push(
        `${this.unknownTypeCount} events of types this Poolscope does not know (${names}) were skipped: the file was written in format ${this.header.formatVersion}`,
      );
    }
    return { header: this.header, initialState: this.initialState, eventCount: this.eventCount, lineCount: this.lineNumber, notices };
  }

  /** Reads one whole line (line 1 is the header). Returns false only for an unterminated last line that is not JSON (it is then dropped). */
  private takeLine(line: string, isUnterminated: boolean): boolean {
    const lineNumber = ++this.lineNumber;
    if (line.length > this.lineLimit(lineNumber)) this.failLine(lineNumber, this.tooLong(lineNumber));
    if (this.header === null) {
      this.takeHeader(line, isUnterminated);
      return true;
    }
    if (isBlank(line)) return true;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      if (isUnterminated) return false;
      this.fail(lineNumber, `not valid JSON (${jsonErrorOf(error)})`);
    }
    if (isPlainObject(value) && value.type === INITIAL_STATE_LINE_TYPE && this.minorVersion >= INITIAL_STATE_SINCE_MINOR) {
      this.takeInitialState(value, lineNumber);
      return true;
    }
    // A server-listening event of an older file lacks the settings added since, as its header does.
    if (this.minorVersion < RUN_FILE_MINOR_VERSION && isPlainObject(value) && value.type === 'server-listening') {
      value = withSettingsMinorLacks(value, this.minorVersion);
    }
    const result = validateServerEvent(value);
    if (!result.ok) {
      const type = (value as { type?: unknown } | null)?.type;
      if (this.isNewerMinor && typeof type === 'string' && !isServerEventType(type)) {
        this.unknownTypeCount++;
        if (this.unknownTypes.size < MAX_NAMED_UNKNOWN_TYPES) this.unknownTypes.add(type);
        return true;
      }
      this.fail(lineNumber, result.error);
    }
    const event = result.value;
    if (event.at < this.lastAt) {
      this.fail(
        lineNumber,
        `${event.type} event is ${formatMs(this.lastAt - event.at)} earlier than the event before it: events must be in time order`,
      );
    }
    this.lastAt = event.at;
    this.eventCount++;
    this.sink.event(event, lineNumber);
    return true;
  }

  private takeHeader(line: string, isUnterminated: boolean): void {
    if (isBlank(line)) this.failFirstLine('not a Poolscope run (the first line is empty)', isUnterminated);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.failFirstLine(
        isUnterminated && line.trimStart().startsWith('{"format":"')
          ? 'the header line is incomplete: the file ends inside it'
          : 'not a Poolscope run (the first line is not JSON)',
        isUnterminated,
      );
    }
    const header = validateRunFileHeader(value);
    if (!header.ok) this.failFirstLine(header.error, isUnterminated);
    this.minorVersion = parseFormatVersion(header.value.formatVersion)!.minor;
    this.isNewerMinor = this.minorVersion > RUN_FILE_MINOR_VERSION;
    this.header = header.value;
    this.sniffed = '';
    this.sink.header(header.value);
  }

  private failLine(lineNumber: number, problem: string): never {
    if (lineNumber === 1) this.failFirstLine(problem, false);
    this.fail(lineNumber, problem);
  }

  /**
   * Line 1 is no run header: a Chrome trace (a run's exported .trace.json) gets its own message, anything else
   * line 1's problem. When the beginning seen so far cannot yet tell, the problem is held and reading stops
   * until more of the file, or its end, is seen; the message so does not depend on how the file was chunked.
   */
  private failFirstLine(problem: string, isEnd: boolean): never {
    const verdict = sniffChromeTrace(this.sniffed, isEnd || this.sniffed.length >= TRACE_SNIFF_CHARS);
    if (verdict === 'trace') this.fail(null, EXPORTED_TRACE_PROBLEM);
    if (verdict === 'not') this.fail(1, problem);
    this.firstLineProblem = problem;
    throw UNDECIDED;
  }

  /** Only the first line after the header may be the initial state, and only once. */
  private takeInitialState(value: Record<string, unknown>, lineNumber: number): void {
    if (lineNumber !== 2 || this.eventCount > 0 || this.initialState !== null) {
      this.fail(lineNumber, `an ${INITIAL_STATE_LINE_TYPE} line may only come right after the header`);
    }
    const state = validateInitialState(value);
    if (!state.ok) this.fail(lineNumber, state.error);
    this.initialState = state.value;
    this.lastAt = state.value.at;
    this.sink.initialState?.(state.value, lineNumber);
  }

  private tooLong(lineNumber: number): string {
    return `longer than ${this.lineLimit(lineNumber)} characters: not a Poolscope run`;
  }

  private fail(line: number | null, problem: string): never {
    throw new RunFileError(line, problem);
  }

  private remember(error: unknown): unknown {
    if (error instanceof RunFileError) this.failure = error;
    return error;
  }

  private throwIfDone(): void {
    if (this.failure !== null) throw this.failure;
    if (this.isEnded) throw new Error('RunFileParser: end() was already called');
  }
}

function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

function jsonErrorOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 80 ? `${message.slice(0, 79)}…` : message;
}

function formatMs(ms: number): string {
  return ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(1)} µs`;
}

/**
 * Reads a whole run from a stream of text or UTF-8 bytes: a Node file stream (`fs.createReadStream(path)`)
 * or a browser's `file.stream()` (async-iterable in Chromium and Firefox). Resolves with the summary;
 * rejects with a RunFileError for a broken or foreign file.
 */
export async function readRunFile(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  sink: RunFileSink,
  options: RunFileParserOptions = {},
): Promise<RunFileSummary> {
  const parser = new RunFileParser(sink, options);
  // fatal: a file that is not UTF-8 is foreign; replacement characters would hide that.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (bytes: Uint8Array | undefined, isLast: boolean): string => {
    try {
      return isLast ? decoder.decode() : decoder.decode(bytes, { stream: true });
    } catch {
      // Bytes left over at the very end are a character cut in half by a crash: the last line is
      // incomplete, and a replacement character keeps it from passing for JSON, so it is dropped.
      if (isLast) return '\uFFFD';
      throw new RunFileError(null, 'not a Poolscope run (the file is not UTF-8 text)');
    }
  };
  let sawBytes = false;
  for await (const chunk of chunks) {
    if (typeof chunk === 'string') parser.push(chunk);
    else {
      sawBytes = true;
      parser.push(decode(chunk, false));
    }
    await sink.afterChunk?.();
  }
  if (sawBytes) parser.push(decode(undefined, true));
  return parser.end();
}

/** Parses a whole file held in one string (small files and tests). */
export function parseRunFile(text: string, options: RunFileParserOptions = {}): RunFileSummary & { events: ServerEvent[] } {
  const events: ServerEvent[] = [];
  const parser = new RunFileParser({ header: () => {}, event: (event) => events.push(event) }, options);
  parser.push(text);
  return { ...parser.end(), events };
}
