// The settings of an open-loop load run and of a pool-size sweep, their defaults and limits, and the one
// validator the command line and the UI's Run load / Sweep… forms share. Pure: no I/O, no name lookup.
// A refusal names the field it belongs to, so a form can show the reason next to that field.

import { DEFAULT_SETTINGS, isBlankText, SETTINGS } from './settings';
import { sleepOverrideMs } from './sleep-query';

export type ArrivalProcess = 'poisson' | 'constant';

/** One path of the request mix and the share of requests that go to it. */
export interface MixEntry {
  /** Origin-form request target, e.g. `/` or `/sleep?ms=50`. */
  path: string;
  /** Share of requests, 0 < weight ≤ 1; the weights of a mix sum to 1 (within MIX_SUM_TOLERANCE). */
  weight: number;
}

export interface LoadSettings {
  /** Origin the requests go to, normalised: `http://127.0.0.1:7878` (no path, no trailing slash). */
  url: string;
  /** Target arrival rate, requests per second. */
  ratePerS: number;
  /** How long requests keep arriving, seconds. */
  durationS: number;
  mix: MixEntry[];
  /** Poisson: exponential gaps with mean 1/rate (memoryless, what M/M/c assumes); constant: exactly 1/rate apart. */
  arrivals: ArrivalProcess;
  /** Connections the client may have open at once; a request finding all of them busy waits client-side. */
  connections: number;
  /** A request without a complete response this long after its scheduled send time counts as a timeout. */
  timeoutMs: number;
  /**
   * Seeds the arrival times and the choice of paths, so a run can be repeated exactly; null lets the run
   * draw one (withSeed), which its report then carries.
   */
  seed: number | null;
}

/** What a form or the command line hands in: numbers or the text a person typed; absent fields take defaults. */
export type LoadSettingsInput = { [K in keyof LoadSettings]?: unknown };

export type LoadSettingsField = keyof LoadSettings;

export type FieldValidation<T, F extends string> = { ok: true; value: T } | { ok: false; error: string; field: F };

export const DEFAULT_LOAD_SETTINGS = {
  url: 'http://127.0.0.1:7878',
  ratePerS: 100,
  durationS: 10,
  mix: '/:1',
  arrivals: 'poisson',
  connections: 100,
  timeoutMs: 10_000,
} as const satisfies Omit<{ [K in keyof LoadSettings]: unknown }, 'seed'>;

export const LOAD_LIMITS = {
  maxRatePerS: 100_000,
  maxDurationS: 3_600,
  minConnections: 1,
  maxConnections: 10_000,
  minTimeoutMs: 1,
  maxTimeoutMs: 600_000,
  maxMixEntries: 32,
  maxPathLength: 2_048,
} as const;

/** How far the weights of a mix may sum from 1 (so 0.333 + 0.333 + 0.334 and three times 0.333 both pass). */
export const MIX_SUM_TOLERANCE = 0.001;

/** Requests from the load generator carry this User-Agent, so every observer can tell them from other traffic. */
export const LOAD_USER_AGENT = 'poolscope-load/1';

const ARRIVAL_PROCESSES: readonly ArrivalProcess[] = ['poisson', 'constant'];

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}

/** A finite number from a number or from text a person typed ("200", " 0.5 "); null for anything else. */
function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || !/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) return null;
  return Number(value);
}

/** `value` as a number in (min, max] (or [min, max] with `isMinIncluded`), whole when asked; else the reason. */
function checkNumber(
  label: string,
  value: unknown,
  range: { min: number; max: number; isMinIncluded: boolean; isWhole: boolean; unit: string },
): number | string {
  const n = toNumber(value);
  const kind = range.isWhole ? 'a whole number' : 'a number';
  if (n === null && isBlankText(value)) return `${label} is empty: it takes ${kind}`;
  if (n === null) return `${label} must be ${kind} (got ${describe(value)})`;
  if (range.isWhole && !Number.isInteger(n)) return `${label} must be ${kind} (got ${describe(value)})`;
  if (range.isMinIncluded ? n < range.min : n <= range.min) {
    return `${label} must be ${range.isMinIncluded ? 'at least' : 'more than'} ${range.min}${range.unit} (got ${n})`;
  }
  if (n > range.max) return `${label} must be at most ${range.max.toLocaleString('en-US')}${range.unit} (got ${n})`;
  return n;
}

