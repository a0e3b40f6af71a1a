// A ThreadPool over the scripted test worker (test/fixtures/workers/scripted-worker.ts), for the pool's tests:
// gates the test opens to release blocked jobs, a submit that checks each callback is called once, and the
// pools (and servers) a test started, shut down after it whatever happens.

import { fileURLToPath } from 'node:url';
import type { RunningServer } from '../../src/server';
import { type JobOutcome, ThreadPool, type ThreadPoolOptions } from '../../src/server/pool/thread-pool';
import type { ScriptedJob, ScriptedOutput, ScriptedWorkerData } from '../fixtures/workers/scripted-worker';
import { PoolRecorder } from './pool-recorder';

export const SCRIPTED_WORKER = fileURLToPath(new URL('../fixtures/workers/scripted-worker.ts', import.meta.url));
const GATE_COUNT = 16;

export type ScriptedPool = ThreadPool<ScriptedJob, ScriptedOutput>;
export type ScriptedOutcome = JobOutcome<ScriptedOutput>;

/** Int32 cells shared with the workers: a `wait` job blocks until its gate is opened; a `sleep` job counts itself in one. */
export class Gates {
  readonly buffer = new SharedArrayBuffer(GATE_COUNT * Int32Array.BYTES_PER_ELEMENT);
  private readonly cells = new Int32Array(this.buffer);

  open(gate: number): void {
    Atomics.store(this.cells, gate, 1);
    Atomics.notify(this.cells, gate);
  }

  /** Closed again, for jobs submitted from now on (none may be waiting on it). */
  close(gate: number): void {
    Atomics.store(this.cells, gate, 0);
  }

  /** What the cell holds now: a `sleep` job's count of those begun. */
  read(gate: number): number {
    return Atomics.load(this.cells, gate);
  }

  openAll(): void {
    for (let gate = 0; gate < GATE_COUNT; gate++) this.open(gate);
  }
}

/** The pools and servers a test started; stopAll() after each test opens the pools' gates and shuts everything down. */
export class PoolHarness {
  private started: Array<{ pool: ScriptedPool; gates: Gates }> = [];
  private servers: RunningServer[] = [];

  async start(
    size: number,
    options: Partial<ThreadPoolOptions<ScriptedOutput>> & { failStart?: SharedArrayBuffer } = {},
  ): Promise<{ pool: ScriptedPool; recorder: PoolRecorder<ScriptedOutput>; gates: Gates }> {
    const recorder = new PoolRecorder<ScriptedOutput>();
    const gates = new Gates();
    const workerData: ScriptedWorkerData = { gates: gates.buffer, ...(options.failStart ? { failStart: options.failStart } : {}) };
    const pool = await ThreadPool.create<ScriptedJob, ScriptedOutput>({
      size,
      workerScript: SCRIPTED_WORKER,
      workerData,
      observer: recorder,
      ...options,
    });
    this.track(pool, gates);
    return { pool, recorder, gates };
  }

  /** A pool the test created itself, stopped with the others. */
  track(pool: ScriptedPool, gates: Gates): void {
    this.started.push({ pool, gates });
  }

  /** A server the test started (its own pool), shut down with the pools. */
  trackServer(server: RunningServer): RunningServer {
    this.servers.push(server);
    return server;
  }

  async stopAll(): Promise<void> {
    for (const { gates } of this.started) gates.openAll();
    await Promise.all([...this.started.map(({ pool }) => pool.shutdown()), ...this.servers.map((server) => server.shutdown())]);
    this.started = [];
    this.servers = [];
  }
}

export function submit(
  pool: ScriptedPool,
  requestId: number,
  input: ScriptedJob,
): { accepted: boolean; outcome: Promise<ScriptedOutcome> } {
  let accepted = false;
  const outcome = new Promise<ScriptedOutcome>((resolve, reject) => {
    let calls = 0;
    accepted = pool.execute({ requestId, input }, (result) => {
      calls++;
      if (calls > 1) reject(new Error(`onDone called ${calls} times for job ${requestId}`));
      else resolve(result);
    });
  });
  return { accepted, outcome };
}

export const echo = (value: string): ScriptedJob => ({ kind: 'echo', value });
export const wait = (gate: number, value = `gate ${gate}`): ScriptedJob => ({ kind: 'wait', gate, value });
export const sleep = (ms: number, countIn: number, value = `slept ${ms} ms`): ScriptedJob => ({ kind: 'sleep', ms, countIn, value });
