// The sweep's table rows: a pool size whose client could not send the rate asked is marked, with the load it measured
// and the ρ the rate asked would have given, in the command line's table and note alike.
import { describe, expect, it } from 'vitest';
import { formatRate, formatSweepTable } from '../src/load/report-format';
import type { SweepRow } from '../src/shared/load-report';
import { clientLimitNote, sweepTableRows } from '../src/shared/sweep-table';

/** A row of a sweep asked for 150 req/s of 21 ms jobs, of which the client wrote `achievedRatePerS`. */
function rowOf(workers: number, achievedRatePerS: number): SweepRow {
  return {
    workers,
    load: {
      settings: { ratePerS: 150 },
      achievedRatePerS,
      throughputPerS: achievedRatePerS,
      errors: 0,
      latency: { p50Ms: 30, p99Ms: 90 },
    },
    measured: {
      arrivalRatePerS: achievedRatePerS,
      meanServiceMs: 21,
      meanWorkerRunMs: 20,
      utilization: (achievedRatePerS * 0.021) / workers,
      busyFraction: null,
      probabilityOfWait: 0.9,
      meanWaitMs: 2_300,
      meanQueueLength: 10,
      rejected: 0,
    },
    predicted: null,
  } as unknown as SweepRow;
}

describe('the sweep table', () => {
  it('marks a pool size whose client sent under 95 % of the rate asked, with the rate asked and its ρ', () => {
    const [held, kept] = sweepTableRows([rowOf(1, 97), rowOf(4, 149)]);
    expect(held).toMatchObject({ offeredRatePerS: 150, achievedRatePerS: 97, isClientLimited: true });
    expect(held!.offeredUtilization).toBeCloseTo(3.15, 5);
    expect(kept).toMatchObject({ isClientLimited: false });
    expect(clientLimitNote(kept!, formatRate)).toBeNull();
    expect(clientLimitNote(held!, formatRate)).toBe(
      'Pool size 1: the client wrote 97.0 req/s of the 150 req/s asked (its connections all waited for answers, or it fell behind its schedule), so ρ, P(wait) and M/M/c describe the lighter load the server saw; the rate asked would load the pool to ρ 3.15.',
    );
  });

  it('flags the row in the command line table and says why under it', () => {
    const table = formatSweepTable([rowOf(1, 97), rowOf(4, 149)]);
    const lines = table.split('\n');
    expect(lines.find((line) => line.startsWith('| 1 '))).toMatch(/\| +97\.0\* \|/);
    expect(lines.find((line) => line.startsWith('| 4 '))).not.toMatch(/\*/);
    expect(lines.at(-1)).toMatch(/^\* Pool size 1: the client wrote 97\.0 req\/s of the 150 req\/s asked/);
    expect(table.match(/\* Pool size/g)).toHaveLength(1);
  });
});
