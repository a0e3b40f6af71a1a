// Compare…: one scenario run against several strategies, each on a fresh server. The command's settings and
// their check, the progress the main side reports (in the live metrics), the comparison a viewer asks for (each
// run's recorded events), and the pure readings both the live view and a reopened comparison are drawn from:
// a run's row of the table and its timeline, relative to the run's scenario start.

import type { Command, Validation } from './commands';
import type { ServerEvent } from './events';
import { nearestRank } from './live-metrics';
import { type Scenario, type ScenarioOutcome, validateScenario } from './scenarios';
import { describeValue, type ServerSettings, STRATEGIES, type Strategy, validateSettings } from './settings';

/** The strategies a comparison runs when the person picks none: the chapter's three working servers. */
export const DEFAULT_COMPARE_STRATEGIES: readonly Strategy[] = ['single', 'per-request', 'pool'];

export interface CompareSettings {
  scenario: Scenario;
  /** In run order, each at most once. */
  strategies: Strategy[];
  /** Every run's settings (the form's), its strategy replaced by each run's. */
  settings: ServerSettings;
}

export function validateCompareSettings(input: unknown): Validation<CompareSettings> {
  if (typeof input !== 'object' || input === null) return { ok: false, error: 'Compare settings must be an object' };
  const c = input as Record<string, unknown>;
  const scenario = validateScenario(c.scenario);
  if (!scenario.ok) return scenario;
  if (!Array.isArray(c.strategies) || c.strategies.length === 0) return { ok: false, error: 'Choose at least one strategy to compare' };
  const strategies: Strategy[] = [];
  for (const strategy of c.strategies) {
    if (!(STRATEGIES as readonly unknown[]).includes(strategy)) {
      return { ok: false, error: `Strategy must be one of ${STRATEGIES.join(', ')} (got ${describeValue(strategy)})` };
    }
    if (strategies.includes(strategy as Strategy)) return { ok: false, error: `Strategy ${strategy} is chosen twice` };
    strategies.push(strategy as Strategy);
  }
  const settings = validateSettings(c.settings ?? {});
  if (!settings.ok) return { ok: false, error: settings.error };
  return { ok: true, value: { scenario: scenario.value, strategies, settings: settings.value } };
}

// ── What a running comparison refuses ──────────────────────────────────────────

/**
 * While a comparison runs it owns the server: it starts and stops each strategy's server on the port, and each run's
 * figures are read from everything that server records, so any other traffic would be counted as the scenario's.
 * The commands it refuses then, each with the reason a person reads: the controller answers it (so a script or a
 * second window hears the same) and the page's buttons say it before they are pressed. Cancel comparison still acts.
 */
const REFUSED_WHILE_COMPARING: Partial<Record<Command['type'], string>> = {
  'start-server': 'A comparison is running and starts its own servers: cancel it first',
  'stop-server': 'A comparison is running and stops its own servers: cancel it first',
  'fire-burst': "A comparison is running: a burst would mix with its scenario's traffic. Cancel it first, or wait for it to finish",
  'start-load': "A comparison is running: a load would mix with its scenario's traffic. Cancel it first, or wait for it to finish",
  'run-scenario': "A comparison is running: more traffic would mix with its scenario's. Cancel it first, or wait for it to finish",
  'start-sweep': 'A comparison is running: a sweep would restart its server. Cancel it first, or wait for it to finish',
};

/** True from a comparison's start until its last server has stopped. */
export function isComparisonRunning(activity: CompareActivity | null): boolean {
  return activity !== null && activity.phase !== 'done';
}

/** Why a running comparison refuses a command of this type; null for those it lets through (its cancel, the history's length). */
export function refusalWhileComparing(type: Command['type']): string | null {
  return REFUSED_WHILE_COMPARING[type] ?? null;
}

// ── Progress, in the live metrics ────────────────────────────────────────────

export type CompareRunState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

export interface CompareRunProgress {
  strategy: Strategy;
  state: CompareRunState;
  /** Requests of the scenario closed (answered or failed) so far. */
  closed: number;
  answered: number;
  total: number;
  /** Why it failed (a server that would not start, a timeout); null otherwise. */
  error: string | null;
}

