// A worker card's busy share names the window it is over: the last 10 s, or, in a worker's first seconds, the
// life it has had, so "86% busy" never claims ten seconds the worker has not lived.

import { describe, expect, it } from 'vitest';
import { busyWindowWords } from '../src/renderer/components/format';
import { BUSY_WINDOW_MS } from '../src/shared/request-stats';

describe('busyWindowWords', () => {
  it('names the whole window once the worker has lived that long', () => {
    expect(busyWindowWords(BUSY_WINDOW_MS, BUSY_WINDOW_MS)).toBe('last 10 s');
    expect(busyWindowWords(3_600_000, BUSY_WINDOW_MS)).toBe('last 10 s');
  });

  it("names the worker's life in whole seconds, never more than it has lived, while that is shorter", () => {
    expect(busyWindowWords(3_000, BUSY_WINDOW_MS)).toBe('last 3 s');
    expect(busyWindowWords(3_999, BUSY_WINDOW_MS)).toBe('last 3 s');
    expect(busyWindowWords(BUSY_WINDOW_MS - 1, BUSY_WINDOW_MS)).toBe('last 9 s');
    expect(busyWindowWords(1_000, BUSY_WINDOW_MS)).toBe('last 1 s');
  });

  it('says "since it started" in its first second, and before the first frame reaches it', () => {
    expect(busyWindowWords(999, BUSY_WINDOW_MS)).toBe('since it started');
    expect(busyWindowWords(0, BUSY_WINDOW_MS)).toBe('since it started');
    expect(busyWindowWords(-250, BUSY_WINDOW_MS)).toBe('since it started');
  });
});
