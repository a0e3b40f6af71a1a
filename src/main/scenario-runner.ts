// Fires a scenario (src/shared/scenarios.ts) at a running server from the main side: each request on its own
// real connection, leaving at its planned moment, read to its end. Resolves with every request's status and
// timings once all have closed, or once the run is cancelled or times out; never rejects.

import { setMaxListeners } from 'node:events';
import { BURST_USER_AGENT } from '../shared/events';
import {
  type Scenario,
  type ScenarioOutcome,
  type ScenarioReport,
  type ScenarioRequestResult,
  scenarioSchedule,
} from '../shared/scenarios';
import { type BurstTarget, connectHostFor, rawGetRequest, sendRequest } from './burst';

/** Scenario requests are the app's own traffic (origin 'burst'), named by their scenario: `poolscope-burst/1 (scenario mix)`. */
export function scenarioUserAgent(scenario: Scenario): string {
  return `${BURST_USER_AGENT} (scenario ${scenario.id})`;
}

export interface ScenarioRunOptions {
  /** The clock of every time in the report; pass the event stream's, so the report lines up with the events. */
  now?: () => number;
  /** Past this, requests still open are closed and the run ends as 'timed-out'. */
  timeoutMs: number;
  /** Aborting ends the run as 'cancelled': requests still open are closed, those not sent are not. */
  signal?: AbortSignal;
  /** After each request closes: how many have closed (answered or failed), how many were answered, out of how many. */
  onProgress?: (progress: { closed: number; answered: number; total: number }) => void;
}

/** Runs `scenario` against the server at `target`. Times in the report are on `options.now`'s clock. */
export async function runScenario(target: BurstTarget, scenario: Scenario, options: ScenarioRunOptions): Promise<ScenarioReport> {
  const now = options.now ?? Date.now;
  const schedule = scenarioSchedule(scenario);
  const host = connectHostFor(target.host);
  const userAgent = scenarioUserAgent(scenario);
  const rawRequests = new Map(schedule.map((planned) => [planned.path, rawGetRequest(planned.path, target, userAgent)]));
  const stop = new AbortController();
  // Every request waiting or open listens for the end of the run: as many listeners as requests, by design.
  setMaxListeners(schedule.length + 1, stop.signal);
  let outcome: ScenarioOutcome = 'completed';
  const end = (why: Exclude<ScenarioOutcome, 'completed'>, reason: string): void => {
    if (stop.signal.aborted) return;
    outcome = why;
    stop.abort(reason);
  };
  const onCancel = (): void => end('cancelled', 'cancelled');
  if (options.signal?.aborted) onCancel();
  else options.signal?.addEventListener('abort', onCancel, { once: true });
  const timeout = setTimeout(
    () => end('timed-out', `timed out after ${Number((options.timeoutMs / 1000).toFixed(1))} s`),
    options.timeoutMs,
  );

  const startedAt = now();
  let closed = 0;
  let answered = 0;
  const results: ScenarioRequestResult[] = schedule.map((planned) => ({
    ...planned,
    sentAtMs: null,
    respondedAtMs: null,
    closedAtMs: null,
    status: null,
    latencyMs: null,
    error: null,
  }));
  const sendAt = async (result: ScenarioRequestResult): Promise<void> => {
    // Each request waits for its own moment from the common start, so late timers do not push the ones after them.
    // A timer may fire a fraction of a millisecond early by this clock: wait out the rest.
    for (let delayMs = startedAt + result.atMs - now(); delayMs > 0 && !stop.signal.aborted; delayMs = startedAt + result.atMs - now()) {
      await abortableDelay(Math.ceil(delayMs), stop.signal);
    }
    if (stop.signal.aborted) {
      result.error = String(stop.signal.reason);
    } else {
      const sentAt = now();
      const answer = await sendRequest(host, target.port, rawRequests.get(result.path)!, { now, signal: stop.signal });
      result.sentAtMs = sentAt - startedAt;
      result.closedAtMs = answer.closedAt - startedAt;
      result.respondedAtMs = answer.respondedAt === null ? null : answer.respondedAt - startedAt;
      result.status = answer.status;
      result.latencyMs = answer.status === null ? null : answer.closedAt - sentAt;
      result.error = answer.error;
    }
    closed++;
    if (result.status !== null) answered++;
    options.onProgress?.({ closed, answered, total: results.length });
  };
  await Promise.all(results.map(sendAt));
  clearTimeout(timeout);
  options.signal?.removeEventListener('abort', onCancel);

  const statusCounts: Record<number, number> = {};
  let answeredCount = 0;
  for (const result of results) {
    if (result.status === null) continue;
    answeredCount++;
    statusCounts[result.status] = (statusCounts[result.status] ?? 0) + 1;
  }
  return {
    scenario,
    startedAt,
    durationMs: now() - startedAt,
    outcome,
    requests: results,
    answeredCount,
    failedCount: results.length - answeredCount,
    statusCounts,
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
