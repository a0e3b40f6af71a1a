// Counts and their nouns agree everywhere a person reads one: "1 job", "4 jobs", "0 jobs", "1,024 jobs", and the
// pool's own log line for a pool of one.

import { describe, expect, it } from 'vitest';
import { pluralize } from '../src/renderer/components/format';
import { countOf, nounFor } from '../src/shared/plural';
import { logLineOf } from '../src/shared/pool-model';
import { DEFAULT_SETTINGS } from '../src/shared/settings';

describe('nounFor and countOf', () => {
  it('takes the singular for exactly one and the plural for anything else', () => {
    expect(nounFor(1, 'job')).toBe('job');
    expect(nounFor(0, 'job')).toBe('jobs');
    expect(nounFor(2, 'job')).toBe('jobs');
    expect(nounFor(1.5, 'second')).toBe('seconds');
    expect(countOf(1, 'worker')).toBe('1 worker');
    expect(countOf(64, 'worker')).toBe('64 workers');
    // Thousands grouped, as the rest of the program writes counts ("Recorded 32,980 events").
    expect(countOf(6_553, 'job')).toBe('6,553 jobs');
  });

  it('takes an irregular plural when given one', () => {
    expect(countOf(1, 'child', 'children')).toBe('1 child');
    expect(countOf(3, 'child', 'children')).toBe('3 children');
  });
});

describe("the UI's pluralize", () => {
  it('groups large counts and keeps the noun in agreement', () => {
    expect(pluralize(1, 'job')).toBe('1 job');
    expect(pluralize(0, 'job')).toBe('0 jobs');
    expect(pluralize(1_024, 'job')).toBe('1,024 jobs');
    expect(pluralize(1, 'in-flight request')).toBe('1 in-flight request');
  });
});

describe("the pool's log line", () => {
  it('says "1 worker" for a pool of one', () => {
    expect(logLineOf({ type: 'server-listening', at: 1, ...DEFAULT_SETTINGS, workerCount: 1 })).toBe(
      'Listening on http://127.0.0.1:7878 with 1 worker',
    );
  });
});
