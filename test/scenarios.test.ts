// Scenarios: the built-ins, the checks a custom one passes, the schedule, and the runner firing them at real
// servers through real sockets (run-scenario, as a viewer sends it).

import { afterEach, describe, expect, it } from 'vitest';
import { runScenario } from '../src/main/scenario-runner';
import { ServerController } from '../src/main/server-controller';
import { scenarioResultOf, validateCommand } from '../src/shared/commands';
import { isBurstUserAgent } from '../src/shared/events';
import {
  BUILT_IN_SCENARIOS,
  type RequestGroup,
  SCENARIO_LIMITS,
  type ScenarioReport,
  scenarioRequestCount,
  scenarioSchedule,
  scenarioTimeoutMs,
  validateScenario,
} from '../src/shared/scenarios';
import type { ServerSettings } from '../src/shared/settings';
import { EventRecorder } from './support/event-recorder';
import { findFreePort } from './support/ports';
import { testSettings } from './support/settings';

let controllers: ServerController[] = [];

afterEach(async () => {
  await Promise.all(controllers.map((controller) => controller.dispose()));
  controllers = [];
});

async function listening(overrides: Partial<ServerSettings>): Promise<ServerController> {
  const controller = new ServerController({ initialSettings: testSettings() });
  controllers.push(controller);
  expect(await controller.execute({ type: 'start-server', settings: testSettings(overrides) })).toEqual({ ok: true });
  return controller;
}

async function run(controller: ServerController, command: Record<string, unknown>): Promise<ScenarioReport> {
  const result = scenarioResultOf(await controller.execute({ type: 'run-scenario', ...command }));
  if (!result.ok) throw new Error(result.error);
  return result.scenario;
}

const group = (overrides: Partial<RequestGroup>): RequestGroup => ({ path: '/', count: 1, startMs: 0, spacingMs: 0, ...overrides });