// ── the target URL ───────────────────────────────────────────────────────────

/** 127.0.0.0/8 in dotted-decimal form (what the WHATWG URL parser turns every IPv4 spelling into). */
const IPV4_LOOPBACK = /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** Is this host name, as written in a URL, this machine's loopback: `localhost`, 127.x.y.z or [::1]? */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || IPV4_LOOPBACK.test(hostname);
}

/**
 * Checks a target URL from its text alone, before any name lookup or connection: `http://`, a loopback host
 * (load is only ever sent to this machine), an optional port, no path beyond `/` (paths go in the mix), no
 * credentials, query or fragment. Returns the normalised origin, e.g. `http://127.0.0.1:7878`.
 */
export function validateLoopbackUrl(text: unknown): { ok: true; value: string } | { ok: false; error: string } {
  if (isBlankText(text)) return { ok: false, error: 'URL is empty: write it like http://127.0.0.1:7878' };
  if (typeof text !== 'string') return { ok: false, error: `URL must be text like http://127.0.0.1:7878 (got ${describe(text)})` };
  let url: URL;
  try {
    // Parsing never resolves names: the host is checked as written (after the standard's normalisation,
    // which turns 0x7f.1 or 2130706433 into 127.0.0.1, the address the connection would go to).
    url = new URL(text.trim());
  } catch {
    return { ok: false, error: `URL ${describe(text)} is not a valid URL; write it like http://127.0.0.1:7878` };
  }
  if (url.protocol !== 'http:')
    return { ok: false, error: `URL must start with http:// (got ${url.protocol}//): the load generator speaks plain HTTP/1.1` };
  if (!isLoopbackHost(url.hostname)) {
    return {
      ok: false,
      error: `URL host must be localhost or a loopback address (127.x.x.x, [::1]); got ${url.hostname}: load is only ever sent to this machine`,
    };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, error: 'URL must not carry a user name or password' };
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return {
      ok: false,
      error: `URL must be only scheme, host and port (got path "${url.pathname}${url.search}${url.hash}"); put paths in the mix`,
    };
  }
  return { ok: true, value: url.origin };
}

// ── the request mix ──────────────────────────────────────────────────────────

/** Visible ASCII without spaces or commas (commas separate mix entries): an origin-form target. */
const MIX_PATH = /^\/[!-+\--~]*$/;
/** A weight's text: a decimal number, its sign included, so a negative one is refused by its range, not as "not a number". */
const WEIGHT = /^[-+]?(\d+\.?\d*|\.\d+)$/;

/**
 * Parses `"/:0.9,/sleep?ms=50:0.1"`: entries `PATH:WEIGHT` separated by commas; the weight is what follows
 * the last colon. A single path without a weight takes every request (`"/sleep?ms=50"`). Weights are
 * shares in (0, 1] that sum to 1 within MIX_SUM_TOLERANCE; a path may appear once.
 */
