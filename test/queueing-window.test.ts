// The sliding-window estimator of λ, S, ρ, Lq, L, Wq, W fed server events: exact on small traces worked
// out by hand, Little's law on a long simulated M/M/c run, and the window's edges and resets.

import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/load/schedule';
import type { ServerEvent } from '../src/shared/events';
import { predictMmc } from '../src/shared/queueing';
import { QueueingWindow } from '../src/shared/queueing-window';
import { listeningEvent, receivedEvent } from './support/sample-events';

const T0 = 1_700_000_000_000; // an epoch-like `at`, as the server stamps them

function listening(at: number, workerCount: number): ServerEvent {
  return listeningEvent(at, { workerCount });
}

/**
 * The events of a FIFO pool of `workers` given each job's arrival offset and run time (ms), in the order the
 * real pool emits them: job-queued (queueDepth counts the job), job-started, job-finished.
 */
function simulatePool(workers: number, jobs: Array<{ arriveMs: number; runMs: number }>, start = T0): ServerEvent[] {
  const freeAt = new Array<number>(workers).fill(start);
  const raw: Array<{ at: number; order: number; event: ServerEvent }> = [];
  let order = 0;
  jobs.forEach((job, index) => {
    const requestId = index + 1;
    const arriveAt = start + job.arriveMs;
    let worker = 0;
    for (let w = 1; w < workers; w++) if (freeAt[w]! < freeAt[worker]!) worker = w;
    const startAt = Math.max(arriveAt, freeAt[worker]!);
    const finishAt = startAt + job.runMs;
    freeAt[worker] = finishAt;
    raw.push({ at: arriveAt, order: order++, event: { type: 'job-queued', at: arriveAt, requestId, queueDepth: 0 } });
    raw.push({
      at: startAt,
      order: order++,
      event: { type: 'job-started', at: startAt, requestId, workerId: worker, waitMs: startAt - arriveAt, queueDepth: 0 },
    });
    raw.push({
      at: finishAt,
      order: order++,
      event: { type: 'job-finished', at: finishAt, requestId, workerId: worker, runMs: job.runMs, status: 200 },
    });
  });
  // Stream order: by time; at one instant a finish frees its worker before the next job starts, as in the pool.
  const rank = (e: ServerEvent) => (e.type === 'job-finished' ? 0 : e.type === 'job-queued' ? 1 : 2);
  raw.sort((a, b) => a.at - b.at || rank(a.event) - rank(b.event) || a.order - b.order);
  // Fill in queueDepth as the pool reports it: waiting jobs, this one included on job-queued, after removal on job-started.
  const waiting = new Set<number>();
  return raw.map(({ event }) => {
    if (event.type === 'job-queued') {
      waiting.add(event.requestId);
      return { ...event, queueDepth: waiting.size };
    }
    if (event.type === 'job-started') {
      waiting.delete(event.requestId);
      return { ...event, queueDepth: waiting.size };
    }
    return event;
  });
}

function feed(window: QueueingWindow, events: ServerEvent[]): void {
  for (const event of events) window.observe(event);
}

