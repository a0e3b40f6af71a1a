// `npm run bench -- --only strategies,thread-startup`: the chapter's four servers side by side.
// - strategies: keep-alive GET / against one Poolscope child per strategy, in alternating rounds like every
//   throughput row; one row per strategy with its ratio to `pool`. Every child's threads run the built worker
//   (out/main/request-worker.js, as `npm run serve` runs them), so a thread per request pays a plain JavaScript
//   start-up, not a TypeScript loader. `single` closes each connection after its answer, as the book's
//   single-threaded server does, so its clients reconnect for every request.
// - thread-startup: GET / one at a time against the `per-request` child: the median ms from a thread's spawn to
//   its request running (its thread-started events), beside the median latency of one whole GET / on the pool.

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { STRATEGIES, type Strategy } from '../src/shared/settings';
import { get, RawConnection } from '../test/support/http-client';
import { percentile } from '../test/support/percentile';
import { PROJECT_ROOT } from '../test/support/processes';
import type { ServerProcess, SpawnServerOptions } from './servers';

/** Sequential GET / requests for the start-up measurement (each one spawns and ends a thread). */
export const STARTUP_REQUESTS = 60;
/**
 * How long a strategy's server may take to finish what a round left it: a thread per request is still starting
 * threads for every connection of the round when the load stops, which on a busy 2-core machine takes long.
 */
const SETTLE_TIMEOUT_MS = 180_000;
const SETTLE_POLL_MS = 100;

/**
 * Waits until the server has answered everything a round sent it. A thread-per-request server is still
 * starting threads for the last round's requests when the load stops; the next side must not share the CPU with them.
 */
export async function settle(server: ServerProcess): Promise<void> {
  const deadline = performance.now() + SETTLE_TIMEOUT_MS;
  for (let busy = await server.busyCount(); busy > 0; busy = await server.busyCount()) {
    if (performance.now() > deadline) {
      console.log(
        `  WARNING: ${busy} requests still in flight ${SETTLE_TIMEOUT_MS / 1000} s after the round: the next side shares the CPU with them`,
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

/** Builds out/ when it is older than its sources: the strategies' children run the built worker. */
export function ensureBuilt(): void {
  const build = spawnSync(process.execPath, ['scripts/ensure-built.mjs'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed: the strategies bench runs the built worker');
}

/** One Poolscope child per strategy, `pool` first (the baseline every ratio is against). */
export async function spawnStrategyServers(
  spawn: (options: Partial<SpawnServerOptions>) => Promise<ServerProcess>,
): Promise<Map<Strategy, ServerProcess>> {
  const ordered: Strategy[] = ['pool', ...STRATEGIES.filter((s) => s !== 'pool')];
  const servers = await Promise.all(ordered.map((strategy) => spawn({ strategy, isBuiltWorker: true })));
  return new Map(ordered.map((strategy, i) => [strategy, servers[i]!]));
}

export interface StartupReport {
  /** Median ms from a per-request thread's spawn to its request running. */
  medianStartupMs: number;
  /** Median ms of one whole GET / (sent → answered) on the pool, one at a time over one connection. */
  poolRequestMedianMs: number;
}

/** Sends `count` GET / one after another on one keep-alive connection; returns each one's latency in ms. */
async function sequentialLatenciesMs(port: number, count: number): Promise<number[]> {
  const latencies: number[] = [];
  let conn = await RawConnection.open(port);
  for (let i = 0; i < count; i++) {
    if (conn.isClosed) conn = await RawConnection.open(port);
    const sentAt = performance.now();
    conn.send(get('/'));
    const response = await conn.read();
    latencies.push(performance.now() - sentAt);
    if (response.status !== 200) throw new Error(`GET / answered ${response.status} during the start-up measurement`);
  }
  conn.close();
  return latencies.sort((a, b) => a - b);
}

export async function measureThreadStartup(perRequest: ServerProcess, pool: ServerProcess): Promise<StartupReport> {
  // Warm both: the first threads pay for loading the program from disk.
  await sequentialLatenciesMs(perRequest.port, 5);
  await sequentialLatenciesMs(pool.port, 5);
  await perRequest.setStartupsCollected(true);
  await sequentialLatenciesMs(perRequest.port, STARTUP_REQUESTS);
  const medianStartupMs = await perRequest.setStartupsCollected(false);
  const poolLatencies = await sequentialLatenciesMs(pool.port, STARTUP_REQUESTS);
  return { medianStartupMs, poolRequestMedianMs: percentile(poolLatencies, 50) };
}