export function parseMix(text: unknown): { ok: true; value: MixEntry[] } | { ok: false; error: string } {
  if (isBlankText(text)) return { ok: false, error: 'Mix is empty: write it like "/:0.9,/sleep?ms=50:0.1", or "/" alone' };
  if (typeof text !== 'string') return { ok: false, error: `Mix must be text like "/:0.9,/sleep?ms=50:0.1" (got ${describe(text)})` };
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length > LOAD_LIMITS.maxMixEntries)
    return { ok: false, error: `Mix may have at most ${LOAD_LIMITS.maxMixEntries} paths (got ${parts.length})` };
  if (parts.length === 1 && !parts[0]!.includes(':')) {
    const path = parts[0]!;
    const pathError = checkMixPath(path);
    return pathError === null ? { ok: true, value: [{ path, weight: 1 }] } : { ok: false, error: pathError };
  }
  const entries: MixEntry[] = [];
  for (const part of parts) {
    if (part === '') return { ok: false, error: 'Mix has an empty entry: remove the extra comma' };
    const colon = part.lastIndexOf(':');
    if (colon === -1) return { ok: false, error: `Mix entry "${part}" needs a weight, like "${part || '/'}:0.5"` };
    const path = part.slice(0, colon).trim();
    const weightText = part.slice(colon + 1).trim();
    const pathError = checkMixPath(path);
    if (pathError !== null) return { ok: false, error: pathError };
    if (!WEIGHT.test(weightText)) return { ok: false, error: `Mix weight of ${path} must be a number like 0.25 (got "${weightText}")` };
    const weight = Number(weightText);
    if (weight <= 0 || weight > 1)
      return { ok: false, error: `Mix weight of ${path} must be more than 0 and at most 1 (got ${weightText})` };
    if (entries.some((entry) => entry.path === path)) return { ok: false, error: `Mix lists ${path} twice; give each path once` };
    entries.push({ path, weight });
  }
  const sum = entries.reduce((total, entry) => total + entry.weight, 0);
  if (Math.abs(sum - 1) > MIX_SUM_TOLERANCE) {
    return { ok: false, error: `Mix weights must sum to 1 (within ${MIX_SUM_TOLERANCE}); these sum to ${Number(sum.toFixed(6))}` };
  }
  return { ok: true, value: entries };
}

function checkMixPath(path: string): string | null {
  if (path === '') return 'Mix entry has an empty path; paths start with /';
  if (path.length > LOAD_LIMITS.maxPathLength) return `Mix path must be at most ${LOAD_LIMITS.maxPathLength} characters`;
  if (!MIX_PATH.test(path)) return `Mix path "${path}" must start with / and contain only visible ASCII characters, no spaces or commas`;
  return null;
}

/** The mix as it is written on the command line: `/:0.9,/sleep?ms=50:0.1`. */
export function formatMix(mix: readonly MixEntry[]): string {
  return mix.map((entry) => `${entry.path}:${entry.weight}`).join(',');
}

// ── the whole run ────────────────────────────────────────────────────────────

/** The settings with a seed: the one given, or a random 32-bit one (not pure: callers outside the validator draw it). */
export function withSeed<T extends { seed: number | null }>(settings: T): T & { seed: number } {
  return { ...settings, seed: settings.seed ?? Math.floor(Math.random() * 0x1_0000_0000) };
}

/**
 * Checks every field of a load run; defaults fill absent ones (an absent seed stays null). Pure.
 * Fields are checked in form order: url, rate, duration, mix, arrivals, connections, timeout, seed.
 */
export function validateLoadSettings(input: LoadSettingsInput): FieldValidation<LoadSettings, LoadSettingsField> {
  const fail = (field: LoadSettingsField, error: string) => ({ ok: false as const, error, field });
  const url = validateLoopbackUrl(input.url ?? DEFAULT_LOAD_SETTINGS.url);
  if (!url.ok) return fail('url', url.error);
  const common = validateCommonLoadFields(input);
  if (!common.ok) return common;
  return { ok: true, value: { url: url.value, ...common.value } };
}

type CommonLoadSettings = Omit<LoadSettings, 'url'>;

