// Commands a viewer (Electron renderer or browser dashboard) may send, their limits, and the one
// validator both sides use: the UI to refuse bad input with a reason, the main side to never trust it.
// The server's settings themselves, with their limits and checks, are declared in settings.ts.

import { type CompareSettings, validateCompareSettings } from './compare';
import {
  type LoadSettings,
  type LoadSettingsField,
  type SweepSettings,
  type SweepSettingsField,
  validateOwnServerLoad,
  validateSweepSettings,
} from './load-settings';
import {
  BUILT_IN_SCENARIOS,
  type BuiltInScenarioId,
  MAX_SCENARIO_TIMEOUT_MS,
  type Scenario,
  type ScenarioReport,
  validateScenario,
} from './scenarios';
import {
  checkWholeNumber,
  describeValue,
  type RecorderSettingName,
  type RecorderSettings,
  SETTING_NAMES,
  type ServerSettings,
  type SettingName,
  validateRecorderSettings,
  validateSettings,
} from './settings';

export type BurstPath = '/sleep' | '/';

export const BURST_LIMITS = { minCount: 1, maxCount: 5_000 } as const;
/** The book's demo: twice as many sleepers as the default pool has workers, so half of them queue. */
export const DEFAULT_SLEEP_BURST_COUNT = 8;
export const DEFAULT_HELLO_BURST_COUNT = 200;

export type Command =
  | { type: 'start-server'; settings: ServerSettings }
  | { type: 'stop-server' }
  /** Fires `count` requests, each on its own TCP connection, at the running server. */
  | { type: 'fire-burst'; path: BurstPath; count: number }
  /** Run load: open-loop load against the app's own running server (the controller fills in its URL). */
  | { type: 'start-load'; settings: LoadRunSettings }
  | { type: 'cancel-load' }
  /** Sweep…: the same load on each pool size, restarting the app's own server for each, then restoring it. */
  | { type: 'start-sweep'; settings: SweepSettings }
  | { type: 'cancel-sweep' }
  /**
   * Fires a scenario at the running server (each request on its own connection, at its planned moment) and
   * answers, once every request has closed, with each one's status and timings (CommandResult's `scenario`).
   * `timeoutMs` bounds the run (default: scenarioTimeoutMs for the server's sleep); past it the run ends 'timed-out'.
   */
  | { type: 'run-scenario'; scenario: Scenario; timeoutMs?: number }
  /** The flight recorder's bounds (the history's length): applied at once, whether or not a server runs. */
  | { type: 'set-history'; settings: RecorderSettings }
  /** Compare…: the scenario against each strategy in turn, each on a fresh server with these settings; only while stopped. */
  | { type: 'start-compare'; settings: CompareSettings }
  | { type: 'cancel-compare' };

/** Bounds of run-scenario's timeoutMs. */
export const SCENARIO_TIMEOUT_LIMITS = { minMs: 100, maxMs: MAX_SCENARIO_TIMEOUT_MS } as const;

/** A Run load's settings: all but the URL, which is always the app's own server. */
export type LoadRunSettings = Omit<LoadSettings, 'url'>;

/** What a refusal may blame: a server setting, or a field of the Run load or Sweep… form. */
export type CommandField = SettingName | LoadSettingsField | SweepSettingsField | RecorderSettingName;

export function isSettingName(field: CommandField | undefined): field is SettingName {
  return (SETTING_NAMES as readonly string[]).includes(field ?? '');
}

export type CommandType = Command['type'];

/**
 * How a command went. A refusal says why in words for a person, and names the setting that caused it when one did
 * (`field`: a port in use or not permitted → 'port', an address this machine lacks → 'host', an invalid value → that
 * setting), so a form can mark the field. Absent when no setting is to blame.
 */
export type CommandResult = { ok: true; scenario?: ScenarioReport } | { ok: false; error: string; field?: CommandField };

/** run-scenario's answer: the report, or why the scenario did not run (no server, a bad scenario). */
export type ScenarioCommandResult = { ok: true; scenario: ScenarioReport } | { ok: false; error: string; field?: CommandField };

/** The run-scenario command for a scenario or a built-in's id: what both transports send. */
export function runScenarioCommand(scenario: Scenario | BuiltInScenarioId, options: { timeoutMs?: number } = {}): Command {
  const resolved = typeof scenario === 'string' ? BUILT_IN_SCENARIOS[scenario] : scenario;
  return options.timeoutMs === undefined
    ? { type: 'run-scenario', scenario: resolved }
    : { type: 'run-scenario', scenario: resolved, timeoutMs: options.timeoutMs };
}

/** run-scenario's CommandResult as its caller reads it: an ok answer always carries the report. */
export function scenarioResultOf(result: CommandResult): ScenarioCommandResult {
  if (!result.ok) return result;
  return result.scenario ? { ok: true, scenario: result.scenario } : { ok: false, error: 'The scenario ran, but its report was lost' };
}

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

/** A refused command names the setting that failed when a setting did, as CommandResult does. */
export type CommandValidation = { ok: true; value: Command } | { ok: false; error: string; field?: CommandField };

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
    case 'start-load': {
      const input = typeof c.settings === 'object' && c.settings !== null ? (c.settings as Record<string, unknown>) : {};
      // The URL is never the viewer's to choose: load only ever goes to the app's own server.
      const checked = validateOwnServerLoad(input);
      if (!checked.ok) return { ok: false, error: checked.error, field: checked.field };
      return { ok: true, value: { type: 'start-load', settings: checked.value } };
    }
    case 'cancel-load':
      return { ok: true, value: { type: 'cancel-load' } };
    case 'start-sweep': {
      const input = typeof c.settings === 'object' && c.settings !== null ? (c.settings as Record<string, unknown>) : {};
      const load = typeof input.load === 'object' && input.load !== null ? (input.load as Record<string, unknown>) : {};
      const checked = validateSweepSettings({ ...load, workerCounts: input.workerCounts, sleepMs: input.sleepMs });
      if (!checked.ok) return { ok: false, error: checked.error, field: checked.field };
      return { ok: true, value: { type: 'start-sweep', settings: checked.value } };
    }
    case 'cancel-sweep':
      return { ok: true, value: { type: 'cancel-sweep' } };
    case 'start-compare': {
      const settings = validateCompareSettings(c.settings);
      return settings.ok ? { ok: true, value: { type: 'start-compare', settings: settings.value } } : settings;
    }
    case 'cancel-compare':
      return { ok: true, value: { type: 'cancel-compare' } };
    case 'run-scenario': {
      const scenario = validateScenario(c.scenario);
      if (!scenario.ok) return scenario;
      if (c.timeoutMs === undefined) return { ok: true, value: { type: 'run-scenario', scenario: scenario.value } };
      const error = checkWholeNumber('Scenario timeout (ms)', c.timeoutMs, SCENARIO_TIMEOUT_LIMITS.minMs, SCENARIO_TIMEOUT_LIMITS.maxMs);
      if (error) return { ok: false, error };
      return { ok: true, value: { type: 'run-scenario', scenario: scenario.value, timeoutMs: c.timeoutMs as number } };
    }
    case 'set-history': {
      const checked = validateRecorderSettings(c.settings);
      if (checked.ok) return { ok: true, value: { type: 'set-history', settings: checked.value } };
      return checked.field === null ? { ok: false, error: checked.error } : { ok: false, error: checked.error, field: checked.field };
    }
    default:
      return { ok: false, error: `unknown command ${describeValue(c.type)}` };
  }
}
