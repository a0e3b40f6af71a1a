// PoolscopeApi stand-ins for store tests. The frame half for tests that watch no frames: watching sends nothing,
// and a query says it was not expected; so does a scenario run. The command half for tests whose commands only
// need to go through: each accepted, the status a stopped server's at the default settings.

import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import type { PoolscopeApi } from '../../src/shared/wire';

export const unwatchedFrames: Pick<PoolscopeApi, 'watch' | 'query' | 'runScenario' | 'startCompare' | 'cancelCompare'> = {
  watch: () => ({ setView: () => {}, ack: () => {}, close: () => {} }),
  query: async () => ({ ok: false, error: 'this test watches no frames' }),
  runScenario: async () => ({ ok: false, error: 'this test runs no scenario' }),
  startCompare: async () => ({ ok: false, error: 'this test runs no comparison' }),
  cancelCompare: async () => ({ ok: false, error: 'this test runs no comparison' }),
};

export const acceptingCommands: Omit<PoolscopeApi, keyof typeof unwatchedFrames> = {
  startServer: async () => ({ ok: true }),
  stopServer: async () => ({ ok: true }),
  fireBurst: async () => ({ ok: true }),
  startLoad: async () => ({ ok: true }),
  cancelLoad: async () => ({ ok: true }),
  startSweep: async () => ({ ok: true }),
  cancelSweep: async () => ({ ok: true }),
  setHistory: async () => ({ ok: true }),
  getStatus: async () => ({ phase: 'stopped', url: null, settings: { ...DEFAULT_SETTINGS }, lastError: null }),
};
