// The frame half of a PoolscopeApi stand-in for store tests that watch no frames: watching sends nothing,
// and a query says it was not expected; so does a scenario run.

import type { PoolscopeApi } from '../../src/shared/wire';

export const unwatchedFrames: Pick<PoolscopeApi, 'watch' | 'query' | 'runScenario' | 'startCompare' | 'cancelCompare'> = {
  watch: () => ({ setView: () => {}, ack: () => {}, close: () => {} }),
  query: async () => ({ ok: false, error: 'this test watches no frames' }),
  runScenario: async () => ({ ok: false, error: 'this test runs no scenario' }),
  startCompare: async () => ({ ok: false, error: 'this test runs no comparison' }),
  cancelCompare: async () => ({ ok: false, error: 'this test runs no comparison' }),
};