describe('QueueingWindow on a trace worked out by hand', () => {
  // One worker. Job 1 arrives at 0 and runs 10 ms; job 2 arrives at 5, waits until 10, runs 10 ms, leaves at 20.
  // Over [0, 100]: λ = 2 / 0.1 s = 20/s; S = 10 ms; ρ = 20 × 0.010 / 1 = 0.2; busy 20 ms of 100 → 0.2;
  // in system 10 + 15 = 25 job·ms → L = 0.25; W = (10 + 15)/2 = 12.5 ms → λW = 0.25 exactly;
  // waiting 5 job·ms → Lq = 0.05; Wq = (0 + 5)/2 = 2.5 ms → λWq = 0.05; job 2 found the worker busy: P(wait) = 1/2.
  const events = [
    listening(T0, 1),
    ...simulatePool(1, [
      { arriveMs: 0, runMs: 10 },
      { arriveMs: 5, runMs: 10 },
    ]),
  ];

  it('measures every quantity exactly when the window holds the whole busy period', () => {
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    feed(window, events);
    const snapshot = window.snapshot(T0 + 100);
    expect(snapshot).toMatchObject({ spanMs: 100, workers: 1, arrivals: 2, completions: 2, queueLength: 0, busyWorkers: 0 });
    expect(snapshot.arrivalRatePerS).toBeCloseTo(20, 10);
    expect(snapshot.meanServiceMs).toBeCloseTo(10, 10);
    expect(snapshot.utilization).toBeCloseTo(0.2, 10);
    expect(snapshot.busyFraction).toBeCloseTo(0.2, 10);
    expect(snapshot.meanInSystem).toBeCloseTo(0.25, 10);
    expect(snapshot.meanQueueLength).toBeCloseTo(0.05, 10);
    expect(snapshot.meanTimeInSystemMs).toBeCloseTo(12.5, 10);
    expect(snapshot.meanWaitMs).toBeCloseTo(2.5, 10);
    expect(snapshot.probabilityOfWait).toBeCloseTo(0.5, 10);
    expect(snapshot.little.inSystem.predicted).toBeCloseTo(0.25, 10);
    expect(snapshot.little.inSystem.difference).toBeCloseTo(0, 10);
    expect(snapshot.little.waiting.predicted).toBeCloseTo(0.05, 10);
    expect(snapshot.little.waiting.difference).toBeCloseTo(0, 10);
  });

  it('counts a job abandoned in the queue as leaving the system then, so Little holds with it', () => {
    // One worker. Job 1 arrives at 0 and runs 30 ms; job 2 arrives at 5 and is abandoned at 25, after waiting 20 ms.
    // Over [0, 100]: λ = 20/s; waiting 20 job·ms → Lq = 0.2 = λ × Wq (Wq = (0 + 20)/2 = 10 ms);
    // in system 30 + 20 job·ms → L = 0.5 = λ × W (W = (30 + 20)/2 = 25 ms); one completion, S = 30 ms.
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    feed(window, [
      listening(T0, 1),
      { type: 'job-queued', at: T0, requestId: 1, queueDepth: 1 },
      { type: 'job-started', at: T0, requestId: 1, workerId: 0, waitMs: 0, queueDepth: 0 },
      { type: 'job-queued', at: T0 + 5, requestId: 2, queueDepth: 1 },
      { type: 'job-abandoned', at: T0 + 25, requestId: 2, reason: 'max-wait', waitMs: 20, queueDepth: 0 },
      { type: 'job-finished', at: T0 + 30, requestId: 1, workerId: 0, runMs: 30, status: 200 },
    ]);
    const snapshot = window.snapshot(T0 + 100);
    expect(snapshot).toMatchObject({ arrivals: 2, completions: 1, queueLength: 0, busyWorkers: 0 });
    expect(snapshot.meanServiceMs).toBeCloseTo(30, 10);
    expect(snapshot.meanQueueLength).toBeCloseTo(0.2, 10);
    expect(snapshot.meanWaitMs).toBeCloseTo(10, 10);
    expect(snapshot.meanInSystem).toBeCloseTo(0.5, 10);
    expect(snapshot.meanTimeInSystemMs).toBeCloseTo(25, 10);
    expect(snapshot.little.waiting.difference).toBeCloseTo(0, 10);
    expect(snapshot.little.inSystem.difference).toBeCloseTo(0, 10);
  });

  it("counts the single thread's waiting connections as its queue, so its figures are the pool's for the same trace", () => {
    // The trace above on listing 21-10's single thread: job 1's connection is read at once; connection 2 opens at 5
    // and waits unread until the thread takes it at 10, when its request is read and its job starts at once.
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    const opened = (at: number, connectionId: number): ServerEvent => ({
      type: 'connection-opened',
      at,
      connectionId,
      remoteAddress: '127.0.0.1',
      remotePort: 40_000 + connectionId,
    });
    const received = (at: number, requestId: number, connectionId: number) => receivedEvent(at, requestId, { connectionId });
    const events: ServerEvent[] = [
      listeningEvent(T0, { workerCount: 1, strategy: 'single' }),
      opened(T0, 1),
      received(T0, 1, 1),
      { type: 'job-queued', at: T0, requestId: 1, queueDepth: 1 },
      { type: 'job-started', at: T0, requestId: 1, workerId: 0, waitMs: 0, queueDepth: 0 },
      opened(T0 + 5, 2),
      { type: 'connection-waiting', at: T0 + 5, connectionId: 2, waitingCount: 1 },
      { type: 'job-finished', at: T0 + 10, requestId: 1, workerId: 0, runMs: 10, status: 200 },
      { type: 'connection-closed', at: T0 + 10, connectionId: 1, reason: 'client-closed', requestCount: 1 },
      { type: 'connection-taken', at: T0 + 10, connectionId: 2, waitMs: 5, waitingCount: 0 },
      received(T0 + 10, 2, 2),
      { type: 'job-queued', at: T0 + 10, requestId: 2, queueDepth: 1 },
      { type: 'job-started', at: T0 + 10, requestId: 2, workerId: 0, waitMs: 0, queueDepth: 0 },
      { type: 'job-finished', at: T0 + 20, requestId: 2, workerId: 0, runMs: 10, status: 200 },
    ];
    // While connection 2 waits, it is the queue.
    const during = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    feed(during, events.slice(0, 7));
    // Connection 2's request arrived with it, at 5, not when the thread came round to read it.
    expect(during.snapshot(T0 + 7)).toMatchObject({ queueLength: 1, arrivals: 2 });
    feed(window, events);
    const snapshot = window.snapshot(T0 + 100);
    expect(snapshot).toMatchObject({ spanMs: 100, workers: 1, arrivals: 2, completions: 2, queueLength: 0, busyWorkers: 0 });
    expect(snapshot.meanQueueLength).toBeCloseTo(0.05, 10);
    expect(snapshot.meanWaitMs).toBeCloseTo(2.5, 10);
    expect(snapshot.meanInSystem).toBeCloseTo(0.25, 10);
    expect(snapshot.meanTimeInSystemMs).toBeCloseTo(12.5, 10);
    expect(snapshot.probabilityOfWait).toBeCloseTo(0.5, 10);
    expect(snapshot.little.waiting.difference).toBeCloseTo(0, 10);
    expect(snapshot.little.inSystem.difference).toBeCloseTo(0, 10);
  });

  it("counts a single thread's connection that closed unread as leaving the system then, so Little holds with it", () => {
    // The abandoned job above, on a single thread: connection 2 opens at 5 and its client gives up at 25, unread.
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    feed(window, [
      listeningEvent(T0, { workerCount: 1, strategy: 'single' }),
      { type: 'job-queued', at: T0, requestId: 1, queueDepth: 1 },
      { type: 'job-started', at: T0, requestId: 1, workerId: 0, waitMs: 0, queueDepth: 0 },
      { type: 'connection-waiting', at: T0 + 5, connectionId: 2, waitingCount: 1 },
      { type: 'connection-closed', at: T0 + 25, connectionId: 2, reason: 'client-closed', requestCount: 0 },
      { type: 'job-finished', at: T0 + 30, requestId: 1, workerId: 0, runMs: 30, status: 200 },
    ]);
    const snapshot = window.snapshot(T0 + 100);
    expect(snapshot).toMatchObject({ arrivals: 2, completions: 1, queueLength: 0, busyWorkers: 0 });
    expect(snapshot.meanQueueLength).toBeCloseTo(0.2, 10);
    expect(snapshot.meanWaitMs).toBeCloseTo(10, 10);
    expect(snapshot.meanInSystem).toBeCloseTo(0.5, 10);
    expect(snapshot.meanTimeInSystemMs).toBeCloseTo(25, 10);
    expect(snapshot.little.waiting.difference).toBeCloseTo(0, 10);
    expect(snapshot.little.inSystem.difference).toBeCloseTo(0, 10);
  });

  it('integrates the queue between events, not at them: mid-trace the running job counts up to now', () => {
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    feed(window, events.slice(0, 4)); // listening, job 1 queued + started, job 2 queued
    const snapshot = window.snapshot(T0 + 8);
    // Over [0, 8]: job 1 in system 8 ms, job 2 from 5 → 3 ms; L = 11/8; job 2 waiting 3 ms → Lq = 3/8; one busy worker throughout.
    expect(snapshot.meanInSystem).toBeCloseTo(11 / 8, 10);
    expect(snapshot.meanQueueLength).toBeCloseTo(3 / 8, 10);
    expect(snapshot.meanBusyWorkers).toBeCloseTo(1, 10);
    expect(snapshot).toMatchObject({ queueLength: 1, busyWorkers: 1, completions: 0, meanTimeInSystemMs: null, meanServiceMs: null });
    expect(snapshot.little.inSystem.predicted).toBeNull();
  });

  it('forgets what left the window: after a quiet spell longer than the window everything reads zero', () => {
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    feed(window, events);
    const later = window.snapshot(T0 + 5_000);
    expect(later).toMatchObject({
      arrivals: 0,
      completions: 0,
      meanInSystem: 0,
      meanQueueLength: 0,
      meanWaitMs: null,
      meanServiceMs: null,
    });
    // The window is whole buckets plus the current part of one: between windowMs − bucketMs and windowMs.
    expect(later.spanMs).toBeGreaterThanOrEqual(900);
    expect(later.spanMs).toBeLessThanOrEqual(1_000);
  });

  it('counts a job that straddles the window start in W and Wq, whole, when it finishes inside the window', () => {
    // Window 200 ms in 100 ms buckets. A job arrives at 50, waits behind a 300 ms job, starts at 300 and finishes at 310.
    const straddling = [
      listening(T0, 1),
      ...simulatePool(1, [
        { arriveMs: 0, runMs: 300 },
        { arriveMs: 50, runMs: 10 },
      ]),
    ];
    const window = new QueueingWindow({ windowMs: 200, bucketMs: 100 });
    feed(window, straddling);
    const snapshot = window.snapshot(T0 + 350);
    // Buckets kept: [200, 300) and [300, 350]; both jobs finished in them, neither arrived in them.
    expect(snapshot.spanMs).toBeCloseTo(150, 10);
    expect(snapshot).toMatchObject({ arrivals: 0, completions: 2 });
    expect(snapshot.meanTimeInSystemMs).toBeCloseTo((300 + 260) / 2, 10);
    expect(snapshot.meanWaitMs).toBeCloseTo((0 + 250) / 2, 10);
  });
});

