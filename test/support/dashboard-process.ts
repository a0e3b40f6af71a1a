// The browser dashboard as a person runs it, in a process of its own (`src/main/dashboard-cli.ts`): for the
// e2e fixture, the dashboard's command-line tests and bench:ui. Ready once it prints its URL.

import { type ChildProgram, spawnTsx } from './processes';

export const DASHBOARD_CLI = 'src/main/dashboard-cli.ts';
/** The line the dashboard prints once its HTTP server is listening. */
export const DASHBOARD_READY_LINE = /Poolscope dashboard: (http:\/\/\S+)/;
/** Generous on purpose: tsx compiles the dashboard on its first start. Readiness, not speed, is what is waited for. */
const STARTUP_TIMEOUT_MS = 30_000;

export interface StartedDashboard {
  readonly program: ChildProgram;
  /** `http://127.0.0.1:N/`, as the dashboard printed it. */
  readonly url: string;
  readonly uiPort: number;
}

/** Spawns the dashboard with exactly these flags; nothing is waited for. */
export function spawnDashboard(args: readonly string[], nodeArgs: readonly string[] = []): ChildProgram {
  return spawnTsx(DASHBOARD_CLI, args, { nodeArgs });
}

/**
 * Spawns the dashboard on a free UI port (`--ui-port 0`) plus `args`, and resolves once it is listening. `nodeArgs`
 * go to Node itself (e.g. `--cpu-prof`).
 */
export async function startDashboardProcess(args: readonly string[] = [], nodeArgs: readonly string[] = []): Promise<StartedDashboard> {
  const program = spawnDashboard(['--ui-port', '0', ...args], nodeArgs);
  try {
    const [, url] = await program.waitForOutput(DASHBOARD_READY_LINE, { stream: 'stdout', timeoutMs: STARTUP_TIMEOUT_MS });
    return { program, url: url!, uiPort: Number(new URL(url!).port) };
  } catch (error) {
    await program.kill();
    throw error;
  }
}
