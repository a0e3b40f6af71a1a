// The ThreadPool's ring of waiting jobs (protocol.ts) under stress, with real worker threads: whatever waits,
// however it is cut short, jobs leave the queue in admission order, each worker runs one job at a time, every
// callback is called once; a worker that dies with a claimed job fails that job; shutdown with a full ring
// lets every job finish; and pipelined keep-alive requests through real sockets are answered in order.
// Workers block on gates the test opens; nothing asserts on time.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../src/server';
import { RingLayout } from '../src/server/pool/protocol';
import type { ScriptedJob, ScriptedOutput } from './fixtures/workers/scripted-worker';
import { outOfTimeOrder } from './support/event-recorder';
import { pipelined } from './support/hostile-clients';
import { get, RawConnection } from './support/http-client';
import { echo, PoolHarness, submit, wait } from './support/pool-harness';
import type { PoolFact } from './support/pool-recorder';

const harness = new PoolHarness();
afterEach(() => harness.stopAll());

/** Bigger than a ring slot holds (RingLayout.slotInputBytes), so it can only reach a worker through its mailbox. */
const MAILBOX_ONLY_BYTES = RingLayout.slotInputBytes + 100;

type JobKind = 'ring' | 'mailbox-only' | 'throws';
const echoedValue = (kind: JobKind, id: number): string => (kind === 'ring' ? `job ${id}` : `${id}:`.padEnd(MAILBOX_ONLY_BYTES, 'x'));
const jobOf = (kind: JobKind, id: number): ScriptedJob =>
  kind === 'throws' ? { kind: 'throw', message: `job ${id} threw` } : echo(echoedValue(kind, id));

/** The requests of `ids` in the order they left the queue (started or abandoned). */
function leftQueue(events: PoolFact<ScriptedOutput>[], ids: Set<number>): number[] {
  return events
    .filter((e) => (e.type === 'job-started' || e.type === 'job-abandoned') && ids.has(e.requestId))
    .map((e) => ('requestId' in e ? e.requestId : -1));
}

/** Each worker's facts alternate started(job), finished(the same job): never two jobs at once on one worker. */
function expectOneJobAtATime(events: PoolFact<ScriptedOutput>[]): void {
  const running = new Map<number, number>();
  for (const e of events) {
    if (e.type === 'job-started') {
      expect(running.get(e.workerId), `worker ${e.workerId} started job ${e.requestId} while running another`).toBeUndefined();
      running.set(e.workerId, e.requestId);
    } else if (e.type === 'job-finished') {
      expect(running.get(e.workerId)).toBe(e.requestId);
      running.delete(e.workerId);
    }
  }
}

