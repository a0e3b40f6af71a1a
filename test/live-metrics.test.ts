// The main side's live figures, as pure code: the chart sampler (LiveSeries) on event sequences worked out by
// hand, the queueing panel's reading of a window (theory, overload, notes), and the charts' columns.

import { describe, expect, it } from 'vitest';
import { busyWorkersFigure, liveChartColumns } from '../src/renderer/components/charts/live-chart-data';
import { sweepChartColumns } from '../src/renderer/components/charts/sweep-chart-data';
import type { ServerEvent } from '../src/shared/events';
import { LIVE_METRICS_INTERVAL_MS, type LiveSample, LiveSeries, nearestRank } from '../src/shared/live-metrics';
import { readQueueing } from '../src/shared/queueing-reading';
import { QueueingWindow, type QueueingWindowSnapshot } from '../src/shared/queueing-window';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import type { SweepTableRow } from '../src/shared/sweep-table';
import { servedRequestEvents } from './support/sample-events';

const T0 = 1_700_000_000_000;

function listening(at: number, workerCount: number): ServerEvent {
  return { type: 'server-listening', at, ...DEFAULT_SETTINGS, host: '127.0.0.1', port: 7878, workerCount };
}

/** One request's whole life: received, queued, started at once on worker 0, finished and answered after runMs. */
function request(requestId: number, at: number, runMs: number): ServerEvent[] {
  return servedRequestEvents(requestId, 0, { queuedAt: at, startedAt: at, finishedAt: at + runMs });
}

describe('LiveSeries', () => {
  it('gives responses per second and p99 latency over the last second, and busy workers as a time average', () => {
    const series = new LiveSeries();
    series.observe(listening(T0, 2));
    // 20 requests, one every 50 ms, each taking 10 ms, then 1 slow one of 200 ms.
    const events = Array.from({ length: 20 }, (_, i) => request(i + 1, T0 + i * 50, 10)).flat();
    for (const event of events) series.observe(event);
    const first = series.sample(T0 + 1_000);
    expect(first.workers).toBe(2);
    // The first sample counts as one interval long: 20 responses over at most a second.
    expect(first.responsesPerS).toBeGreaterThanOrEqual(20);
    expect(first.p99LatencyMs).toBe(10);
    // 10 ms busy in every 50 ms: one worker busy a fifth of the time.
    expect(first.meanBusyWorkers).toBeCloseTo(0.2, 1);
    for (const event of request(21, T0 + 1_100, 200)) series.observe(event);
    const samples: LiveSample[] = [];
    for (let at = T0 + 1_250; at <= T0 + 2_000; at += LIVE_METRICS_INTERVAL_MS) samples.push(series.sample(at));
    const last = samples[samples.length - 1]!;
    // The last second holds only the slow request.
    expect(last.responsesPerS).toBeCloseTo(1, 5);
    expect(last.p99LatencyMs).toBe(200);
    expect(last.meanQueueLength).toBe(0);
  });

  it("counts the lanes that really run requests: the single thread, and a thread per request's live threads", () => {
    const single = new LiveSeries();
    single.observe({ ...listening(T0, 4), strategy: 'single' } as ServerEvent);
    expect(single.sample(T0 + 250).workers).toBe(1);

    const perRequest = new LiveSeries();
    perRequest.observe({ ...listening(T0, 4), strategy: 'per-request' } as ServerEvent);
    expect(perRequest.sample(T0 + 250).workers).toBe(0);
    const thread = (type: 'thread-started' | 'thread-exited', at: number, workerId: number, liveThreadCount: number): ServerEvent =>
      type === 'thread-started'
        ? { type, at, workerId, requestId: workerId + 1, startupMs: 10, liveThreadCount }
        : { type, at, workerId, exitCode: 0, liveThreadCount };
    for (const event of [
      thread('thread-started', T0 + 300, 0, 1),
      thread('thread-started', T0 + 310, 1, 2),
      thread('thread-started', T0 + 320, 2, 3),
    ]) {
      perRequest.observe(event);
    }
    expect(perRequest.sample(T0 + 500).workers).toBe(3);
    perRequest.observe(thread('thread-exited', T0 + 600, 0, 2));
    expect(perRequest.sample(T0 + 750).workers).toBe(2);
  });

  it("times a single thread's request from its connection's accept: it waited unread while the thread served another", () => {
    const series = new LiveSeries();
    series.observe({ ...listening(T0, 1), strategy: 'single' } as ServerEvent);
    // Request 1 runs 300 ms at once; connection 2 opened with it and waited unread until the thread took it.
    const first = request(1, T0, 300);
    for (const event of first.slice(0, 3)) series.observe(event);
    series.observe({ type: 'connection-waiting', at: T0, connectionId: 2, waitingCount: 1 });
    for (const event of first.slice(3)) series.observe(event);
    series.observe({ type: 'connection-taken', at: T0 + 300, connectionId: 2, waitMs: 300, waitingCount: 0 });
    for (const event of request(2, T0 + 300, 300)) series.observe(event);
    const sample = series.sample(T0 + 750);
    expect(sample.p99LatencyMs).toBe(600);
    // The wait counted in the queue: one connection for 300 ms of the 750 ms sampled.
    expect(sample.meanQueueLength).toBeCloseTo(300 / 750, 5);
  });

  it('reads no latency and no rate once a second has passed without a response', () => {
    const series = new LiveSeries();
    series.observe(listening(T0, 1));
    for (const event of request(1, T0, 5)) series.observe(event);
    series.sample(T0 + 250);
    let sample = series.sample(T0 + 500);
    for (let at = T0 + 750; at <= T0 + 2_000; at += 250) sample = series.sample(at);
    expect(sample.responsesPerS).toBe(0);
    expect(sample.p99LatencyMs).toBeNull();
  });

  it('takes percentiles by nearest rank: always a measured value', () => {
    expect(nearestRank([], 99)).toBeNull();
    expect(nearestRank([3, 1, 2], 50)).toBe(2);
    expect(
      nearestRank(
        Array.from({ length: 100 }, (_, i) => 100 - i),
        99,
      ),
    ).toBe(99);
    expect(nearestRank([5], 99.9)).toBe(5);
  });
});

