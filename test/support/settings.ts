// Server settings for tests: a loopback server on any free port, 2 workers, 50 ms sleeps; a test overrides
// what it is about.

import { DEFAULT_SETTINGS, type ServerSettings } from '../../src/shared/settings';

export function testSettings(overrides: Partial<ServerSettings> = {}): ServerSettings {
  return { ...DEFAULT_SETTINGS, host: '127.0.0.1', port: 0, workerCount: 2, sleepMs: 50, ...overrides };
}
