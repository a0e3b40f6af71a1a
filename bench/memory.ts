// Bench scenario `memory` (npm run bench -- --only memory): what `serve` holds in memory for 1, 4 and 16
// workers, built (out/main/serve.js, as `npm run serve` runs it) and under tsx (TypeScript compiled at run
// time in every thread). Each program gets a short keep-alive load and one /sleep per worker, so every
// worker has run a job; then its peak RSS (VmHWM in /proc/<pid>/status) is read and it is stopped.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../test/support/processes';
import { type LoadGeneratorName, runBurst, runLoad } from './load';

export const MEMORY_WORKER_COUNTS = [1, 4, 16] as const;
const LOAD_S = 2;
const CONNECTIONS = 20;
const SLEEP_MS = 100;
const READY_TIMEOUT_MS = 60_000;
const LISTENING_LINE = /Listening on http:\/\/127\.0\.0\.1:(\d+)/;

export type ServeBuild = 'built' | 'tsx';

export interface MemoryReport {
  /** Peak RSS in MB, by build and worker count. */
  peakRssMb: Record<ServeBuild, Record<number, number>>;
  /** (peak at 16 workers − peak at 1) / 15, in MB. */
  mbPerAddedWorker: Record<ServeBuild, number>;
}

function commandOf(build: ServeBuild): string[] {
  return build === 'built' ? ['out/main/serve.js'] : ['--import', 'tsx', 'src/server/cli.ts'];
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (kb === null) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

async function waitForPort(logPath: string, exited: () => boolean): Promise<number> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const match = LISTENING_LINE.exec(readFileSync(logPath, 'utf8'));
    if (match !== null) return Number(match[1]);
    if (exited()) throw new Error(`serve exited before listening; see ${logPath}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`serve did not listen within ${READY_TIMEOUT_MS} ms; see ${logPath}`);
}

/** One program's peak RSS in MB after load. Its stdout (the book's lines) goes to a file in `resultsDir`. */
async function measureOne(build: ServeBuild, workerCount: number, generator: LoadGeneratorName, resultsDir: string): Promise<number> {
  const logPath = join(resultsDir, `memory-${build}-${workerCount}.log`);
  const logFd = openSync(logPath, 'w');
  const args = [...commandOf(build), '--port', '0', '--workers', String(workerCount), '--sleep-ms', String(SLEEP_MS)];
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', logFd, 'inherit'] });
  closeSync(logFd);
  let hasExited = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      hasExited = true;
      resolve();
    }),
  );
  try {
    const port = await waitForPort(logPath, () => hasExited);
    await runLoad(generator, {
      host: '127.0.0.1',
      port,
      path: '/',
      connections: CONNECTIONS,
      durationS: LOAD_S,
      closeEachConnection: false,
    });
    await runBurst('127.0.0.1', port, '/sleep', workerCount);
    return peakRssMb(child.pid!);
  } finally {
    if (!hasExited) child.kill('SIGTERM');
    await exited;
  }
}

export async function measureMemory(generator: LoadGeneratorName, resultsDir: string): Promise<MemoryReport> {
  // `npm run serve` builds first when out/ is stale; so does this.
  const build = spawnSync(process.execPath, ['scripts/ensure-built.mjs'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('memory: the build failed');
  const peakRssMbByBuild: MemoryReport['peakRssMb'] = { built: {}, tsx: {} };
  // Interleaved (built, tsx) per worker count, so a change in the machine's load hits both alike.
  for (const workerCount of MEMORY_WORKER_COUNTS) {
    for (const serveBuild of ['built', 'tsx'] as const) {
      const mb = await measureOne(serveBuild, workerCount, generator, resultsDir);
      peakRssMbByBuild[serveBuild][workerCount] = mb;
      console.log(`  memory ${serveBuild.padEnd(5)} ${String(workerCount).padStart(2)} workers: peak RSS ${mb.toFixed(1)} MB`);
    }
  }
  const perWorker = (serveBuild: ServeBuild): number => {
    const first = MEMORY_WORKER_COUNTS[0];
    const last = MEMORY_WORKER_COUNTS[MEMORY_WORKER_COUNTS.length - 1]!;
    return (peakRssMbByBuild[serveBuild][last]! - peakRssMbByBuild[serveBuild][first]!) / (last - first);
  };
  return { peakRssMb: peakRssMbByBuild, mbPerAddedWorker: { built: perWorker('built'), tsx: perWorker('tsx') } };
}