describe("QueueingWindow's edges", () => {
  it('knows how many jobs were in the system when the window began, and how many are now', () => {
    // One worker, window 200 ms in 100 ms buckets. Jobs of 150 ms arrive at 0, 10 and 20: they run 0–150, 150–300,
    // 300–450. At 350 the window is [200, 350]: at 200 two were in the system (one running, one waiting), now one runs.
    const window = new QueueingWindow({ windowMs: 200, bucketMs: 100 });
    const trace = simulatePool(1, [
      { arriveMs: 0, runMs: 150 },
      { arriveMs: 10, runMs: 150 },
      { arriveMs: 20, runMs: 150 },
    ]);
    feed(window, [listening(T0, 1), ...trace.filter((event) => event.at <= T0 + 350)]);
    const snapshot = window.snapshot(T0 + 350);
    expect(snapshot).toMatchObject({ spanMs: 150, inSystemAtStart: 2, queueLength: 0, busyWorkers: 1, arrivals: 0, completions: 1 });
    // L counts both straddlers' time inside the window, λ none of them: Little's two sides are far apart.
    expect(snapshot.meanInSystem).toBeCloseTo((100 + 150) / 150, 10);
    expect(snapshot.little.inSystem.predicted).toBe(0);
    // Once the last job has left and a whole window has passed, and from the start of a run, the window begins empty.
    feed(
      window,
      trace.filter((event) => event.at > T0 + 350),
    );
    expect(window.snapshot(T0 + 1_000)).toMatchObject({ inSystemAtStart: 0, queueLength: 0, busyWorkers: 0 });
    const fresh = new QueueingWindow({ windowMs: 200, bucketMs: 100 });
    feed(fresh, [listening(T0, 1), ...simulatePool(1, [{ arriveMs: 0, runMs: 150 }]).filter((event) => event.at <= T0 + 120)]);
    expect(fresh.snapshot(T0 + 120)).toMatchObject({ inSystemAtStart: 0, busyWorkers: 1 });
  });
});

