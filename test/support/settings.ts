// Server settings for tests: a loopback server on any free port, 2 workers, 50 ms sleeps; a test overrides
// what it is about.

import type { ServerSettings } from '../../src/shared/commands';

export function testSettings(overrides: Partial<ServerSettings> = {}): ServerSettings {
  return { host: '127.0.0.1', port: 0, workerCount: 2, sleepMs: 50, ...overrides };
}
