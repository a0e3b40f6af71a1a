// End-to-end tests: the dashboard's stories in Debian's Chromium, and the Electron app's own spec.
// Playwright never downloads a browser here; CHROMIUM_PATH points at another one if /usr/bin/chromium is absent.

import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from './test/support/chromium';

export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  fullyParallel: false,
  // A flaky test is a bug to fix, not to retry away, on CI as much as here.
  retries: 0,
  // Generous: a story waits out real sleeps, and a loaded 2-core machine starts processes and threads slowly.
  timeout: 120_000,
  // What a person would see within moments can take seconds on a loaded 2-core machine; a pass is never slower for it.
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM_EXECUTABLE, args: [...CHROMIUM_ARGS] },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'dashboard', testIgnore: /electron\.spec\.ts$/ },
    { name: 'electron', testMatch: /electron\.spec\.ts$/ },
  ],
});