describe('QueueingWindow run-time spread', () => {
  it('has a coefficient of variation near 0 for equal run times and above 1.5 for widely spread ones', () => {
    const constant = new QueueingWindow({ workers: 1 });
    constant.observe(listening(T0, 1));
    for (let i = 0; i < 10; i++) for (const event of request(i + 1, T0 + i * 100, 20)) constant.observe(event);
    expect(constant.snapshot(T0 + 1_000).workerRunCv).toBeCloseTo(0, 6);

    const spread = new QueueingWindow({ workers: 1 });
    spread.observe(listening(T0, 1));
    // Run times 1, 2, 4, …, 512 ms: far more spread than exponential.
    for (let i = 0; i < 10; i++) for (const event of request(i + 1, T0 + i * 1_000, 2 ** i)) spread.observe(event);
    expect(spread.snapshot(T0 + 9_999).workerRunCv).toBeGreaterThan(1.5);
  });
});

function snapshot(overrides: Partial<QueueingWindowSnapshot>): QueueingWindowSnapshot {
  const check = { measured: 0, predicted: null, difference: null, relativeDifference: null };
  return {
    at: T0,
    spanMs: 10_000,
    workers: 2,
    arrivals: 500,
    arrivalRatePerS: 50,
    rejected: 0,
    completions: 500,
    throughputPerS: 50,
    meanServiceMs: 20,
    meanWorkerRunMs: 19,
    workerRunCv: 1,
    utilization: 0.5,
    busyFraction: 0.5,
    meanQueueLength: 0.1,
    meanBusyWorkers: 1,
    meanInSystem: 1.1,
    meanWaitMs: 2,
    meanTimeInSystemMs: 22,
    probabilityOfWait: 0.3,
    queueLength: 0,
    busyWorkers: 1,
    inSystemAtStart: 1,
    little: { inSystem: check, waiting: check },
    ...overrides,
  };
}

