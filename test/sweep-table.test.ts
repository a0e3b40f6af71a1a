// The sweep's table rows: a pool size whose client could not send what its schedule had due is marked, with the load it
// measured and the ρ the rate asked would have given, and a schedule whose Poisson draw strayed from the rate asked is
// said to have, not blamed on the client: in the command line's table and notes alike.
import { describe, expect, it } from 'vitest';
import { formatRate, formatSweepTable } from '../src/load/report-format';
import type { SweepRow } from '../src/shared/load-report';
import { clientLimitNote, scheduleDrawNote, sweepTableRows } from '../src/shared/sweep-table';

/**
 * A row of a sweep asked for 150 req/s of 21 ms jobs, whose schedule drew `dueRatePerS` (150 unless said) and of which
 * the client wrote `achievedRatePerS`.
 */
function rowOf(workers: number, achievedRatePerS: number, dueRatePerS = 150): SweepRow {
  return {
    workers,
    load: {
      settings: { ratePerS: 150 },
      achievedRatePerS,
      dueRatePerS,
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
  it('marks a pool size whose client sent under 95 % of what its schedule had due, with the rate asked and its ρ', () => {
    const [held, kept] = sweepTableRows([rowOf(1, 97), rowOf(4, 149)]);
    expect(held).toMatchObject({ offeredRatePerS: 150, achievedRatePerS: 97, isClientLimited: true });
    expect(held!.offeredUtilization).toBeCloseTo(3.15, 5);
    expect(kept).toMatchObject({ isClientLimited: false });
    expect(clientLimitNote(kept!, formatRate)).toBeNull();
    expect(clientLimitNote(held!, formatRate)).toBe(
      'Pool size 1: the client wrote 97.0 req/s of the 150 req/s its schedule had due (its connections all waited for answers, or it fell behind its schedule), so ρ, P(wait) and M/M/c describe the lighter load the server saw; the rate asked would load the pool to ρ 3.15.',
    );
  });

  it('flags the row in the command line table and says why under it', () => {
    const table = formatSweepTable([rowOf(1, 97), rowOf(4, 149)]);
    const lines = table.split('\n');
    expect(lines.find((line) => line.startsWith('| 1 '))).toMatch(/\| +97\.0\* \|/);
    expect(lines.find((line) => line.startsWith('| 4 '))).not.toMatch(/\*/);
    expect(lines.at(-1)).toMatch(/^\* Pool size 1: the client wrote 97\.0 req\/s of the 150 req\/s its schedule had due/);
    expect(table.match(/\* Pool size/g)).toHaveLength(1);
  });

  it('does not blame the client for a Poisson draw below the rate asked, and says once that the schedule drew it', () => {
    // 150 req/s asked over a short run; the seeded schedule drew 138 for every pool size, and the client wrote them all.
    const rows = sweepTableRows([rowOf(1, 137.5, 138), rowOf(4, 138, 138)]);
    expect(rows.map((row) => row.isClientLimited)).toEqual([false, false]);
    expect(rows.map((row) => clientLimitNote(row, formatRate))).toEqual([null, null]);
    const note =
      'The seeded Poisson schedule drew 138 req/s where 150 req/s were asked, for each pool size: random arrivals over a run this short stray from their rate. Every pool size got the same arrivals; ρ, P(wait) and M/M/c read the rate drawn.';
    expect(scheduleDrawNote(rows, formatRate)).toBe(note);
    const table = formatSweepTable([rowOf(1, 137.5, 138), rowOf(4, 138, 138)]);
    expect(table.split('\n').at(-1)).toBe(note);
    expect(table).not.toMatch(/\*/);
    // Within 5 % of the rate asked, nothing to say; a draw off only for some pool sizes names them.
    expect(scheduleDrawNote(sweepTableRows([rowOf(1, 146, 146), rowOf(4, 155, 155)]), formatRate)).toBeNull();
    expect(scheduleDrawNote(sweepTableRows([rowOf(1, 150), rowOf(4, 120, 120)]), formatRate)).toMatch(
      /drew 120 req\/s .* for pool sizes 4:/,
    );
    // A client held back below a draw that strayed: both notes, each about its own cause.
    const both = formatSweepTable([rowOf(1, 90, 138), rowOf(4, 138, 138)]).split('\n');
    expect(both.at(-2)).toMatch(/^The seeded Poisson schedule drew 138 req\/s/);
    expect(both.at(-1)).toMatch(/^\* Pool size 1: the client wrote 90\.0 req\/s of the 138 req\/s its schedule had due/);
  });
});