function validateCommonLoadFields(input: LoadSettingsInput): FieldValidation<CommonLoadSettings, LoadSettingsField> {
  const fail = (field: LoadSettingsField, error: string) => ({ ok: false as const, error, field });
  const ratePerS = checkNumber('Rate', input.ratePerS ?? DEFAULT_LOAD_SETTINGS.ratePerS, {
    min: 0,
    max: LOAD_LIMITS.maxRatePerS,
    isMinIncluded: false,
    isWhole: false,
    unit: ' requests/s',
  });
  if (typeof ratePerS === 'string') return fail('ratePerS', ratePerS);
  const durationS = checkNumber('Duration', input.durationS ?? DEFAULT_LOAD_SETTINGS.durationS, {
    min: 0,
    max: LOAD_LIMITS.maxDurationS,
    isMinIncluded: false,
    isWhole: false,
    unit: ' s',
  });
  if (typeof durationS === 'string') return fail('durationS', durationS);
  const mix = Array.isArray(input.mix) ? checkMixEntries(input.mix) : parseMix(input.mix ?? DEFAULT_LOAD_SETTINGS.mix);
  if (!mix.ok) return fail('mix', mix.error);
  const arrivals = input.arrivals ?? DEFAULT_LOAD_SETTINGS.arrivals;
  if (!ARRIVAL_PROCESSES.includes(arrivals as ArrivalProcess)) {
    return fail('arrivals', `Arrivals must be ${ARRIVAL_PROCESSES.join(' or ')} (got ${describe(arrivals)})`);
  }
  const connections = checkNumber('Connections', input.connections ?? DEFAULT_LOAD_SETTINGS.connections, {
    min: LOAD_LIMITS.minConnections,
    max: LOAD_LIMITS.maxConnections,
    isMinIncluded: true,
    isWhole: true,
    unit: '',
  });
  if (typeof connections === 'string') return fail('connections', connections);
  const timeoutMs = checkNumber('Timeout', input.timeoutMs ?? DEFAULT_LOAD_SETTINGS.timeoutMs, {
    min: LOAD_LIMITS.minTimeoutMs,
    max: LOAD_LIMITS.maxTimeoutMs,
    isMinIncluded: true,
    isWhole: true,
    unit: ' ms',
  });
  if (typeof timeoutMs === 'string') return fail('timeoutMs', timeoutMs);
  const seed =
    input.seed === undefined || input.seed === null
      ? null
      : checkNumber('Seed', input.seed, { min: 0, max: 0xffff_ffff, isMinIncluded: true, isWhole: true, unit: '' });
  if (typeof seed === 'string') return fail('seed', seed);
  return { ok: true, value: { ratePerS, durationS, mix: mix.value, arrivals: arrivals as ArrivalProcess, connections, timeoutMs, seed } };
}

/** A mix given as entries (from code or IPC) gets the same checks as one given as text. */
function checkMixEntries(entries: unknown[]): { ok: true; value: MixEntry[] } | { ok: false; error: string } {
  const parts: string[] = [];
  for (const entry of entries) {
    const e = entry as Partial<MixEntry> | null;
    if (typeof e !== 'object' || e === null || typeof e.path !== 'string' || typeof e.weight !== 'number') {
      return { ok: false, error: 'Mix entries must each have a path (text) and a weight (number)' };
    }
    parts.push(`${e.path}:${e.weight}`);
  }
  return parseMix(parts.join(','));
}

// ── the sizing sweep ─────────────────────────────────────────────────────────

export interface SweepSettings {
  /** Pool sizes to measure, in the order given; each gets a fresh server. */
  workerCounts: number[];
  /** How long `GET /sleep` without `?ms=` blocks its worker on the sweep's servers. */
  sleepMs: number;
  /** The load each pool size gets (the same for all); the URL is each fresh server's own. */
  load: CommonLoadSettings;
}

export type SweepSettingsInput = Omit<LoadSettingsInput, 'url'> & { workerCounts?: unknown; sleepMs?: unknown };
export type SweepSettingsField = Exclude<LoadSettingsField, 'url'> | 'workerCounts' | 'sleepMs';

export const DEFAULT_SWEEP_WORKER_COUNTS = '1,2,4,8';
/** Pool sizes and sleep take the server's own bounds; a sweep measures at most this many pool sizes. */
export const SWEEP_LIMITS = { maxPoolSizes: 16 } as const;