describe('readQueueing', () => {
  it('gives the Erlang C reference for the measured λ, S and c, and no note when M/M/c fits', () => {
    const reading = readQueueing(snapshot({}), { arrivals: 'poisson' });
    // a = 1 erlang on 2 workers: C(2, 1) = 1/3, Wq = C·S/(c − a) = 20/3 ms.
    expect(reading.theory).toMatchObject({
      isStable: true,
      probabilityOfWait: expect.closeTo(1 / 3, 9),
      meanWaitMs: expect.closeTo(20 / 3, 9),
    });
    expect(reading.isOverloaded).toBe(false);
    expect(reading.notes).toEqual([]);
  });

  it('says the queue grows without bound at ρ ≥ 1, with the theory’s growth rate λ − c/S and the measured one', () => {
    const reading = readQueueing(snapshot({ arrivalRatePerS: 60, meanServiceMs: 40, throughputPerS: 50 }), { arrivals: 'poisson' });
    expect(reading.isOverloaded).toBe(true);
    expect(reading.predictedGrowthPerS).toBeCloseTo(10, 9);
    expect(reading.measuredGrowthPerS).toBe(10);
  });

  it("gives ρ at the sending load's own mean rate, which a window of random arrivals can read above 1 while it stays below", () => {
    // The window drew 60/s of 40 ms jobs on 2 workers (ρ 1.2); the load sends 45/s: ρ = 45 × 0.04 / 2 = 0.9.
    const window = snapshot({ arrivalRatePerS: 60, meanServiceMs: 40, throughputPerS: 50 });
    const reading = readQueueing(window, { arrivals: 'poisson', sendingRatePerS: 45 });
    expect(reading.isOverloaded).toBe(true);
    expect(reading.sendingUtilization).toBeCloseTo(0.9, 9);
    // No load sending (a burst, a load draining its answers), or no S yet: nothing to read it from.
    expect(readQueueing(window, { arrivals: 'poisson', sendingRatePerS: null }).sendingUtilization).toBeNull();
    expect(readQueueing(window, { arrivals: null }).sendingUtilization).toBeNull();
    expect(readQueueing(snapshot({ meanServiceMs: null }), { arrivals: 'poisson', sendingRatePerS: 45 }).sendingUtilization).toBeNull();
  });

  it('notes where the assumptions are far off: constant or very spread service times, constant or closed-loop arrivals, few jobs', () => {
    expect(readQueueing(snapshot({ workerRunCv: 0.05 }), { arrivals: 'poisson' }).notes).toEqual([
      expect.stringMatching(/^Jobs' run times barely vary \(CV 0\.05.*jobs wait less than it predicts/),
    ]);
    expect(readQueueing(snapshot({ workerRunCv: 3 }), { arrivals: 'poisson' }).notes).toEqual([
      expect.stringMatching(/wait more than it predicts/),
    ]);
    expect(readQueueing(snapshot({}), { arrivals: 'constant' }).notes).toEqual([
      expect.stringMatching(/evenly spaced \(constant\), not Poisson/),
    ]);
    expect(readQueueing(snapshot({}), { arrivals: null }).notes).toEqual([expect.stringMatching(/closed-loop client/)]);
    expect(readQueueing(snapshot({ completions: 5 }), { arrivals: 'poisson' }).notes).toEqual([
      'Only 5 jobs finished in the window: the figures are rough.',
    ]);
  });

  it('counts the requests a full queue refused apart from λ, and gives ρ for all the traffic offered', () => {
    // 50 jobs/s taken, 800 refused over 10 s: 130/s offered to 2 workers of 20 ms, ρ = 1.3 where λ's reads 0.5.
    const reading = readQueueing(snapshot({ rejected: 800 }), { arrivals: 'poisson' });
    expect(reading.refusedPerS).toBe(80);
    expect(reading.offeredUtilization).toBeCloseTo(1.3, 9);
    expect(readQueueing(snapshot({}), { arrivals: 'poisson' })).toMatchObject({ refusedPerS: 0, offeredUtilization: null });
  });

  it("names the jobs at the window's edges, and says whether Little's two sides are far enough apart to be seen", () => {
    const apart = { measured: 43.55, predicted: 6.72, difference: 36.83, relativeDifference: 0.846 };
    const close = { measured: 1.1, predicted: 1.08, difference: 0.02, relativeDifference: 0.018 };
    const burst = snapshot({ inSystemAtStart: 44, queueLength: 23, busyWorkers: 4, meanTimeInSystemMs: 11_000 });
    expect(readQueueing({ ...burst, little: { inSystem: apart, waiting: close } }, { arrivals: null }).littleEdges).toEqual({
      inSystemAtStart: 44,
      inSystemAtEnd: 27,
      isStayLongerThanWindow: true,
      isGapVisible: true,
    });
    // Lq's side alone apart is enough; a stay shorter than the window is not called long.
    expect(readQueueing({ ...snapshot({}), little: { inSystem: close, waiting: apart } }, { arrivals: 'poisson' }).littleEdges).toEqual({
      inSystemAtStart: 1,
      inSystemAtEnd: 1,
      isStayLongerThanWindow: false,
      isGapVisible: true,
    });
    expect(readQueueing({ ...burst, little: { inSystem: close, waiting: close } }, { arrivals: null }).littleEdges).toMatchObject({
      isGapVisible: false,
    });
    // Far apart in relative terms, but under the smallest gap worth a sentence.
    const tiny = { measured: 0.04, predicted: 0.01, difference: 0.03, relativeDifference: 0.75 };
    expect(readQueueing({ ...burst, little: { inSystem: tiny, waiting: tiny } }, { arrivals: null }).littleEdges).toMatchObject({
      isGapVisible: false,
    });
    // Empty at both edges, the law holds exactly: whatever differs is not the edges' doing. Before W, nothing to part.
    const empty = snapshot({ inSystemAtStart: 0, queueLength: 0, busyWorkers: 0 });
    expect(readQueueing({ ...empty, little: { inSystem: apart, waiting: apart } }, { arrivals: null }).littleEdges).toBeNull();
    expect(readQueueing(burst, { arrivals: null }).littleEdges).toBeNull();
  });

  it('has no theory before a job has finished or before the pool size is known', () => {
    expect(readQueueing(snapshot({ meanServiceMs: null }), { arrivals: null }).theory).toBeNull();
    expect(readQueueing(snapshot({ workers: null }), { arrivals: null }).theory).toBeNull();
  });
});

describe('chart columns', () => {
  const sample = (at: number, responsesPerS: number): LiveSample => ({
    at,
    responsesPerS,
    p99LatencyMs: responsesPerS > 0 ? 5 : null,
    meanQueueLength: 0,
    meanBusyWorkers: 1,
    workers: 2,
  });

  it('keeps the samples inside the timeline window, x in seconds, and a missing p99 as a gap', () => {
    const samples = [sample(T0, 1), sample(T0 + 10_000, 0), sample(T0 + 20_000, 3), sample(T0 + 30_000, 4)];
    const columns = liveChartColumns(samples, 20_000, T0 + 30_000);
    expect(columns.timesS).toEqual([(T0 + 20_000) / 1000, (T0 + 30_000) / 1000]);
    expect(columns.responsesPerS).toEqual([3, 4]);
    expect(liveChartColumns(samples, 15_000, T0 + 20_000).p99LatencyMs).toEqual([null, 5]);
  });

  it('gives the time axis the whole window, in whole seconds however few samples it holds yet', () => {
    // Just after the app opened: two samples a quarter second apart; their own span would give sub-second ticks.
    const columns = liveChartColumns([sample(T0, 0), sample(T0 + 250, 0)], 30_000, T0 + 250);
    expect([columns.fromS, columns.toS]).toEqual([(T0 + 250 - 30_000) / 1000, (T0 + 250) / 1000]);
    expect(columns.toS - columns.fromS).toBe(30);
    const empty = liveChartColumns([], 10_000, T0);
    expect([empty.fromS, empty.toS]).toEqual([(T0 - 10_000) / 1000, T0 / 1000]);
  });

  it('reads Busy workers "of" the threads the page shows while the latest sample does not know them yet', () => {
    const beforeListening = { ...sample(T0, 0), meanBusyWorkers: 0, workers: null };
    expect(busyWorkersFigure(liveChartColumns([beforeListening], 30_000, T0), 4)).toBe('0.0 of 4');
    // A sample that knows its count is what the chart draws: it wins.
    expect(busyWorkersFigure(liveChartColumns([beforeListening, sample(T0 + 250, 1)], 30_000, T0 + 250), 4)).toBe('1.0 of 2');
    // No server has run: nothing to count.
    expect(busyWorkersFigure(liveChartColumns([beforeListening], 30_000, T0), 0)).toBe('0.0 of —');
    expect(busyWorkersFigure(liveChartColumns([], 30_000, T0), 4)).toBe('—');
  });

  it('puts the sweep’s pool sizes in ascending order, and latency on the log axis’s floor rather than at 0', () => {
    const row = (workers: number, p50Ms: number): SweepTableRow => ({
      workers,
      offeredRatePerS: 40,
      dueRatePerS: 40,
      achievedRatePerS: 40,
      isClientLimited: false,
      offeredUtilization: 0.8 / workers,
      throughputPerS: 40,
      p50Ms,
      p99Ms: p50Ms * 2,
      errors: 0,
      utilization: 0.8 / workers,
      busyFraction: null,
      meanServiceMs: 20,
      meanWorkerRunMs: 20,
      measuredProbabilityOfWait: null,
      predictedProbabilityOfWait: null,
      measuredMeanWaitMs: null,
      predictedMeanWaitMs: null,
      predictedMeanTimeInSystemMs: null,
      predictedThroughputPerS: 40,
      predictedQueueGrowthPerS: null,
    });
    const columns = sweepChartColumns([row(4, 0), row(1, 30), row(2, 21)]);
    expect(columns.workers).toEqual([1, 2, 4]);
    expect(columns.p50Ms).toEqual([30, 21, 0.01]);
    expect(columns.utilization).toEqual([0.8, 0.4, 0.2]);
  });
});
