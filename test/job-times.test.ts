// A job's started and finished facts carry the times its worker claimed and finished it, however late the
// busy main thread learns of them: a /sleep never shows shorter than its sleep, and the stream stays in time
// order. Through real worker threads (the pool, the while-let pool, a thread per request) and real sockets (the
// server); only lower bounds on time.

import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServerOptions, startServer } from '../src/server';
import type { ServerEvent } from '../src/shared/events';
import { EventRecorder, outOfTimeOrder } from './support/event-recorder';
import { get, RawConnection } from './support/http-client';
import { PoolHarness, sleep, submit } from './support/pool-harness';

const SLEEP_MS = 200;
/** Long enough that no machine is this slow to start two sleeps; the test fails rather than spin forever. */
const GIVE_UP_AFTER_MS = 30_000;
/** Time enough for a request's thread to start on a slow machine, so that its sleep runs while the main thread is busy. */
const THREAD_STARTUP_ALLOWANCE_MS = 2_500;

const harness = new PoolHarness();
afterEach(() => harness.stopAll());

/** Keeps the main thread busy, as heavy work on it would: until `isDone()` holds, then `thenMs` more. False when it gave up waiting. */
function keepMainThreadBusy(isDone: () => boolean, thenMs: number): boolean {
  const giveUpAtMs = performance.now() + GIVE_UP_AFTER_MS;
  while (!isDone()) if (performance.now() > giveUpAtMs) return false;
  const untilMs = performance.now() + thenMs;
  while (performance.now() < untilMs) {}
  return true;
}

