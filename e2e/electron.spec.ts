// The desktop app itself, driven by Playwright's Electron support: the built app (out/main/index.js) starts the
// book server from its window, shows a /sleep burst filling the pool, and gives the page nothing but window.poolscope.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, type ElectronApplication, _electron as electron, expect, type Page } from '@playwright/test';
import { findElectronBinary } from '../scripts/electron-binary.mjs';
import { httpGet } from '../test/support/http-client';
import { findFreePort } from '../test/support/ports';
import { PROJECT_ROOT } from '../test/support/processes';
import { expectBusyAndQueued, fireSleepBurst, screenshotPath, startFromUi } from './support/ui';

const MAIN_ENTRY = join(PROJECT_ROOT, 'out/main/index.js');
/** As in the sleep-burst story: the first wave's sleep is the window for seeing the pool full and the queue full. */
const SLEEP_MS = 4000;

const electronBinary = findElectronBinary(PROJECT_ROOT);

interface AppFixtures {
  app: ElectronApplication;
  window: Page;
}

const test = base.extend<AppFixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this destructuring; this one has none.
  app: async ({}, use) => {
    if (!existsSync(MAIN_ENTRY)) throw new Error(`${MAIN_ENTRY} is missing: run \`npx electron-vite build\` first`);
    if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
      throw new Error('Electron needs a display: run under a virtual one, e.g. xvfb-run -a npx playwright test --project electron');
    }
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
    // Either would change what is under test: Node mode instead of the app, or the dev server instead of out/renderer.
    delete env.ELECTRON_RUN_AS_NODE;
    delete env.ELECTRON_RENDERER_URL;
    const app = await electron.launch({ executablePath: electronBinary!, args: [MAIN_ENTRY], cwd: PROJECT_ROOT, env });
    await use(app);
    await app.close();
  },
  window: async ({ app }, use) => {
    const window = await app.firstWindow();
    await expect(window.getByTestId('server-status')).toBeVisible();
    await use(window);
  },
});

test.skip(electronBinary === null, 'Electron binary not present (set ELECTRON_OVERRIDE_DIST_PATH)');

test('the window is titled Poolscope, starts the book server, and the server answers GET / with the hello page', async ({
  app,
  window,
}) => {
  const titles = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.getTitle()));
  expect(titles).toEqual(['Poolscope']);

  const port = await findFreePort();
  await startFromUi(window, { port });

  const response = await httpGet(port, '/');
  expect(response.status).toBe(200);
  expect(response.body).toContain('Hi from Poolscope');
});

test('a /sleep burst of 8 on a pool of 4 shows 4 busy workers and 4 queued jobs, then 8 timeline bars', async ({ window }) => {
  await startFromUi(window, { port: await findFreePort(), poolSize: 4, sleepMs: SLEEP_MS });
  await fireSleepBurst(window, 8);
  await expectBusyAndQueued(window, { busy: 4, queued: 4 });
  await window.screenshot({ path: screenshotPath('electron-burst') });

  await expect(window.getByTestId('timeline-bar')).toHaveCount(8, { timeout: 3 * SLEEP_MS });
  await expect(window.locator('[data-testid=worker][data-state=busy]')).toHaveCount(0);
  await expect(window.getByTestId('queue-item')).toHaveCount(0);
  await window.screenshot({ path: screenshotPath('electron-timeline') });
});

test("the page gets window.poolscope with exactly PoolscopeApi's functions, and no Node", async ({ window }) => {
  const exposed = await window.evaluate(() => {
    const page = globalThis as unknown as Record<string, unknown>;
    const api = (page.poolscope ?? {}) as Record<string, unknown>;
    return {
      require: typeof page.require,
      process: typeof page.process,
      api: Object.keys(api)
        .sort()
        .map((name) => `${name}: ${typeof api[name]}`),
    };
  });
  expect(exposed).toEqual({
    require: 'undefined',
    process: 'undefined',
    api: [
      'cancelCompare: function',
      'cancelLoad: function',
      'cancelSweep: function',
      'fireBurst: function',
      'getStatus: function',
      'query: function',
      'runScenario: function',
      'saveHistory: function',
      'setHistory: function',
      'startCompare: function',
      'startLoad: function',
      'startServer: function',
      'startSweep: function',
      'stopServer: function',
      'watch: function',
    ],
  });
});
