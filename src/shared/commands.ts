// Commands a viewer (Electron renderer or browser dashboard) may send, their limits, and the one
// validator both sides use: the UI to refuse bad input with a reason, the main side to never trust it.
// The server's settings themselves, with their limits and checks, are declared in settings.ts.

import { checkWholeNumber, describeValue, type ServerSettings, type SettingName, validateSettings } from './settings';

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

/**
 * How a command went. A refusal says why in words for a person, and names the setting that caused it when one did
 * (`field`: a port in use or not permitted → 'port', an address this machine lacks → 'host', an invalid value → that
 * setting), so a form can mark the field. Absent when no setting is to blame.
 */
export type CommandResult = { ok: true } | { ok: false; error: string; field?: SettingName };

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

/** A refused command names the setting that failed when a setting did, as CommandResult does. */
export type CommandValidation = { ok: true; value: Command } | { ok: false; error: string; field?: SettingName };

/** Validates anything that arrives over IPC or the WebSocket; unknown fields are ignored, never trusted. */
export function validateCommand(input: unknown): CommandValidation {
  if (typeof input !== 'object' || input === null) return { ok: false, error: 'command must be an object' };
  const c = input as Record<string, unknown>;
  switch (c.type) {
    case 'start-server': {
      const settings = validateSettings(c.settings);
      if (settings.ok) return { ok: true, value: { type: 'start-server', settings: settings.value } };
      return settings.field === null ? { ok: false, error: settings.error } : { ok: false, error: settings.error, field: settings.field };
    }
    case 'stop-server':
      return { ok: true, value: { type: 'stop-server' } };
    case 'fire-burst': {
      if (c.path !== '/sleep' && c.path !== '/')
        return { ok: false, error: `Burst path must be "/sleep" or "/" (got ${describeValue(c.path)})` };
      const error = checkWholeNumber('Burst size', c.count, BURST_LIMITS.minCount, BURST_LIMITS.maxCount);
      if (error) return { ok: false, error };
      return { ok: true, value: { type: 'fire-burst', path: c.path, count: c.count as number } };
    }
    default:
      return { ok: false, error: `unknown command ${describeValue(c.type)}` };
  }
}
