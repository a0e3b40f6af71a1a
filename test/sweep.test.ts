// The sizing sweep through its programmatic API: a fresh real server per pool size, the measured queue
// beside M/M/c, progress, cancel, and an overloaded pool reported as unstable.

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startSweep } from '../src/load/sweep';
import type { SweepProgress } from '../src/shared/load-report';
import { type SweepSettings, type SweepSettingsInput, validateSweepSettings } from '../src/shared/load-settings';

function sweepSettings(input: SweepSettingsInput): SweepSettings {
  const result = validateSweepSettings({ seed: 1, arrivals: 'constant', ...input });
  if (!result.ok) throw new Error(`${result.field}: ${result.error}`);
  return result.value;
}

async function isListening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startSweep', () => {
  it('runs the same load on each pool size and measures the queue beside the M/M/c prediction', async () => {
    const progress: SweepProgress[] = [];
    const report = await startSweep(sweepSettings({ workerCounts: [1, 2], ratePerS: 100, durationS: 1, mix: '/sleep?ms=5' }), {
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 250,
    }).done;

    expect(report.isCancelled).toBe(false);
    expect(report.rows.map((row) => row.workers)).toEqual([1, 2]);
    for (const row of report.rows) {
      // The same 100 requests, each answered.
      expect(row.load.sent).toBe(100);
      expect(row.load.completed).toBe(100);
      expect(row.load.stop).toEqual({ reason: 'completed' });
      // λ from the server's own events, from the first request to the last one's arrival: 100 jobs in about
      // a second, or over a longer span when a busy machine delayed them (the server shares this event loop).
      expect(row.measured.arrivalRatePerS).toBeGreaterThan(10);
      expect(row.measured.arrivalRatePerS).toBeLessThan(105);
      // Each job holds its worker at least the 5 ms it sleeps.
      expect(row.measured.meanServiceMs!).toBeGreaterThanOrEqual(5);
      expect(row.measured.meanWorkerRunMs!).toBeGreaterThanOrEqual(5);
      expect(row.predicted).not.toBeNull();
    }
    const [one, two] = report.rows;
    // ρ = λS/c, and the prediction is M/M/c for the measured λ and S on that many workers.
    for (const row of [one!, two!]) {
      const { arrivalRatePerS, meanServiceMs, utilization } = row.measured;
      expect(utilization).toBeCloseTo((arrivalRatePerS * meanServiceMs!) / 1000 / row.workers, 9);
      expect(row.predicted).toMatchObject({ utilization: expect.closeTo(utilization!, 6) });
    }
    // Progress named each pool size, carried live load figures, and reported each finished row.
    expect(progress.filter((p) => p.load === null && p.rows.length === p.index).map((p) => p.workers)).toEqual([1, 2]);
    expect(progress.some((p) => p.load?.phase === 'running' && p.workers === 2)).toBe(true);
    expect(progress.at(-1)!.rows).toHaveLength(2);
  });

  it('reports an overloaded pool as unstable, with the queue growth M/M/c predicts', async () => {
    const report = await startSweep(sweepSettings({ workerCounts: [1], ratePerS: 100, durationS: 1, mix: '/sleep?ms=20' })).done;
    const [row] = report.rows;
    // Offered 100 jobs/s of ≥ 20 ms on one worker, which can do at most 50/s: ρ = 2 when the server reads the
    // requests as they come (a busy machine spreads them out, and lowers the measured λ), so most jobs wait.
    expect(row!.measured.utilization!).toBeGreaterThan(0.5);
    if (row!.predicted?.isStable === false) expect(row!.predicted.queueGrowthPerS).toBeGreaterThanOrEqual(0);
    expect(row!.measured.probabilityOfWait!).toBeGreaterThan(0.5);
    expect(row!.measured.meanQueueLength).toBeGreaterThan(1);
    // Every request still answered: the queue (1024 places) held them all.
    expect(row!.load.completed).toBe(100);
  });

  it('stops at once on cancel, shuts the server down and keeps the rows finished so far', async () => {
    let url: string | null = null;
    const sweep = startSweep(sweepSettings({ workerCounts: [1, 2, 4], ratePerS: 50, durationS: 30 }), {
      progressIntervalMs: 100,
      onProgress: (p) => {
        if (p.load !== null && p.load.completed >= 5 && url === null) {
          url = 'cancelled';
          sweep.cancel();
        }
      },
    });
    const report = await sweep.done;
    expect(url).toBe('cancelled');
    expect(report.isCancelled).toBe(true);
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]!.load.stop).toEqual({ reason: 'cancelled' });
    expect(report.rows[0]!.load.elapsedMs).toBeLessThan(25_000);
    expect(await isListening(report.rows[0]!.load.settings.url)).toBe(false);
  });

  it('refuses settings the validator refuses', () => {
    const settings = sweepSettings({ workerCounts: [1] });
    expect(() => startSweep({ ...settings, workerCounts: [0] })).toThrow(/workerCounts: Pool size must be at least 1/);
  });
});
