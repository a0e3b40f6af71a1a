// Scenarios: the traffic a comparison (and the Book panel's "Try it") sends, as groups of requests with a start
// and a spacing; the built-ins the chapter's lessons need, the bounds and the one validator for custom ones, and
// the schedule (which request leaves when) the scenario runner on the main side follows.

import type { Validation } from './commands';
import { checkWholeNumber, describeValue } from './settings';

export type ScenarioPath = '/' | '/sleep';
export const SCENARIO_PATHS: readonly ScenarioPath[] = ['/', '/sleep'];

/** `count` requests to `path`, the first `startMs` after the scenario starts, each next one `spacingMs` later. */
export interface RequestGroup {
  path: ScenarioPath;
  count: number;
  startMs: number;
  /** 0: the whole group at once. */
  spacingMs: number;
}

export interface Scenario {
  /** A built-in's id, or 'custom'. */
  id: string;
  /** What a person reads ("8 × /sleep at once"). */
  label: string;
  groups: RequestGroup[];
}

/**
 * Bounds of a scenario. Every request is its own connection held open until answered, on both ends in this one
 * process (the server runs here too): 256 at once stays far from the file-descriptor limit, as the burst does.
 */
export const SCENARIO_LIMITS = {
  maxGroups: 8,
  maxRequests: 256,
  maxStartMs: 60_000,
  maxSpacingMs: 10_000,
  /** The last request leaves at most this long after the first. */
  maxSpanMs: 60_000,
  maxLabelChars: 80,
} as const;

export const BUILT_IN_SCENARIO_IDS = ['sleep-then-root', 'sleep-burst-8', 'mix'] as const;
export type BuiltInScenarioId = (typeof BUILT_IN_SCENARIO_IDS)[number];
export const CUSTOM_SCENARIO_ID = 'custom';

/** The chapter's lessons: a request stuck behind a slow one, a burst of slow ones, and slow ones among many fast. */
export const BUILT_IN_SCENARIOS: Readonly<Record<BuiltInScenarioId, Scenario>> = {
  'sleep-then-root': {
    id: 'sleep-then-root',
    label: '/sleep, then / 0.5 s later',
    groups: [
      { path: '/sleep', count: 1, startMs: 0, spacingMs: 0 },
      { path: '/', count: 1, startMs: 500, spacingMs: 0 },
    ],
  },
  'sleep-burst-8': {
    id: 'sleep-burst-8',
    label: '8 × /sleep at once',
    groups: [{ path: '/sleep', count: 8, startMs: 0, spacingMs: 0 }],
  },
  mix: {
    id: 'mix',
    label: '4 × /sleep and 40 × / over 2 s',
    groups: [
      { path: '/sleep', count: 4, startMs: 0, spacingMs: 500 },
      { path: '/', count: 40, startMs: 0, spacingMs: 50 },
    ],
  },
};

export function isBuiltInScenarioId(id: unknown): id is BuiltInScenarioId {
  return typeof id === 'string' && (BUILT_IN_SCENARIO_IDS as readonly string[]).includes(id);
}

/** A custom scenario's label, from its groups: "2 × /sleep, 10 × / every 50 ms from 0.5 s". */
export function describeGroups(groups: readonly RequestGroup[]): string {
  return groups
    .map((group) => {
      let words = `${group.count} × ${group.path}`;
      if (group.count > 1) words += group.spacingMs === 0 ? ' at once' : ` every ${group.spacingMs} ms`;
      if (group.startMs > 0) words += ` from ${secondsText(group.startMs)}`;
      return words;
    })
    .join(', ');
}

function secondsText(ms: number): string {
  return ms % 1000 === 0 || ms >= 1000 ? `${Number((ms / 1000).toFixed(2))} s` : `${ms} ms`;
}

