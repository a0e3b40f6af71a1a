// The browser specs' fixture: each test gets its own real dashboard process (`src/main/dashboard-cli.ts`, or the
// built `out/main/dashboard.js` that `npm run dashboard` runs) on free ports and a page already open on it; the
// process is stopped, and its output kept, when the test ends.
// Assumes `electron-vite build` has produced out/renderer (npm run test:e2e builds first).

import { test as base, expect } from '@playwright/test';
import { type DashboardProgram, startDashboardProcess } from '../../test/support/dashboard-process';
import { findFreePort } from '../../test/support/ports';
import type { ChildProgram } from '../../test/support/processes';

export interface DashboardUnderTest {
  /** `http://127.0.0.1:N/`, as the dashboard printed it. */
  readonly dashboardUrl: string;
  /** A port that was free when the test began; the UI's Port field starts with it (`--port`). */
  readonly bookPort: number;
  readonly program: ChildProgram;
}

export interface DashboardFixtures {
  /** Flags for the dashboard under test; set per file or describe with test.use({ dashboardArgs: [...] }). */
  dashboardArgs: string[];
  /**
   * Which program: 'built' (default: what `npm run dashboard` runs; built first when out/ is older than its
   * sources) or 'source' (through tsx, for a story that needs it). Set with test.use({ dashboardProgram: 'source' }).
   */
  dashboardProgram: DashboardProgram;
  dashboard: DashboardUnderTest;
}

export const test = base.extend<DashboardFixtures>({
  dashboardArgs: [[], { option: true }],
  dashboardProgram: ['built', { option: true }],

  dashboard: async ({ dashboardArgs, dashboardProgram }, use, testInfo) => {
    const bookPort = await findFreePort();
    const { program, url } = await startDashboardProcess(['--port', String(bookPort), ...dashboardArgs], [], dashboardProgram);
    await use({ dashboardUrl: url, bookPort, program });
    // A dashboard that died during the test is a failure even if every assertion happened to pass.
    const hasExitedByItself = program.hasExited;
    await program.stop();
    if (hasExitedByItself || testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('dashboard output', { body: program.output(), contentType: 'text/plain' });
    }
    if (hasExitedByItself) throw new Error(`The dashboard exited during the test. Output:\n${program.output()}`);
  },

  page: async ({ page, dashboard }, use) => {
    // An uncaught error in the page (a React crash leaves an empty page) fails the story even if its
    // assertions happened to pass before it.
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
    await page.goto(dashboard.dashboardUrl);
    // The app has rendered (and its transport exists) once the status line shows.
    await expect(page.getByTestId('server-status')).toBeVisible();
    await use(page);
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };
