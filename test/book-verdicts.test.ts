// The Book panel's verdicts: first on recorded events (built here, one request at a time, so each case says what
// the run did), then on real servers through the `query` a page sends, one step per strategy, with the traffic each
// step's Try it fires sent from real sockets. Matches are decided by orderings and counts, never by tight timing.

import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeBookStep, mostAtOnce } from '../src/history/book-verdicts';
import { FramePublisher } from '../src/main/publisher';
import { ServerController } from '../src/main/server-controller';
import { BOOK_STEPS, type BookStepId, settingsForStep } from '../src/shared/book';
import { runScenarioCommand, scenarioResultOf } from '../src/shared/commands';
import type { ServerEvent } from '../src/shared/events';
import { scenarioRequestCount } from '../src/shared/scenarios';
import { DEFAULT_SETTINGS, type ServerSettings } from '../src/shared/settings';
import type { QueryResult } from '../src/shared/wire';

const T0 = 1_760_000_000_000;

/** One request as the run served it: ms from T0 (opened: its connection-opened, when earlier than its read). */
interface Served {
  path: '/' | '/sleep';
  opened?: number;
  received: number;
  started: number;
  finished: number;
  workerId?: number;
  status?: number;
}

/** A run's events: listening with these settings, each request's connection and job, then (optionally) the stop. */
function runEvents(
  settings: Partial<ServerSettings>,
  served: Served[],
  stop?: { at: number; reason: 'stop-after' | 'command'; joined: number[] },
): ServerEvent[] {
  const events: ServerEvent[] = [{ type: 'server-listening', at: T0, ...DEFAULT_SETTINGS, ...settings }];
  served.forEach((r, i) => {
    const id = i + 1;
    const at = (ms: number) => T0 + ms;
    events.push(
      { type: 'connection-opened', at: at(r.opened ?? r.received), connectionId: id, remoteAddress: '127.0.0.1', remotePort: 5000 + id },
      {
        type: 'request-received',
        at: at(r.received),
        requestId: id,
        connectionId: id,
        method: 'GET',
        target: r.path,
        remoteAddress: '127.0.0.1',
        userAgent: null,
      },
      { type: 'job-queued', at: at(r.received), requestId: id, queueDepth: 1 },
      { type: 'job-started', at: at(r.started), requestId: id, workerId: r.workerId ?? 0, waitMs: r.started - r.received, queueDepth: 0 },
      { type: 'job-finished', at: at(r.finished), requestId: id, workerId: r.workerId ?? 0, runMs: r.finished - r.started, status: 200 },
      { type: 'response-sent', at: at(r.finished), requestId: id, status: r.status ?? 200, bytes: 100 },
    );
  });
  if (stop) {
    events.push({ type: 'server-stopping', at: T0 + stop.at, reason: stop.reason });
    for (const workerId of stop.joined) {
      events.push({ type: 'worker-stopping', at: T0 + stop.at, workerId });
      events.push({ type: 'worker-exited', at: T0 + stop.at, workerId, reason: 'shutdown', exitCode: 0 });
    }
    events.push({ type: 'server-stopped', at: T0 + stop.at });
  }
  // The verdicts read events in time order, as the history holds them.
  return events.sort((a, b) => a.at - b.at);
}