/** Pool sizes as `1,2,4,8` (text) or [1, 2, 4, 8]: whole numbers within the server's pool-size bounds, none twice. */
export function parseWorkerCounts(input: unknown): { ok: true; value: number[] } | { ok: false; error: string } {
  if (isBlankText(input)) return { ok: false, error: 'Pool sizes is empty: write a list like 1,2,4,8' };
  const items = Array.isArray(input) ? input : typeof input === 'string' ? input.split(',') : null;
  if (items === null || items.length === 0) return { ok: false, error: `Pool sizes must be a list like 1,2,4,8 (got ${describe(input)})` };
  if (items.length > SWEEP_LIMITS.maxPoolSizes)
    return { ok: false, error: `Pool sizes: at most ${SWEEP_LIMITS.maxPoolSizes} per sweep (got ${items.length})` };
  const counts: number[] = [];
  for (const item of items) {
    if (isBlankText(item)) return { ok: false, error: 'Pool sizes has an empty entry: remove the extra comma' };
    if (Number(item) === 0 && String(item).trim() !== '') {
      return { ok: false, error: `Pool size must be at least ${SETTINGS.workerCount.min}: ${SETTINGS.workerCount.whyNotZero}` };
    }
    const n = checkNumber('Pool size', typeof item === 'string' ? item.trim() : item, {
      min: SETTINGS.workerCount.min,
      max: SETTINGS.workerCount.max,
      isMinIncluded: true,
      isWhole: true,
      unit: '',
    });
    if (typeof n === 'string') return { ok: false, error: n };
    if (counts.includes(n)) return { ok: false, error: `Pool size ${n} is listed twice` };
    counts.push(n);
  }
  return { ok: true, value: counts };
}

/**
 * A mix path the book's server answers 400 every time (`/sleep?ms=70000`), named with its reason; null when it
 * has none. Only for load that goes to Poolscope itself (the app's Run load, the sweep): `npm run load` may
 * target any server, whose routes are its own.
 */
export function poolscopeMixRefusal(mix: readonly MixEntry[]): string | null {
  for (const { path } of mix) {
    const q = path.indexOf('?');
    if (q === -1 || path.slice(0, q) !== '/sleep') continue;
    const ms = sleepOverrideMs(path.slice(q + 1));
    if (typeof ms === 'string') return `Mix path "${path}": ${ms}; the server would answer every one 400`;
  }
  return null;
}

/**
 * Load for Poolscope's own server (the app's Run load, each step of a sweep): no URL to check (it is never the
 * viewer's to choose), and a mix that server can answer (poolscopeMixRefusal) on top of the command line's rules.
 */
export function validateOwnServerLoad(input: LoadSettingsInput): FieldValidation<Omit<LoadSettings, 'url'>, LoadSettingsField> {
  const load = validateCommonLoadFields(input);
  if (!load.ok) return load;
  const mixRefusal = poolscopeMixRefusal(load.value.mix);
  return mixRefusal === null ? load : { ok: false, error: mixRefusal, field: 'mix' };
}

export function validateSweepSettings(input: SweepSettingsInput): FieldValidation<SweepSettings, SweepSettingsField> {
  const workerCounts = parseWorkerCounts(input.workerCounts ?? DEFAULT_SWEEP_WORKER_COUNTS);
  if (!workerCounts.ok) return { ok: false, error: workerCounts.error, field: 'workerCounts' };
  const sleepMs = checkNumber('Sleep duration', input.sleepMs ?? DEFAULT_SETTINGS.sleepMs, {
    min: 0,
    max: SETTINGS.sleepMs.max,
    isMinIncluded: true,
    isWhole: true,
    unit: ' ms',
  });
  if (typeof sleepMs === 'string') return { ok: false, error: sleepMs, field: 'sleepMs' };
  const load = validateOwnServerLoad(input);
  if (!load.ok) return { ok: false, error: load.error, field: load.field as SweepSettingsField };
  return { ok: true, value: { workerCounts: workerCounts.value, sleepMs, load: load.value } };
}