describe('validateScenario', () => {
  it('takes a built-in by its id, and a built-in as itself', () => {
    expect(validateScenario('sleep-burst-8')).toEqual({ ok: true, value: BUILT_IN_SCENARIOS['sleep-burst-8'] });
    expect(validateScenario(BUILT_IN_SCENARIOS.mix)).toEqual({ ok: true, value: BUILT_IN_SCENARIOS.mix });
    expect(scenarioRequestCount(BUILT_IN_SCENARIOS.mix)).toBe(44);
  });

  it('names a custom scenario by its groups unless it is given a label', () => {
    const groups = [group({ path: '/sleep', count: 2 }), group({ count: 10, startMs: 500, spacingMs: 50 })];
    expect(validateScenario({ groups })).toEqual({
      ok: true,
      value: { id: 'custom', label: '2 × /sleep at once, 10 × / every 50 ms from 500 ms', groups },
    });
    expect(validateScenario({ id: 'custom', label: ' Two sleepers ', groups })).toMatchObject({
      ok: true,
      value: { label: 'Two sleepers' },
    });
  });

  it.each([
    ['a word that is no built-in', 'all-of-them', /Scenario must be one of sleep-then-root, sleep-burst-8, mix/],
    ['no groups', { groups: [] }, /needs 1 to 8 groups/],
    [
      'a path other than / and /sleep',
      { groups: [group({ path: '/admin' as '/' })] },
      /Group 1's path must be "\/" or "\/sleep" \(got "\/admin"\)/,
    ],
    ['a group of 0 requests', { groups: [group({}), group({ count: 0 })] }, /Group 2's count must be between 1 and 256 \(got 0\)/],
    ['a count that is no whole number', { groups: [group({ count: 1.5 })] }, /count must be a whole number \(got 1.5\)/],
    ['a negative spacing', { groups: [group({ spacingMs: -1 })] }, /spacing \(ms\) must be between 0 and 10000/],
    ['too many requests', { groups: [group({ count: 200 }), group({ count: 100 })] }, /at most 256 requests \(this one: 300\)/],
    ['a last request too late', { groups: [group({ count: 100, spacingMs: 1000 })] }, /at most 60 s after its start \(this one: 99 s\)/],
    [
      "a built-in's id on other groups",
      { id: 'sleep-burst-8', groups: [group({ path: '/sleep', count: 80 })] },
      /"sleep-burst-8" is a built-in: its groups cannot change/,
    ],
    ['an empty label', { label: '  ', groups: [group({})] }, /label must be 1 to 80 characters/],
  ])('refuses %s with a readable reason', (_name, input, message) => {
    const result = validateScenario(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });

  it('is what run-scenario checks, with its timeout', () => {
    expect(validateCommand({ type: 'run-scenario', scenario: 'mix' })).toEqual({
      ok: true,
      value: { type: 'run-scenario', scenario: BUILT_IN_SCENARIOS.mix },
    });
    expect(validateCommand({ type: 'run-scenario', scenario: { groups: [] } })).toMatchObject({ ok: false, error: /groups/ });
    expect(validateCommand({ type: 'run-scenario', scenario: 'mix', timeoutMs: 0 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/Scenario timeout \(ms\) must be between 100 and 600000/),
    });
  });
});

describe('scenarioSchedule', () => {
  it('lists every request earliest first, group order among ties', () => {
    const schedule = scenarioSchedule(BUILT_IN_SCENARIOS.mix);
    expect(schedule).toHaveLength(44);
    expect(schedule.slice(0, 3)).toEqual([
      { index: 0, groupIndex: 0, path: '/sleep', atMs: 0 },
      { index: 1, groupIndex: 1, path: '/', atMs: 0 },
      { index: 2, groupIndex: 1, path: '/', atMs: 50 },
    ]);
    expect(schedule.at(-1)).toEqual({ index: 43, groupIndex: 1, path: '/', atMs: 1950 });
    expect(schedule.filter((request) => request.path === '/sleep').map((request) => request.atMs)).toEqual([0, 500, 1000, 1500]);
  });

  it('bounds a run by the worst case: every sleep one after another, plus a margin', () => {
    expect(scenarioTimeoutMs(BUILT_IN_SCENARIOS['sleep-burst-8'], 5_000)).toBe(8 * 5_000 + 30_000 + 8 * 250);
    expect(scenarioTimeoutMs(BUILT_IN_SCENARIOS['sleep-then-root'], 1_000)).toBe(500 + 1_000 + 30_000 + 2 * 250);
    expect(scenarioTimeoutMs({ id: 'custom', label: 'x', groups: [group({ path: '/sleep', count: 256 })] }, 60_000)).toBe(600_000);
  });
});

describe('run-scenario through real sockets', () => {
  it('answers every request of a scenario with its status and timings on the event clock', async () => {
    const controller = await listening({ strategy: 'pool', workerCount: 4, sleepMs: 100 });
    const recorder = new EventRecorder(controller.events);
    const before = controller.events.now();

    const report = await run(controller, { scenario: 'mix' });

    expect(report).toMatchObject({ outcome: 'completed', answeredCount: 44, failedCount: 0, statusCounts: { 200: 44 } });
    expect(report.startedAt).toBeGreaterThanOrEqual(before);
    for (const request of report.requests) {
      expect(request.error).toBeNull();
      expect(request.sentAtMs).toBeGreaterThanOrEqual(request.atMs);
      expect(request.respondedAtMs).toBeGreaterThanOrEqual(request.sentAtMs!);
      expect(request.closedAtMs).toBeGreaterThanOrEqual(request.respondedAtMs!);
      expect(request.latencyMs).toBe(request.closedAtMs! - request.sentAtMs!);
    }
    // The scenario's requests are the app's own traffic, and each reached the server when the report says it left.
    const received = recorder.of('request-received');
    expect(received).toHaveLength(44);
    expect(received.every((event) => isBurstUserAgent(event.userAgent))).toBe(true);
    expect(received.every((event) => event.at >= report.startedAt)).toBe(true);
  });

  it('shows / waiting behind /sleep on the single-threaded server, and not on the pool', async () => {
    const single = await listening({ strategy: 'single', sleepMs: 1_000 });
    const [sleepy, hello] = (await run(single, { scenario: 'sleep-then-root' })).requests;
    expect(hello!.path).toBe('/');
    expect(hello!.status).toBe(200);
    // Sent while the sleep ran, answered only after it: the single thread read nothing meanwhile.
    expect(hello!.closedAtMs).toBeGreaterThanOrEqual(sleepy!.respondedAtMs!);

    const pool = await listening({ strategy: 'pool', workerCount: 2, sleepMs: 1_000 });
    const [poolSleepy, poolHello] = (await run(pool, { scenario: 'sleep-then-root' })).requests;
    expect(poolHello!.closedAtMs).toBeLessThan(poolSleepy!.respondedAtMs!);
  });

  it('ends a run that outlives its timeout: requests still open are closed and say why, and the server serves on', async () => {
    const controller = await listening({ strategy: 'single', sleepMs: 2_000 });

    const report = await run(controller, { scenario: 'sleep-burst-8', timeoutMs: 300 });

    expect(report.outcome).toBe('timed-out');
    expect(report.answeredCount).toBe(0);
    expect(report.requests.every((request) => request.error === 'timed out after 0.3 s')).toBe(true);
    expect(controller.status.phase).toBe('listening');
  });

  it('cancels when asked: the requests not yet sent never leave', async () => {
    const port = await findFreePort();
    const cancel = new AbortController();
    const scenario = { id: 'custom', label: 'late', groups: [group({ startMs: 60_000 })] };
    const running = runScenario({ host: '127.0.0.1', port }, scenario, { timeoutMs: 120_000, signal: cancel.signal });
    cancel.abort('cancelled');

    const report = await running;

    expect(report).toMatchObject({ outcome: 'cancelled', answeredCount: 0, failedCount: 1 });
    expect(report.requests[0]).toMatchObject({ sentAtMs: null, error: 'cancelled' });
  });

  it('reports a server that is not there as refused connections, never as a thrown error', async () => {
    const port = await findFreePort();
    const report = await runScenario({ host: '127.0.0.1', port }, BUILT_IN_SCENARIOS['sleep-then-root'], { timeoutMs: 5_000 });
    expect(report).toMatchObject({ outcome: 'completed', answeredCount: 0, failedCount: 2 });
    expect(report.requests.map((request) => request.error)).toEqual(['connection refused', 'connection refused']);
  });

  it('refuses to run with no server listening, and a scenario over the bounds, saying why', async () => {
    const controller = new ServerController({ initialSettings: testSettings() });
    controllers.push(controller);
    expect(await controller.execute({ type: 'run-scenario', scenario: 'mix' })).toEqual({
      ok: false,
      error: 'Start the server first: the scenario goes to it',
    });
    const tooMany = { groups: [group({ count: SCENARIO_LIMITS.maxRequests + 1 })] };
    expect(await controller.execute({ type: 'run-scenario', scenario: tooMany })).toMatchObject({ ok: false });
  });
});