describe("Little's law on a simulated M/M/c run", () => {
  /** Poisson arrivals at `rate`/s and exponential run times with mean `serviceMs`, seeded. */
  function mmcJobs(count: number, ratePerS: number, serviceMs: number, seed: number) {
    const random = createRandom(seed);
    let at = 0;
    return Array.from({ length: count }, () => {
      at += (-Math.log(1 - random()) * 1000) / ratePerS;
      return { arriveMs: at, runMs: -Math.log(1 - random()) * serviceMs };
    });
  }

  it('gives L = λW and Lq = λWq within 2 % over a 60 s window that holds the whole run', () => {
    // 4 workers, λ = 300/s, S = 10 ms: ρ = 0.75. 15 000 jobs ≈ 50 s.
    const events = [listening(T0, 4), ...simulatePool(4, mmcJobs(15_000, 300, 10, 42))];
    const window = new QueueingWindow({ windowMs: 60_000, bucketMs: 100 });
    feed(window, events);
    const last = events[events.length - 1]!.at;
    const snapshot = window.snapshot(last);
    expect(snapshot.arrivals).toBe(15_000);
    expect(snapshot.little.inSystem.relativeDifference!).toBeLessThan(0.02);
    expect(snapshot.little.waiting.relativeDifference!).toBeLessThan(0.02);
    expect(snapshot.utilization!).toBeGreaterThan(0.7);
    expect(snapshot.utilization!).toBeLessThan(0.8);
    // A long M/M/c run lands near Erlang C: P(wait) and Wq within 15 % of the theory.
    const theory = predictMmc({ arrivalRatePerS: snapshot.arrivalRatePerS, meanServiceMs: snapshot.meanServiceMs!, workers: 4 });
    if (!theory.isStable) throw new Error('expected a stable queue');
    expect(Math.abs(snapshot.probabilityOfWait! / theory.probabilityOfWait - 1)).toBeLessThan(0.15);
    expect(Math.abs(snapshot.meanWaitMs! / theory.meanWaitMs - 1)).toBeLessThan(0.15);
  });

  it('keeps L and λW within 5 % on a 10 s sliding window in the middle of the run', () => {
    const events = [listening(T0, 4), ...simulatePool(4, mmcJobs(15_000, 300, 10, 7))];
    const window = new QueueingWindow({ windowMs: 10_000, bucketMs: 100 });
    const checkpoints = [15_000, 25_000, 35_000].map((offset) => T0 + offset);
    const snapshots = [];
    let next = 0;
    for (const event of events) {
      while (next < checkpoints.length && event.at > checkpoints[next]!) snapshots.push(window.snapshot(checkpoints[next++]!));
      window.observe(event);
    }
    expect(snapshots).toHaveLength(3);
    for (const snapshot of snapshots) {
      expect(snapshot.spanMs).toBeGreaterThanOrEqual(9_900);
      expect(snapshot.little.inSystem.relativeDifference!).toBeLessThan(0.05);
      expect(snapshot.little.waiting.relativeDifference!).toBeLessThan(0.1);
    }
  });
});