/** Resolves once `isDone()` holds, looking every few ms (the test's own timeout bounds it). */
async function until(isDone: () => boolean): Promise<void> {
  while (!isDone()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Each job's started→finished span, by request id, from facts or events that carry `at`. */
function spansOf(events: readonly { type: string; at: number; requestId?: number }[]): Map<number, number> {
  const startedAt = new Map<number, number>();
  const spans = new Map<number, number>();
  for (const e of events) {
    if (e.requestId === undefined) continue;
    if (e.type === 'job-started') startedAt.set(e.requestId, e.at);
    if (e.type === 'job-finished') spans.set(e.requestId, e.at - startedAt.get(e.requestId)!);
  }
  return spans;
}

describe('the times of jobs claimed while the main thread is busy', () => {
  it('reports a job started when its worker claimed it and finished when it ended, not when the main thread found out', async () => {
    const { pool, recorder, gates } = await harness.start(2, { maxQueuedJobs: 100 });
    const begun = 0;
    gates.close(begun);
    const ids = [1, 2, 3, 4, 5, 6];
    // Jobs 1 and 2 go to the workers' mailboxes; once both run, 3 to 6 wait in the ring.
    const jobs = ids.slice(0, 2).map((id) => submit(pool, id, sleep(SLEEP_MS, begun)));
    await until(() => gates.read(begun) === 2);
    jobs.push(...ids.slice(2).map((id) => submit(pool, id, sleep(SLEEP_MS, begun))));
    // With the main thread busy, only the workers themselves can start 3 and 4: they claim them as 1 and 2
    // end. The main thread stays busy well into them, so it learns of those claims late.
    const hasClaimed = keepMainThreadBusy(() => gates.read(begun) === 4, SLEEP_MS * 0.75);
    expect(hasClaimed, 'the workers claimed jobs 3 and 4 while the main thread was busy').toBe(true);

    const outcomes = await Promise.all(jobs.map((job) => job.outcome));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const spans = spansOf(recorder.events);
    expect([...spans.keys()].sort()).toEqual(ids);
    // 1 and 2 from their mailboxes; 3 and 4 claimed while the main thread was busy. (5 and 6 are claimed while
    // it is free: a fact it reports between such a claim and learning of it, another worker's finish, is
    // stamped first and the start after it, so a descheduled main thread may shorten them by that much.)
    for (const id of [1, 2, 3, 4]) expect(spans.get(id), `job ${id}'s started→finished`).toBeGreaterThanOrEqual(SLEEP_MS);
    // Its wait is what it waited: from queued to started, as the facts' own times say.
    for (const started of recorder.of('job-started')) {
      const queued = recorder.of('job-queued').find((e) => e.requestId === started.requestId)!;
      expect(started.waitMs).toBeCloseTo(started.at - queued.at, 6);
    }
    expect(outOfTimeOrder(recorder.events)).toBeNull();
  });

  it('shows each /sleep of a burst claimed while the main thread was busy at least as long as it slept, the whole stream in time order', async () => {
    const recorder = new EventRecorder();
    const server = harness.trackServer(await startServer({ port: 0, workerCount: 2, sleepMs: SLEEP_MS, events: recorder.stream }));
    const clients = await Promise.all(Array.from({ length: 6 }, () => RawConnection.open(server.port)));
    try {
      for (const client of clients) client.send(get('/sleep'));
      await recorder.until((r) => r.count('job-queued') === clients.length);
      // Two sleep; the workers claim the next two from the ring as those end, while the main thread is busy.
      keepMainThreadBusy(() => true, SLEEP_MS * 1.5);
      const statuses = await Promise.all(clients.map(async (client) => (await client.read()).status));
      expect(statuses).toEqual(clients.map(() => 200));
    } finally {
      for (const client of clients) client.close();
    }
    await recorder.until((r) => r.count('job-finished') === clients.length);
    const events: ServerEvent[] = recorder.events;
    const spans = spansOf(events);
    expect(spans.size).toBe(clients.length);
    // The first two from their mailboxes, the next two claimed while the main thread was busy (as in the pool's
    // test above, the last two are claimed while it is free, and other events may come between).
    for (const started of recorder.of('job-started').slice(0, 4)) {
      const id = started.requestId;
      expect(spans.get(id), `request ${id}'s started→finished`).toBeGreaterThanOrEqual(SLEEP_MS);
    }
    // A wait is the time between the job's own events, also when its start was stamped after other events.
    for (const started of recorder.of('job-started')) {
      const queued = recorder.of('job-queued').find((e) => e.requestId === started.requestId)!;
      expect(started.waitMs).toBeCloseTo(started.at - queued.at, 2);
    }
    expect(outOfTimeOrder(events)).toBeNull();
  });
});

/** Sends `count` /sleeps at once to a fresh server and keeps the main thread busy meanwhile; the events once all are answered. */
async function sleepsWhileMainThreadBusy(options: Partial<ServerOptions>, count: number, busyMs: number): Promise<ServerEvent[]> {
  const recorder = new EventRecorder();
  const server = harness.trackServer(await startServer({ port: 0, sleepMs: SLEEP_MS, ...options, events: recorder.stream }));
  const clients = await Promise.all(Array.from({ length: count }, () => RawConnection.open(server.port)));
  try {
    for (const client of clients) client.send(get('/sleep'));
    await recorder.until((r) => r.count('job-queued') === count);
    keepMainThreadBusy(() => true, busyMs);
    const statuses = await Promise.all(clients.map(async (client) => (await client.read()).status));
    expect(statuses).toEqual(clients.map(() => 200));
  } finally {
    for (const client of clients) client.close();
  }
  await recorder.until((r) => r.count('job-finished') === count);
  return recorder.events;
}

/**
 * Every job but the first to start spans at least its sleep. (The first may start before the main thread is busy,
 * and its start, read at the end of that turn, may be stamped after the main thread's own events of the turn.)
 */
function expectWholeSleepsAfterTheFirst(events: readonly ServerEvent[], spans: Map<number, number>): void {
  const first = events.find((e) => e.type === 'job-started');
  for (const [id, spanMs] of spans)
    if (first?.type === 'job-started' && id !== first.requestId)
      expect(spanMs, `request ${id}'s started→finished`).toBeGreaterThanOrEqual(SLEEP_MS);
}

describe("the times of jobs run while the main thread is busy, in the book's other threaded strategies", () => {
  it('while let: each /sleep spans its whole sleep and none overlaps another, as the lock serializes them', async () => {
    // Three sleeps on two workers: the lock runs them one after another, the first two while the main thread is
    // busy, so it learns of their starts and ends only afterwards.
    const events = await sleepsWhileMainThreadBusy({ strategy: 'pool-while-let', workerCount: 2 }, 3, SLEEP_MS * 2.5);
    const spans = spansOf(events);
    expect(spans.size).toBe(3);
    expectWholeSleepsAfterTheFirst(events, spans);
    // One at a time: each job starts no earlier than the one before it finished.
    const runs = [...spans.keys()]
      .map((id) => ({
        startedAt: events.find((e) => e.type === 'job-started' && e.requestId === id)!.at,
        finishedAt: events.find((e) => e.type === 'job-finished' && e.requestId === id)!.at,
      }))
      .sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < runs.length; i++)
      expect(runs[i]!.startedAt, `job ${i} starts after job ${i - 1} ends`).toBeGreaterThanOrEqual(runs[i - 1]!.finishedAt);
    // The lock's handovers in the order the workers lived them: each acquired after the previous release.
    const lockEvents = events.filter((e) => e.type === 'lock-acquired' || e.type === 'lock-released').map((e) => e.type);
    for (let i = 1; i < lockEvents.length; i++) expect(lockEvents[i], `lock event ${i}`).not.toBe(lockEvents[i - 1]);
    expect(outOfTimeOrder(events)).toBeNull();
  });

  it('a thread per request: each /sleep spans its whole sleep, started when its thread began it', async () => {
    // Busy long enough for the threads to start (a fresh isolate each, which loads the route's code) and sleep.
    const events = await sleepsWhileMainThreadBusy({ strategy: 'per-request' }, 3, THREAD_STARTUP_ALLOWANCE_MS + SLEEP_MS * 1.5);
    const spans = spansOf(events);
    expect(spans.size).toBe(3);
    expectWholeSleepsAfterTheFirst(events, spans);
    expect(outOfTimeOrder(events)).toBeNull();
  });
});