/** The latest comparison as the main side runs it. */
export interface CompareActivity {
  /** Counts up with every comparison; the `comparison` query names it. */
  compareId: number;
  scenario: Scenario;
  /** 'stopping': the current run's server is stopping (after its scenario, or after a cancel). */
  phase: 'running' | 'stopping' | 'done';
  /** Index in `runs` of the run under way (the last one once done). */
  index: number;
  runs: CompareRunProgress[];
  isCancelled: boolean;
  /** Moves whenever a run's events are complete: a viewer asks for the comparison again then. */
  finishedRunCount: number;
}

// ── The comparison, answered to a `comparison` query ─────────────────────────

/** One strategy's run: its recording and what only the main side could measure. */
export interface ComparisonRun {
  strategy: Strategy;
  /** As the server ran (port resolved). */
  settings: ServerSettings;
  state: CompareRunState;
  error: string | null;
  /** Every event from its server's start to its stop. */
  events: ServerEvent[];
  /**
   * The scenario's start on the event clock, as its client saw it; null when it never started (or reopened from a
   * file). The readings align a run at its first accepted connection instead, which its recording holds, so a saved
   * comparison reopens exactly as it was shown.
   */
  scenarioStartedAt: number | null;
  outcome: ScenarioOutcome | null;
  /** Requests the client got no answer to (refused, reset, timed out). */
  unansweredCount: number;
  /** The process's resident memory at its highest during the run (every thread of the app shares it); null when not measured. */
  peakRssBytes: number | null;
}

/** A run as far as its recording goes: nothing the client or the main side measured yet (a run starting, or reopened from its file). */
export function recordedRun(strategy: Strategy, settings: ServerSettings, state: CompareRunState, events: ServerEvent[]): ComparisonRun {
  return { strategy, settings, state, error: null, events, scenarioStartedAt: null, outcome: null, unansweredCount: 0, peakRssBytes: null };
}

export interface Comparison {
  compareId: number;
  scenario: Scenario;
  runs: ComparisonRun[];
  isCancelled: boolean;
}

// ── Readings: a run's table row and its timeline ─────────────────────────────

export type CompareRoute = '/' | '/sleep' | 'other';

function routeOf(target: string): CompareRoute {
  const path = target.split('?')[0];
  return path === '/' ? '/' : path === '/sleep' ? '/sleep' : 'other';
}

/** A request from its connection's opening (what its client waited from) to its response. */
export interface CompareRequest {
  requestId: number;
  route: CompareRoute;
  /** ms after the scenario's start. */
  openedMs: number;
  /** When it was read (the single thread reads one connection at a time); null if never. */
  receivedMs: number | null;
  queuedMs: number | null;
  startedMs: number | null;
  finishedMs: number | null;
  respondedMs: number | null;
  status: number | null;
  /** The lane it ran on; null if it never ran. */
  workerId: number | null;
}

export interface CompareTimeline {
  /** The scenario's start on the event clock: the run's first accepted connection (unless given). */
  startAt: number;
  /** Scenario start → the last response. */
  makespanMs: number;
  requests: CompareRequest[];
  /** Every lane a job ran on, ascending. */
  workerIds: number[];
}

export interface CompareRow {
  strategy: Strategy;
  state: CompareRunState;
  error: string | null;
  makespanMs: number | null;
  /** Per route, from the connection's opening to its response: what the client waited. */
  rootLatencyMs: { p50: number; p99: number } | null;
  sleepLatencyMs: { p50: number; p99: number } | null;
  /** Threads running requests at once at the most: the pool's workers, per-request's live threads. */
  peakThreads: number;
  /** per-request: the slowest request thread's start-up (a fresh isolate), ms; null where no thread starts per request. */
  slowestThreadStartupMs: number | null;
  peakRssBytes: number | null;
  /** Answers ≥ 400 and requests that got none. */
  errors: number;
  requestCount: number;
}

/**
 * A run's requests from its events, times relative to the scenario's start (`startAt`; default the first
 * connection the run accepted: a moment after the client's start, the same live and reopened).
 */