describe('QueueingWindow bookkeeping', () => {
  it('starts over on server-listening and takes the new pool size', () => {
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    feed(window, [listening(T0, 2), ...simulatePool(2, [{ arriveMs: 0, runMs: 5 }])]);
    window.observe(listening(T0 + 50, 8));
    const snapshot = window.snapshot(T0 + 60);
    expect(snapshot).toMatchObject({ workers: 8, arrivals: 0, completions: 0, spanMs: 10 });
  });

  it("counts as c the jobs that can run at once under each of the chapter's servers", () => {
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    const cOf = (settings: Parameters<typeof listeningEvent>[1]) => {
      window.observe(listeningEvent(T0, { workerCount: 4, maxThreads: 64, ...settings }));
      return window.snapshot(T0 + 10).workers;
    };
    expect(cOf({ strategy: 'pool' })).toBe(4);
    // The while-let worker keeps the queue's lock while its job runs: one job at a time, whatever the pool size.
    expect(cOf({ strategy: 'pool-while-let' })).toBe(1);
    expect(cOf({ strategy: 'single' })).toBe(1);
    expect(cOf({ strategy: 'per-request' })).toBe(64);
  });

  it('takes S as the time a job held its worker, and keeps the worker-measured run time beside it', () => {
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    window.observe(listening(T0, 1));
    window.observe({ type: 'job-queued', at: T0 + 1, requestId: 1, queueDepth: 1 });
    window.observe({ type: 'job-started', at: T0 + 1, requestId: 1, workerId: 0, waitMs: 0, queueDepth: 0 });
    // The worker ran it for 0.01 ms; handing it over and collecting the result took the rest of 0.5 ms.
    window.observe({ type: 'job-finished', at: T0 + 1.5, requestId: 1, workerId: 0, runMs: 0.01, status: 200 });
    const snapshot = window.snapshot(T0 + 100);
    expect(snapshot.meanServiceMs).toBeCloseTo(0.5, 10);
    expect(snapshot.meanWorkerRunMs).toBeCloseTo(0.01, 10);
    // ρ from S agrees with the measured busy time: one job of 0.5 ms in 100 ms.
    expect(snapshot.utilization).toBeCloseTo(0.005, 10);
    expect(snapshot.busyFraction).toBeCloseTo(0.005, 10);
  });

  it('counts requests refused for a full queue apart from arrivals', () => {
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    window.observe(listening(T0, 1));
    window.observe({ type: 'request-rejected', at: T0 + 1, requestId: 9, connectionId: 1, status: 503, errorCode: 'QUEUE_FULL' });
    window.observe({ type: 'request-rejected', at: T0 + 2, requestId: 10, connectionId: 1, status: 400, errorCode: 'BAD_REQUEST_LINE' });
    expect(window.snapshot(T0 + 10)).toMatchObject({ rejected: 1, arrivals: 0 });
  });

  it('joins a run already under way without counting busy workers below zero', () => {
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100, workers: 2 });
    // A job that started before the estimator did finishes first.
    window.observe({ type: 'job-finished', at: T0 + 1, requestId: 1, workerId: 0, runMs: 40, status: 200 });
    feed(
      window,
      simulatePool(2, [{ arriveMs: 5, runMs: 10 }]).map((e) => ({ ...e, requestId: 2 }) as ServerEvent),
    );
    const snapshot = window.snapshot(T0 + 20);
    expect(snapshot.busyWorkers).toBe(0);
    expect(snapshot.completions).toBe(2);
    // Its run inside the worker counts; how long it held its worker and its time in the system are unknown,
    // so S and W hold only the job seen whole.
    expect(snapshot.meanWorkerRunMs).toBeCloseTo(25, 10);
    expect(snapshot.meanServiceMs).toBeCloseTo(10, 10);
    expect(snapshot.meanTimeInSystemMs).toBeCloseTo(10, 10);
  });

  it('holds memory to its buckets and the jobs in the system, however many events pass', () => {
    const window = new QueueingWindow({ windowMs: 1_000, bucketMs: 100 });
    const jobs = Array.from({ length: 20_000 }, (_, i) => ({ arriveMs: i * 0.5, runMs: 0.2 }));
    feed(window, [listening(T0, 1), ...simulatePool(1, jobs)]);
    expect((window as unknown as { jobs: Map<number, unknown> }).jobs.size).toBe(0);
    // Two arrivals per ms over the window's span (at a bucket boundary: 9 whole buckets).
    const snapshot = window.snapshot(T0 + 10_000);
    expect(snapshot.spanMs).toBe(900);
    expect(snapshot.arrivals).toBe(1_800);
  });
});