function checkGroup(input: unknown, n: number): Validation<RequestGroup> {
  const subject = `Group ${n}`;
  if (typeof input !== 'object' || input === null) return { ok: false, error: `${subject} must be an object` };
  const g = input as Record<string, unknown>;
  if (g.path !== '/' && g.path !== '/sleep') {
    return { ok: false, error: `${subject}'s path must be "/" or "/sleep" (got ${describeValue(g.path)})` };
  }
  const error =
    checkWholeNumber(`${subject}'s count`, g.count, 1, SCENARIO_LIMITS.maxRequests) ??
    checkWholeNumber(`${subject}'s start (ms)`, g.startMs, 0, SCENARIO_LIMITS.maxStartMs) ??
    checkWholeNumber(`${subject}'s spacing (ms)`, g.spacingMs, 0, SCENARIO_LIMITS.maxSpacingMs);
  if (error !== null) return { ok: false, error };
  return { ok: true, value: { path: g.path, count: g.count as number, startMs: g.startMs as number, spacingMs: g.spacingMs as number } };
}

/**
 * Checks a scenario from anywhere: a built-in's id (the built-in itself), or { id?, label?, groups }. The groups
 * are checked against SCENARIO_LIMITS; a missing label is derived from them, an id other than a built-in's is
 * 'custom' (a built-in's id with other groups is refused: it would lie about what it sends). Unknown fields are dropped.
 */
export function validateScenario(input: unknown): Validation<Scenario> {
  if (isBuiltInScenarioId(input)) return { ok: true, value: copyScenario(BUILT_IN_SCENARIOS[input]) };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      error: `Scenario must be one of ${BUILT_IN_SCENARIO_IDS.join(', ')} or { groups: [...] } (got ${describeValue(input)})`,
    };
  }
  const s = input as Record<string, unknown>;
  if (!Array.isArray(s.groups) || s.groups.length === 0 || s.groups.length > SCENARIO_LIMITS.maxGroups) {
    return { ok: false, error: `A scenario needs 1 to ${SCENARIO_LIMITS.maxGroups} groups of requests` };
  }
  const groups: RequestGroup[] = [];
  for (const [i, raw] of s.groups.entries()) {
    const group = checkGroup(raw, i + 1);
    if (!group.ok) return group;
    groups.push(group.value);
  }
  const total = groups.reduce((sum, group) => sum + group.count, 0);
  if (total > SCENARIO_LIMITS.maxRequests) {
    return { ok: false, error: `A scenario sends at most ${SCENARIO_LIMITS.maxRequests} requests (this one: ${total})` };
  }
  const spanMs = spanOf(groups);
  if (spanMs > SCENARIO_LIMITS.maxSpanMs) {
    return {
      ok: false,
      error: `A scenario's last request leaves at most ${SCENARIO_LIMITS.maxSpanMs / 1000} s after its start (this one: ${spanMs / 1000} s)`,
    };
  }
  let id: string = CUSTOM_SCENARIO_ID;
  if (isBuiltInScenarioId(s.id)) {
    if (!sameGroups(groups, BUILT_IN_SCENARIOS[s.id].groups)) {
      return { ok: false, error: `Scenario "${s.id}" is a built-in: its groups cannot change (use id "custom")` };
    }
    id = s.id;
  }
  let label = id === CUSTOM_SCENARIO_ID ? describeGroups(groups) : BUILT_IN_SCENARIOS[id as BuiltInScenarioId].label;
  if (id === CUSTOM_SCENARIO_ID && s.label !== undefined) {
    if (typeof s.label !== 'string' || s.label.trim() === '' || s.label.length > SCENARIO_LIMITS.maxLabelChars) {
      return { ok: false, error: `A scenario's label must be 1 to ${SCENARIO_LIMITS.maxLabelChars} characters` };
    }
    label = s.label.trim();
  }
  return { ok: true, value: { id, label, groups } };
}

function copyScenario(scenario: Scenario): Scenario {
  return { ...scenario, groups: scenario.groups.map((group) => ({ ...group })) };
}

function sameGroups(a: readonly RequestGroup[], b: readonly RequestGroup[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (group, i) =>
        group.path === b[i]!.path && group.count === b[i]!.count && group.startMs === b[i]!.startMs && group.spacingMs === b[i]!.spacingMs,
    )
  );
}

