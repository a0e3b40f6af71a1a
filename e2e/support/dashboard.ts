// The browser tests' fixture: each test gets its own real dashboard process (`src/main/dashboard-cli.ts`)
// on free ports and a page already open on it; the process is stopped, and its output kept, when the test ends.
// Assumes `electron-vite build` has produced out/renderer (npm run test:e2e builds first).

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { test as base, expect } from '@playwright/test';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DASHBOARD_CLI = 'src/main/dashboard-cli.ts';
/** The line the dashboard prints once its HTTP server is listening. */
const READY_LINE = /Poolscope dashboard: (http:\/\/\S+)/;
/** Generous on purpose: tsx compiles the dashboard on first start. Readiness, not speed, is what is waited for. */
const STARTUP_TIMEOUT_MS = 30_000;
/** SIGTERM lets the dashboard stop its book server gracefully; after this long it is killed. */
const STOP_GRACE_MS = 10_000;
/** Kept for failure reports; older output is dropped so a chatty run cannot fill memory. */
const MAX_KEPT_OUTPUT_CHARS = 256 * 1024;

export interface DashboardProcess {
  /** `http://127.0.0.1:N/`, as the dashboard printed it. */
  readonly dashboardUrl: string;
  /** A port that was free when the test began; the UI's Port field starts with it (`--port`). */
  readonly bookPort: number;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. Safe to call twice. */
  stop(): Promise<void>;
  /** True when the process is gone without stop() having been called. */
  hasExitedByItself(): boolean;
}

export interface DashboardOptions {
  /** Extra command-line flags, e.g. ['--workers', '2', '--sleep-ms', '1000']. */
  extraArgs?: readonly string[];
}

/** Asks the OS for a port nobody uses right now (there is a small window before the caller binds it). */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('the OS gave no port'))));
    });
  });
}

/** Children still running, killed if the test worker itself exits so no dashboard outlives a run. */
const runningChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of runningChildren) child.kill('SIGKILL');
});

export async function startDashboard(options: DashboardOptions = {}): Promise<DashboardProcess> {
  const bookPort = await findFreePort();
  const args = ['--import', 'tsx', DASHBOARD_CLI, '--ui-port', '0', '--port', String(bookPort), ...(options.extraArgs ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  runningChildren.add(child);

  let output = '';
  const keep = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > MAX_KEPT_OUTPUT_CHARS) output = output.slice(-MAX_KEPT_OUTPUT_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      runningChildren.delete(child);
      resolve({ code, signal });
    });
  });

  const dashboardUrl = await new Promise<string>((resolve, reject) => {
    let stdoutSoFar = '';
    const onStdout = (chunk: Buffer): void => {
      stdoutSoFar += chunk.toString('utf8');
      const match = READY_LINE.exec(stdoutSoFar);
      if (match?.[1]) {
        settle();
        resolve(match[1]);
      }
    };
    const timer = setTimeout(() => {
      settle();
      child.kill('SIGKILL');
      reject(new Error(`The dashboard printed no "Poolscope dashboard: <url>" line within ${STARTUP_TIMEOUT_MS} ms. Output:\n${output}`));
    }, STARTUP_TIMEOUT_MS);
    const settle = (): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onStdout);
    };
    child.stdout!.on('data', onStdout);
    void exited.then(({ code, signal }) => {
      settle();
      reject(new Error(`The dashboard exited (code ${code}, signal ${signal}) before it was ready. Output:\n${output}`));
    });
    child.once('error', (error) => {
      settle();
      reject(error);
    });
  });

  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (hasExited()) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'gave-up'>((resolve) => {
        timer = setTimeout(() => resolve('gave-up'), STOP_GRACE_MS);
      });
      const outcome = await Promise.race([exited, gaveUp]);
      clearTimeout(timer);
      if (outcome === 'gave-up') {
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };

  return { dashboardUrl, bookPort, output: () => output, stop, hasExitedByItself: () => stopping === null && hasExited() };
}

export interface DashboardFixtures {
  /** Flags for the dashboard under test; set per file or describe with test.use({ dashboardArgs: [...] }). */
  dashboardArgs: string[];
  dashboard: DashboardProcess;
}

export const test = base.extend<DashboardFixtures>({
  dashboardArgs: [[], { option: true }],

  dashboard: async ({ dashboardArgs }, use, testInfo) => {
    const dashboard = await startDashboard({ extraArgs: dashboardArgs });
    await use(dashboard);
    // A dashboard that died during the test is a failure even if every assertion happened to pass.
    const hasExitedByItself = dashboard.hasExitedByItself();
    await dashboard.stop();
    if (hasExitedByItself || testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('dashboard output', { body: dashboard.output(), contentType: 'text/plain' });
    }
    if (hasExitedByItself) throw new Error(`The dashboard exited during the test. Output:\n${dashboard.output()}`);
  },

  page: async ({ page, dashboard }, use) => {
    await page.goto(dashboard.dashboardUrl);
    // The app has rendered (and its transport exists) once the status line shows.
    await expect(page.getByTestId('server-status')).toBeVisible();
    await use(page);
  },
});

export { expect };