describe('the verdicts on recorded events', () => {
  it('counts the most jobs at once, a job ending as the next starts not overlapping it', () => {
    const measured = (spans: Array<[number, number]>) =>
      mostAtOnce(
        spans.map(([s, f], i) => ({
          requestId: i,
          connectionId: i,
          path: '/',
          receivedAt: s,
          startedAt: s,
          finishedAt: f,
          waitMs: 0,
          sentAt: f,
          status: 200,
        })),
      );
    expect(
      measured([
        [0, 10],
        [10, 20],
        [20, 30],
      ]),
    ).toBe(1);
    expect(
      measured([
        [0, 10],
        [5, 20],
        [6, 7],
      ]),
    ).toBe(3);
    expect(measured([])).toBe(0);
  });

  it('waits until every request of the step has its answer', () => {
    const events = runEvents({ strategy: 'pool-while-let' }, [{ path: '/sleep', received: 0, started: 0, finished: 1000 }]);
    expect(judgeBookStep('while-let', 3, events.slice(0, 5))).toMatchObject({
      step: 'while-let',
      runId: 3,
      state: 'waiting',
      matches: null,
      text: 'Waiting for the answers: 0 of 4…',
      answeredCount: 0,
      expectedCount: 4,
    });
  });

  it('while let: four sleeps one after another match the book; overlapping ones do not, and say what was expected', () => {
    const serial = [0, 1, 2, 3].map((i) => ({
      path: '/sleep' as const,
      received: 0,
      started: i * 1000,
      finished: (i + 1) * 1000,
      workerId: i,
    }));
    expect(judgeBookStep('while-let', 1, runEvents({ strategy: 'pool-while-let', workerCount: 4 }, serial))).toMatchObject({
      state: 'measured',
      matches: true,
      text: '4 sleeps took 4.0 s on 4 workers — one at a time: the lock was held for every job',
      expected: null,
    });
    const overlapping = [0, 1, 2, 3].map((i) => ({ path: '/sleep' as const, received: 0, started: 0, finished: 1000, workerId: i }));
    expect(judgeBookStep('while-let', 1, runEvents({ strategy: 'pool-while-let', workerCount: 4 }, overlapping))).toMatchObject({
      matches: false,
      text: '4 sleeps took 1.0 s on 4 workers, up to 4 at once',
      expected: 'The book predicts one job at a time, the lock held for every job.',
    });
  });

  it('a slow request: `/` answered after `/sleep` waited behind it; answered before, it did not', () => {
    const behind = runEvents({ strategy: 'single' }, [
      { path: '/sleep', received: 0, started: 0, finished: 5000 },
      { path: '/', opened: 500, received: 5001, started: 5001, finished: 5002 },
    ]);
    expect(judgeBookStep('slow-request', 1, behind)).toMatchObject({
      matches: true,
      text: '`/` waited 4.5 s behind `/sleep` — the single thread blocked it',
    });
    const notBehind = runEvents({ strategy: 'single' }, [
      { path: '/sleep', received: 0, started: 0, finished: 5000 },
      { path: '/', opened: 500, received: 500, started: 500, finished: 502 },
    ]);
    expect(judgeBookStep('slow-request', 1, notBehind)).toMatchObject({
      matches: false,
      text: '`/` was answered in 2 ms, before `/sleep` was',
      expected: 'The book predicts `/` to wait until `/sleep` was answered.',
    });
  });

  it('the pool: four at a time on four workers, the other four waiting a sleep', () => {
    const served = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => {
      const round = Math.floor(i / 4);
      return { path: '/sleep' as const, received: 0, started: round * 1000, finished: (round + 1) * 1000, workerId: i % 4 };
    });
    expect(judgeBookStep('pool', 1, runEvents({ strategy: 'pool', workerCount: 4 }, served))).toMatchObject({
      matches: true,
      text: '8 sleeps took 2.0 s on 4 workers — 4 at a time, the other 4 waited 1.0 s in the queue',
    });
  });

  it('a run of another strategy says it speaks not for the step', () => {
    const served = [0, 1, 2, 3, 4].map((i) => ({ path: '/' as const, received: i, started: i, finished: i + 1 }));
    expect(judgeBookStep('single', 1, runEvents({ strategy: 'pool' }, served))).toMatchObject({
      matches: false,
      text: 'This run used strategy pool, not single: it says nothing about this step',
    });
  });

  it('take(2): two served, Shutting down, the workers joined in order — and waits for the stop before judging', () => {
    const served: Served[] = [
      { path: '/sleep', received: 0, started: 0, finished: 1000, workerId: 0 },
      { path: '/sleep', received: 1, started: 1, finished: 1000, workerId: 1 },
    ];
    const settings = { strategy: 'pool' as const, workerCount: 4, stopAfterConnections: 2 };
    expect(judgeBookStep('shutdown', 1, runEvents(settings, served))).toMatchObject({
      state: 'waiting',
      text: 'Waiting for the server to shut down…',
    });
    expect(
      judgeBookStep('shutdown', 1, runEvents(settings, served, { at: 1001, reason: 'stop-after', joined: [0, 1, 2, 3] })),
    ).toMatchObject({
      state: 'measured',
      matches: true,
      text: '2 requests served, then Shutting down; the workers joined in order 0, 1, 2, 3',
    });
    expect(judgeBookStep('shutdown', 1, runEvents(settings, served, { at: 1001, reason: 'command', joined: [0, 1, 2, 3] }))).toMatchObject({
      matches: false,
      text: '2 requests served, then it stopped for another reason (command); the workers joined in order 0, 1, 2, 3',
    });
  });
});

// ── on real servers, through the query a page sends ───────────────────────────

let controllers: ServerController[] = [];

afterEach(async () => {
  await Promise.all(controllers.map((c) => c.dispose()));
  controllers = [];
});

async function verdictOf(publisher: FramePublisher, step: BookStepId): Promise<QueryResult & { kind: 'book-verdict' }> {
  for (;;) {
    const result = publisher.query({ kind: 'book-verdict', step });
    if (!result.ok || result.kind !== 'book-verdict') throw new Error(`unexpected answer ${JSON.stringify(result)}`);
    if (result.verdict?.state === 'measured') return result;
    await delay(50);
  }
}

describe.each(BOOK_STEPS.map((step) => [step.id, step] as const))('step %s on a real server', (_id, step) => {
  it("matches the book, measured from the run's events and answered through `query`", async () => {
    const controller = new ServerController();
    controllers.push(controller);
    const publisher = new FramePublisher(controller);
    const settings = settingsForStep(step, { ...DEFAULT_SETTINGS, port: 0, sleepMs: 400 });
    expect(await controller.execute({ type: 'start-server', settings })).toEqual({ ok: true });
    // The traffic Try it fires: the run-scenario command, from real sockets.
    const fired = scenarioResultOf(await controller.execute(runScenarioCommand(step.traffic)));
    expect(fired.ok && fired.scenario.statusCounts).toEqual({ 200: scenarioRequestCount(step.traffic) });
    const result = await verdictOf(publisher, step.id);
    const verdict = result.ok ? result.verdict : null;
    expect(verdict, verdict?.text).toMatchObject({ step: step.id, state: 'measured', matches: true, expected: null });
    expect(verdict!.answeredCount).toBe(verdict!.expectedCount);
    publisher.dispose();
  });
});

describe('the book-verdict query', () => {
  it('refuses an unknown step, naming the valid ones, and answers null before any run', () => {
    const controller = new ServerController();
    controllers.push(controller);
    const publisher = new FramePublisher(controller);
    expect(publisher.query({ kind: 'book-verdict', step: 'fork' })).toEqual({
      ok: false,
      error: 'query step must be one of single, slow-request, per-request, pool, while-let, shutdown (got "fork")',
    });
    expect(publisher.query({ kind: 'book-verdict', step: 'pool' })).toEqual({ ok: true, kind: 'book-verdict', verdict: null });
    publisher.dispose();
  });
});
