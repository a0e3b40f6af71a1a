// The connections an open-file limit lets the server hold: what was asked when it fits, fewer when not,
// always at least one, and room kept for refusals to linger and for threads still to start.

import { describe, expect, it } from 'vitest';
import {
  connectionBudgetOf,
  DESCRIPTOR_HEADROOM,
  DESCRIPTORS_PER_THREAD,
  describeLoweredBudget,
  takeDescriptorCensus,
} from '../src/server/descriptor-budget';

const ASKED = { maxConnections: 10_000, maxLingeringRefusals: 1_024, threadsStillToStart: 0 };

describe('connectionBudgetOf', () => {
  it('is what was asked when the limit holds it, or when the limit cannot be read', () => {
    const roomy = connectionBudgetOf({ openFileLimit: 1_048_576, openDescriptorCount: 40 }, ASKED);
    expect(roomy).toEqual({
      maxConnections: 10_000,
      askedMaxConnections: 10_000,
      maxLingeringRefusals: 1_024,
      openFileLimit: 1_048_576,
      isLoweredByOpenFileLimit: false,
    });
    expect(describeLoweredBudget(roomy)).toBeNull();
    expect(connectionBudgetOf({ openFileLimit: null, openDescriptorCount: 40 }, ASKED)).toMatchObject({
      maxConnections: 10_000,
      isLoweredByOpenFileLimit: false,
    });
    expect(connectionBudgetOf({ openFileLimit: 256, openDescriptorCount: null }, ASKED).maxConnections).toBe(10_000);
  });

  it('lowers the connections to what is left, keeping an eighth to linger, and says so in one line', () => {
    const available = 256 - 40 - DESCRIPTOR_HEADROOM;
    const budget = connectionBudgetOf({ openFileLimit: 256, openDescriptorCount: 40 }, ASKED);
    expect(budget.maxLingeringRefusals).toBe(Math.floor(available / 8));
    expect(budget.maxConnections + budget.maxLingeringRefusals).toBe(available);
    expect(budget.isLoweredByOpenFileLimit).toBe(true);
    expect(describeLoweredBudget(budget)).toBe(
      `the open-file limit (ulimit -n) is 256, so at most ${budget.maxConnections} connections are held at once (not 10,000) and those past them get 503; raise the limit before starting to hold more`,
    );
  });

  it('keeps the connections asked for when only the lingering refusals do not fit', () => {
    const budget = connectionBudgetOf({ openFileLimit: 1_000, openDescriptorCount: 40 }, { ...ASKED, maxConnections: 100 });
    expect(budget).toMatchObject({ maxConnections: 100, maxLingeringRefusals: 1_000 - 40 - DESCRIPTOR_HEADROOM - 100 });
    expect(budget.isLoweredByOpenFileLimit).toBe(false);
  });

  it("leaves room for the threads a strategy starts later (per-request's)", () => {
    const without = connectionBudgetOf({ openFileLimit: 2_048, openDescriptorCount: 40 }, ASKED);
    const withThreads = connectionBudgetOf({ openFileLimit: 2_048, openDescriptorCount: 40 }, { ...ASKED, threadsStillToStart: 256 });
    expect(without.maxConnections + without.maxLingeringRefusals - (withThreads.maxConnections + withThreads.maxLingeringRefusals)).toBe(
      256 * DESCRIPTORS_PER_THREAD,
    );
  });

  it('keeps threads descriptors only for as many as could pair with a connection, under a low limit', () => {
    const beforeThreads = 1_024 - 40 - DESCRIPTOR_HEADROOM;
    const pairs = Math.floor(beforeThreads / (1 + DESCRIPTORS_PER_THREAD));
    const budget = connectionBudgetOf({ openFileLimit: 1_024, openDescriptorCount: 40 }, { ...ASKED, threadsStillToStart: 256 });
    expect(budget.maxConnections + budget.maxLingeringRefusals).toBe(beforeThreads - pairs * DESCRIPTORS_PER_THREAD);
    expect(budget.maxConnections).toBeGreaterThan(100);
  });

  it('holds at least one connection, and lets none linger, when nothing is left', () => {
    expect(connectionBudgetOf({ openFileLimit: 64, openDescriptorCount: 60 }, ASKED)).toMatchObject({
      maxConnections: 1,
      maxLingeringRefusals: 0,
      isLoweredByOpenFileLimit: true,
    });
  });
});

describe.runIf(process.platform === 'linux')('takeDescriptorCensus', () => {
  it("reads this process's soft limit and its open descriptors", () => {
    const census = takeDescriptorCensus();
    expect(census.openFileLimit).toBeGreaterThan(0);
    expect(census.openDescriptorCount).toBeGreaterThan(2);
    expect(census.openDescriptorCount).toBeLessThan(census.openFileLimit!);
  });
});