function spanOf(groups: readonly RequestGroup[]): number {
  return Math.max(...groups.map((group) => group.startMs + (group.count - 1) * group.spacingMs));
}

/** One request of a scenario, in the order they leave. */
export interface ScheduledRequest {
  /** 0, 1, 2 … in leaving order (ties in group order). */
  index: number;
  groupIndex: number;
  path: ScenarioPath;
  /** When it leaves, ms after the scenario's start. */
  atMs: number;
}

/** Every request of a (valid) scenario and when it leaves, earliest first. */
export function scenarioSchedule(scenario: Scenario): ScheduledRequest[] {
  const planned: Omit<ScheduledRequest, 'index'>[] = [];
  scenario.groups.forEach((group, groupIndex) => {
    for (let i = 0; i < group.count; i++) planned.push({ groupIndex, path: group.path, atMs: group.startMs + i * group.spacingMs });
  });
  // A stable sort keeps group order among requests that leave at the same moment.
  planned.sort((a, b) => a.atMs - b.atMs);
  return planned.map((request, index) => ({ index, ...request }));
}

export function scenarioRequestCount(scenario: Scenario): number {
  return scenario.groups.reduce((sum, group) => sum + group.count, 0);
}

/**
 * Extra time past the worst case a scenario may take before its run is given up: the machine may be slow, and
 * per-request pays a fresh thread's start-up for every request (tens of ms built, far more under a TS loader).
 */
export const SCENARIO_TIMEOUT_MARGIN_MS = 30_000;
export const SCENARIO_TIMEOUT_PER_REQUEST_MS = 250;
export const MAX_SCENARIO_TIMEOUT_MS = 600_000;

/**
 * How long a run of `scenario` may take before it fails as timed out: its span, plus every /sleep one after the
 * other (the single-threaded server's worst case, `sleepMs` each), plus a margin per run and per request; at most
 * MAX_SCENARIO_TIMEOUT_MS.
 */
export function scenarioTimeoutMs(scenario: Scenario, sleepMs: number): number {
  const sleeps = scenario.groups.reduce((sum, group) => sum + (group.path === '/sleep' ? group.count : 0), 0);
  const marginMs = SCENARIO_TIMEOUT_MARGIN_MS + scenarioRequestCount(scenario) * SCENARIO_TIMEOUT_PER_REQUEST_MS;
  return Math.min(MAX_SCENARIO_TIMEOUT_MS, spanOf(scenario.groups) + sleeps * sleepMs + marginMs);
}

// ── A scenario's run, as the runner reports it ────────────────────────────────

/** How one request of a scenario went. Times are ms after the scenario's start. */
export interface ScenarioRequestResult extends ScheduledRequest {
  /** When its connection was opened; null if it never left (the run was cancelled or timed out first). */
  sentAtMs: number | null;
  /** When the status line arrived; null without one. */
  respondedAtMs: number | null;
  /** When its connection closed (the response read to its end, or the failure); null if it never left. */
  closedAtMs: number | null;
  /** null: no answer (see error). */
  status: number | null;
  /** Sent → connection closed, ms: what the client waited; null without an answer. */
  latencyMs: number | null;
  /** Why there is no answer ("connection refused", "timed out after 20 s", "cancelled"); null when answered. */
  error: string | null;
}

/** 'completed': every request got an answer or failed on its own; else the run was stopped before that. */
export type ScenarioOutcome = 'completed' | 'timed-out' | 'cancelled';

export interface ScenarioReport {
  scenario: Scenario;
  /** The scenario's start on the server's event clock (ms since the epoch, like every event's `at`). */
  startedAt: number;
  /** ms after startedAt when the last connection closed (or the run was stopped). */
  durationMs: number;
  outcome: ScenarioOutcome;
  /** Leaving order (ScheduledRequest.index). */
  requests: ScenarioRequestResult[];
  /** Requests answered with any status. */
  answeredCount: number;
  /** Requests without an answer. */
  failedCount: number;
  /** Answers by status code, e.g. { 200: 8 }. */
  statusCounts: Record<number, number>;
}