export function compareTimelineOf(events: readonly ServerEvent[], startAt: number | null = null): CompareTimeline {
  const openedAt = new Map<number, number>();
  const byId = new Map<number, CompareRequest & { openedAt: number }>();
  const workerIds = new Set<number>();
  let start = startAt;
  for (const event of events) {
    if (event.type === 'connection-opened') {
      openedAt.set(event.connectionId, event.at);
      start ??= event.at;
    }
  }
  const origin = start ?? events[0]?.at ?? 0;
  const rel = (at: number) => at - origin;
  for (const event of events) {
    switch (event.type) {
      case 'request-received': {
        const opened = openedAt.get(event.connectionId) ?? event.at;
        byId.set(event.requestId, {
          requestId: event.requestId,
          route: routeOf(event.target),
          openedAt: opened,
          openedMs: rel(opened),
          receivedMs: rel(event.at),
          queuedMs: null,
          startedMs: null,
          finishedMs: null,
          respondedMs: null,
          status: null,
          workerId: null,
        });
        break;
      }
      case 'job-queued': {
        const request = byId.get(event.requestId);
        if (request) request.queuedMs = rel(event.at);
        break;
      }
      case 'job-started': {
        const request = byId.get(event.requestId);
        if (request) {
          request.startedMs = rel(event.at);
          request.workerId = event.workerId;
          workerIds.add(event.workerId);
        }
        break;
      }
      case 'job-finished': {
        const request = byId.get(event.requestId);
        if (request) request.finishedMs = rel(event.at);
        break;
      }
      case 'response-sent': {
        const request = byId.get(event.requestId);
        if (request) {
          request.respondedMs = rel(event.at);
          request.status = event.status;
        }
        break;
      }
      default:
        break;
    }
  }
  const requests = [...byId.values()].map(({ openedAt: _openedAt, ...request }) => request);
  const makespanMs = Math.max(0, ...requests.map((request) => request.respondedMs ?? 0));
  return { startAt: origin, makespanMs, requests, workerIds: [...workerIds].sort((a, b) => a - b) };
}

/** The most request threads alive at once: per-request's live count, else the workers spawned and not yet gone. */
export function peakThreadsOf(events: readonly ServerEvent[]): number {
  let live = 0;
  let peak = 0;
  for (const event of events) {
    if (event.type === 'worker-spawned') live++;
    else if (event.type === 'worker-exited' && event.reason === 'shutdown') live--;
    else if (event.type === 'thread-started' || event.type === 'thread-exited') live = event.liveThreadCount;
    peak = Math.max(peak, live);
  }
  return peak;
}

function slowestThreadStartupOf(events: readonly ServerEvent[]): number | null {
  let slowest: number | null = null;
  for (const event of events) if (event.type === 'thread-started') slowest = Math.max(slowest ?? 0, event.startupMs);
  return slowest;
}

function percentiles(values: number[]): { p50: number; p99: number } | null {
  const p50 = nearestRank(values, 50);
  const p99 = nearestRank(values, 99);
  return p50 === null || p99 === null ? null : { p50, p99 };
}

/** A run's row of the table. */
export function compareRowOf(run: ComparisonRun): CompareRow {
  const timeline = compareTimelineOf(run.events);
  const latencies = (route: CompareRoute) =>
    timeline.requests.flatMap((request) =>
      request.route === route && request.respondedMs !== null ? [request.respondedMs - request.openedMs] : [],
    );
  const answeredBadly = timeline.requests.filter((request) => request.status !== null && request.status >= 400).length;
  const neverAnswered = timeline.requests.filter((request) => request.respondedMs === null).length;
  return {
    strategy: run.strategy,
    state: run.state,
    error: run.error,
    makespanMs: timeline.requests.length === 0 ? null : timeline.makespanMs,
    rootLatencyMs: percentiles(latencies('/')),
    sleepLatencyMs: percentiles(latencies('/sleep')),
    peakThreads: peakThreadsOf(run.events),
    slowestThreadStartupMs: slowestThreadStartupOf(run.events),
    peakRssBytes: run.peakRssBytes,
    // Requests the server never read (refused, timed out unread) are known only to the client: counted once.
    errors: answeredBadly + Math.max(neverAnswered, run.unansweredCount),
    requestCount: Math.max(timeline.requests.length, run.unansweredCount),
  };
}
