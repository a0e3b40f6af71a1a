// The browser dashboard as a person runs it, in a process of its own: from source (`src/main/dashboard-cli.ts`
// under tsx) or built (`out/main/dashboard.js`, what `npm run dashboard` runs). For the e2e fixture, the dashboard's
// command-line tests and bench:ui. Ready once it prints its URL.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ChildProgram, PROJECT_ROOT, spawnTsx } from './processes';

export const DASHBOARD_CLI = 'src/main/dashboard-cli.ts';
/** What `npm run dashboard` runs, once `scripts/ensure-built.mjs` has built it from the sources. */
export const BUILT_DASHBOARD = 'out/main/dashboard.js';
/** The line the dashboard prints once its HTTP server is listening. */
export const DASHBOARD_READY_LINE = /Poolscope dashboard: (http:\/\/\S+)/;
/** Generous on purpose: tsx compiles the dashboard on its first start. Readiness, not speed, is what is waited for. */
const STARTUP_TIMEOUT_MS = 30_000;

/**
 * - 'source': src/main/dashboard-cli.ts under tsx; every worker thread loads TypeScript too.
 * - 'built': out/main/dashboard.js under plain Node, as `npm run dashboard` runs it (built first when older than
 *   its sources, as that script does).
 */
export type DashboardProgram = 'source' | 'built';

export interface StartedDashboard {
  readonly program: ChildProgram;
  /** `http://127.0.0.1:N/`, as the dashboard printed it. */
  readonly url: string;
  readonly uiPort: number;
}

/** Spawns the dashboard with exactly these flags; nothing is waited for (a built one must be built already). */
export function spawnDashboard(
  args: readonly string[],
  nodeArgs: readonly string[] = [],
  program: DashboardProgram = 'source',
): ChildProgram {
  if (program === 'built') return new ChildProgram(BUILT_DASHBOARD, process.execPath, [...nodeArgs, BUILT_DASHBOARD, ...args]);
  return spawnTsx(DASHBOARD_CLI, args, { nodeArgs });
}

let building: Promise<void> | null = null;

/** Builds out/ when it is older than its sources, once per process: the same check `npm run dashboard` makes. */
export function ensureBuilt(): Promise<void> {
  building ??= promisify(execFile)(process.execPath, ['scripts/ensure-built.mjs'], { cwd: PROJECT_ROOT }).then(() => undefined);
  return building;
}

/**
 * Spawns the dashboard on a free UI port (`--ui-port 0`) plus `args`, and resolves once it is listening. `nodeArgs`
 * go to Node itself (e.g. `--cpu-prof`).
 */
export async function startDashboardProcess(
  args: readonly string[] = [],
  nodeArgs: readonly string[] = [],
  dashboardProgram: DashboardProgram = 'source',
): Promise<StartedDashboard> {
  if (dashboardProgram === 'built') await ensureBuilt();
  const program = spawnDashboard(['--ui-port', '0', ...args], nodeArgs, dashboardProgram);
  try {
    const [, url] = await program.waitForOutput(DASHBOARD_READY_LINE, { stream: 'stdout', timeoutMs: STARTUP_TIMEOUT_MS });
    return { program, url: url!, uiPort: Number(new URL(url!).port) };
  } catch (error) {
    await program.kill();
    throw error;
  }
}
