// Commands a viewer (Electron renderer or browser dashboard) may send, their limits, and the one
// validator both sides use: the UI to refuse bad settings with a reason, the main side to never trust input.

export interface ServerSettings {
  /** Interface the book server binds; loopback unless the person chooses otherwise. */
  host: string;
  /** TCP port; 0 asks the OS for a free one. */
  port: number;
  /** Size of the thread pool (the book's `ThreadPool::new(size)`). */
  workerCount: number;
  /** How long `GET /sleep` blocks its worker. */
  sleepMs: number;
}

export const DEFAULT_SETTINGS: ServerSettings = { host: '127.0.0.1', port: 7878, workerCount: 4, sleepMs: 5000 };

export const SETTINGS_LIMITS = {
  minWorkerCount: 1,
  maxWorkerCount: 64,
  maxSleepMs: 60_000,
  maxPort: 65_535,
} as const;

export type BurstPath = '/sleep' | '/';

export const BURST_LIMITS = { minCount: 1, maxCount: 5_000 } as const;
/** The book's demo: twice as many sleepers as the default pool has workers, so half of them queue. */
export const DEFAULT_SLEEP_BURST_COUNT = 8;
export const DEFAULT_HELLO_BURST_COUNT = 200;

export type Command =
  | { type: 'start-server'; settings: ServerSettings }
  | { type: 'stop-server' }
  /** Fires `count` requests, each on its own TCP connection, at the running server. */
  | { type: 'fire-burst'; path: BurstPath; count: number };

export type CommandType = Command['type'];

export type CommandResult = { ok: true } | { ok: false; error: string };

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

const HOST_PATTERN = /^(localhost|[0-9a-fA-F:.]{2,45})$/;

function checkInteger(name: string, value: unknown, min: number, max: number): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) return `${name} must be a whole number (got ${describe(value)})`;
  if (value < min || value > max) return `${name} must be between ${min} and ${max} (got ${value})`;
  return null;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}

export function validateSettings(input: unknown): Validation<ServerSettings> {
  if (typeof input !== 'object' || input === null) return { ok: false, error: 'settings must be an object' };
  const s = input as Record<string, unknown>;
  if (s.workerCount === 0) return { ok: false, error: 'Pool size must be at least 1: a pool of 0 workers could never run a job' };
  const error =
    checkInteger('Pool size', s.workerCount, SETTINGS_LIMITS.minWorkerCount, SETTINGS_LIMITS.maxWorkerCount) ??
    checkInteger('Port', s.port, 0, SETTINGS_LIMITS.maxPort) ??
    checkInteger('Sleep duration (ms)', s.sleepMs, 0, SETTINGS_LIMITS.maxSleepMs);
  if (error) return { ok: false, error };
  if (typeof s.host !== 'string' || !HOST_PATTERN.test(s.host)) {
    return { ok: false, error: `Host must be an IP address or "localhost" (got ${describe(s.host)})` };
  }
  return { ok: true, value: { host: s.host, port: s.port as number, workerCount: s.workerCount as number, sleepMs: s.sleepMs as number } };
}

/** Validates anything that arrives over IPC or the WebSocket; unknown fields are ignored, never trusted. */
export function validateCommand(input: unknown): Validation<Command> {
  if (typeof input !== 'object' || input === null) return { ok: false, error: 'command must be an object' };
  const c = input as Record<string, unknown>;
  switch (c.type) {
    case 'start-server': {
      const settings = validateSettings(c.settings);
      return settings.ok ? { ok: true, value: { type: 'start-server', settings: settings.value } } : settings;
    }
    case 'stop-server':
      return { ok: true, value: { type: 'stop-server' } };
    case 'fire-burst': {
      if (c.path !== '/sleep' && c.path !== '/')
        return { ok: false, error: `Burst path must be "/sleep" or "/" (got ${describe(c.path)})` };
      const error = checkInteger('Burst size', c.count, BURST_LIMITS.minCount, BURST_LIMITS.maxCount);
      if (error) return { ok: false, error };
      return { ok: true, value: { type: 'fire-burst', path: c.path, count: c.count as number } };
    }
    default:
      return { ok: false, error: `unknown command ${describe(c.type)}` };
  }
}