describe('the ring of waiting jobs', () => {
  it('starts waiting jobs in admission order, one at a time per worker, however many wait and whichever way each reaches a worker', async () => {
    const { pool, recorder, gates } = await harness.start(3, { maxQueuedJobs: 10_000 });
    let lastId = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<JobKind>('ring', 'ring', 'ring', 'mailbox-only', 'throws'), {
          minLength: 1,
          maxLength: 3 * RingLayout.capacity,
        }),
        async (kinds) => {
          gates.close(0);
          const from = recorder.events.length;
          const blockers = [0, 1, 2].map(() => submit(pool, ++lastId, wait(0)));
          const queued = kinds.map((kind) => {
            const id = ++lastId;
            return { id, kind, ...submit(pool, id, jobOf(kind, id)) };
          });
          expect(queued.every((job) => job.accepted)).toBe(true);
          expect(pool.queueDepth).toBe(kinds.length);
          gates.open(0);
          await Promise.all(blockers.map((job) => job.outcome));
          const outcomes = await Promise.all(queued.map((job) => job.outcome));
          for (const [i, outcome] of outcomes.entries()) {
            const { id, kind } = queued[i]!;
            if (kind === 'throws') expect(outcome).toMatchObject({ ok: false, cause: 'threw', error: `job ${id} threw` });
            else expect(outcome.ok && outcome.output.value).toBe(echoedValue(kind, id));
          }
          const events = recorder.events.slice(from);
          expect(leftQueue(events, new Set(queued.map((job) => job.id)))).toEqual(queued.map((job) => job.id));
          expectOneJobAtATime(events);
          expect(outOfTimeOrder(events)).toBeNull();
          expect(pool.state().queue).toEqual([]);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('answers each job once when deadlines race the workers’ claims: run, or abandoned without running, in admission order', async () => {
    const maxWaitMs = 25;
    const { pool, recorder, gates } = await harness.start(2, { maxWaitMs, maxQueuedJobs: 10_000 });
    let lastId = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 3 * maxWaitMs }), async (jobCount, openAfterMs) => {
        gates.close(0);
        const from = recorder.events.length;
        const blockers = [0, 1].map(() => submit(pool, ++lastId, wait(0)));
        const queued = Array.from({ length: jobCount }, () => {
          const id = ++lastId;
          return { id, ...submit(pool, id, echo(`job ${id}`)) };
        });
        await new Promise((resolve) => setTimeout(resolve, openAfterMs));
        gates.open(0);
        await Promise.all(blockers.map((job) => job.outcome));
        const outcomes = await Promise.all(queued.map((job) => job.outcome));
        const events = recorder.events.slice(from);
        for (const [i, outcome] of outcomes.entries()) {
          const id = queued[i]!.id;
          const started = events.filter((e) => e.type === 'job-started' && e.requestId === id).length;
          const abandoned = events.filter((e) => e.type === 'job-abandoned' && e.requestId === id);
          if (outcome.ok) {
            expect(outcome.output.value).toBe(`job ${id}`);
            expect([started, abandoned.length]).toEqual([1, 0]);
          } else {
            expect(outcome).toMatchObject({ cause: 'abandoned', reason: 'max-wait' });
            expect([started, abandoned.length]).toEqual([0, 1]);
            // Judged overdue by the main thread's clock or a worker's; they may differ by a clock tick.
            expect(abandoned[0]!.type === 'job-abandoned' && abandoned[0]!.waitMs).toBeGreaterThanOrEqual(maxWaitMs - 1);
          }
        }
        expect(leftQueue(events, new Set(queued.map((job) => job.id)))).toEqual(queued.map((job) => job.id));
        expectOneJobAtATime(events);
        expect(outOfTimeOrder(events)).toBeNull();
      }),
      { numRuns: 10 },
    );
  });

  it('fails the job a worker claimed from the ring and died in, replaces the worker, and runs the rest in order', async () => {
    const { pool, recorder, gates } = await harness.start(2, { maxQueuedJobs: 10_000 });
    let lastId = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.nat(11), async (jobCount, crashAt) => {
        gates.close(0);
        const from = recorder.events.length;
        const replacedBefore = recorder.count('worker-replaced');
        const blockers = [0, 1].map(() => submit(pool, ++lastId, wait(0)));
        const queued = Array.from({ length: jobCount }, (_, i) => {
          const id = ++lastId;
          return { id, ...submit(pool, id, i === crashAt % jobCount ? { kind: 'exit', code: 9 } : echo(`job ${id}`)) };
        });
        const dying = queued[crashAt % jobCount]!;
        gates.open(0);
        const outcomes = await Promise.all(queued.map((job) => job.outcome));
        await Promise.all(blockers.map((job) => job.outcome));
        await recorder.until((r) => r.count('worker-replaced') === replacedBefore + 1);
        const events = recorder.events.slice(from);
        const claimer = events.find((e) => e.type === 'job-started' && e.requestId === dying.id);
        if (claimer?.type !== 'job-started') throw new Error('the dying job never started');
        for (const [i, outcome] of outcomes.entries()) {
          const id = queued[i]!.id;
          if (id === dying.id) {
            expect(outcome).toMatchObject({
              ok: false,
              cause: 'worker-died',
              workerId: claimer.workerId,
              error: expect.stringMatching(/exit code 9/),
            });
          } else {
            expect(outcome).toMatchObject({ ok: true, output: { value: `job ${id}` } });
          }
        }
        // Its job is answered before the worker is reported gone, and the replacement takes the same id.
        const lifecycle = events
          .filter(
            (e) => (e.type === 'job-finished' && e.requestId === dying.id) || e.type === 'worker-exited' || e.type === 'worker-replaced',
          )
          .map((e) => `${e.type}:${'workerId' in e ? e.workerId : ''}`);
        expect(lifecycle).toEqual([
          `job-finished:${claimer.workerId}`,
          `worker-exited:${claimer.workerId}`,
          `worker-replaced:${claimer.workerId}`,
        ]);
        expect(leftQueue(events, new Set(queued.map((job) => job.id)))).toEqual(queued.map((job) => job.id));
        expectOneJobAtATime(events);
        expect(outOfTimeOrder(events)).toBeNull();
      }),
      { numRuns: 4 },
    );
  });

  it('shuts down with the ring full and more waiting behind it: every job runs, in order, before the workers are joined', async () => {
    const { pool, recorder, gates } = await harness.start(2, { maxQueuedJobs: 10_000 });
    const blockers = [1, 2].map((id) => submit(pool, id, wait(0)));
    const waiting = Array.from({ length: 3 * RingLayout.capacity + 5 }, (_, i) => submit(pool, 3 + i, echo(`job ${3 + i}`)));
    expect(pool.queueDepth).toBe(waiting.length);
    expect(pool.state().queue.map((job) => job.requestId)).toEqual(waiting.map((_, i) => 3 + i));

    const stopping = pool.shutdown();
    expect(submit(pool, 10_000, echo('too late')).accepted).toBe(false);
    gates.open(0);
    await stopping;

    const outcomes = await Promise.all([...blockers, ...waiting].map((job) => job.outcome));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(recorder.of('job-started').map((e) => e.requestId)).toEqual([1, 2, ...waiting.map((_, i) => 3 + i)]);
    expectOneJobAtATime(recorder.events);
    expect(outOfTimeOrder(recorder.events)).toBeNull();
    const firstStop = recorder.events.findIndex((e) => e.type === 'worker-stopping');
    expect(recorder.events.findLastIndex((e) => e.type === 'job-finished')).toBeLessThan(firstStop);
    expect(
      recorder.events
        .filter((e) => e.type === 'worker-stopping' || e.type === 'worker-exited')
        .map((e) => `${e.type}:${'workerId' in e ? e.workerId : ''}`),
    ).toEqual(['worker-stopping:0', 'worker-exited:0', 'worker-stopping:1', 'worker-exited:1']);
  });
});

describe('pipelined keep-alive through real sockets', () => {
  it('answers every request of many pipelining connections, each connection’s answers in the order it asked', async () => {
    const server = harness.trackServer(await startServer({ port: 0, workerCount: 2 }));
    const connectionCount = 8;
    const rounds = 40;
    // Each round: a page, a missing page, the page again: three answers whose order the statuses show.
    const round = get('/') + get('/missing') + get('/');
    const expected = Array.from({ length: rounds }, () => [200, 404, 200]).flat();
    const clients = await Promise.all(Array.from({ length: connectionCount }, () => RawConnection.open(server.port)));
    try {
      for (const client of clients) client.send(pipelined(round, rounds));
      const statuses = await Promise.all(
        clients.map(async (client) => {
          const seen: number[] = [];
          for (let i = 0; i < expected.length; i++) seen.push((await client.read()).status);
          return seen;
        }),
      );
      for (const seen of statuses) expect(seen).toEqual(expected);
    } finally {
      for (const client of clients) client.close();
    }
  });
});
