// The recorder's request table (src/history/request-table.ts): finding a request's row by its id, whether the ids
// are dense (as the server numbers a run's requests) or come in stretches with gaps (a recorder that missed some).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestTable } from '../src/history/request-table';

/** A table holding `ids` in order, each as the request's first event at seq = its index; returns the table. */
function tableOf(ids: readonly number[], maxRows = 1 << 16): RequestTable {
  const table = new RequestTable(maxRows);
  for (const [seq, id] of ids.entries()) table.add(id, 1, seq, 1_000 + seq, true, 0, 'external');
  return table;
}

/** Every row's id, oldest first. */
function heldIds(table: RequestTable): number[] {
  const ids: number[] = [];
  for (let row = table.rows.firstSeq; row < table.rows.nextSeq; row++) ids.push(table.columns.requestId[table.slotOf(row)]!);
  return ids;
}

describe('RequestTable.find', () => {
  it('finds every held id in a run of stretches with gaps between them, and nothing for an id in a gap', () => {
    // Requests 1–100 recorded, 101–250 missed, 251–300 recorded, 301–302 missed, 303–400 recorded.
    const ids = [...range(1, 100), ...range(251, 300), ...range(303, 400)];
    const table = tableOf(ids);
    for (const [row, id] of ids.entries()) expect(table.find(id, 0)).toBe(row);
    for (const missing of [0, 101, 175, 250, 301, 302, 401, 10_000]) expect(table.find(missing, 0)).toBe(-1);
  });

  it('finds only rows from fromRow on and before toRow', () => {
    const ids = [...range(1, 10), ...range(20, 29)];
    const table = tableOf(ids);
    expect(table.find(5, 0)).toBe(4);
    expect(table.find(5, 5)).toBe(-1);
    expect(table.find(25, 10)).toBe(15);
    expect(table.find(25, 0, 15)).toBe(-1);
    expect(table.find(29, 0, 20)).toBe(19);
  });

  it('agrees with a plain search for any increasing ids, any range and after evictions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 300 }),
        fc.nat({ max: 400 }),
        fc.array(fc.integer({ min: 0, max: 12_000 }), { minLength: 1, maxLength: 40 }),
        fc.nat({ max: 300 }),
        (steps, evicted, probes, fromRow) => {
          // Increasing ids: steps of 1 are the dense runs, longer ones the gaps.
          const ids: number[] = [];
          let id = 0;
          for (const step of steps) {
            id += step;
            ids.push(id);
          }
          const table = tableOf(ids);
          table.evictBefore(evicted);
          const held = heldIds(table);
          const firstRow = table.rows.firstSeq;
          for (const probe of [...probes, ...held]) {
            const expected = held.findIndex((heldId, i) => heldId === probe && firstRow + i >= fromRow);
            expect(table.find(probe, fromRow)).toBe(expected === -1 ? -1 : firstRow + expected);
          }
        },
      ),
    );
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
