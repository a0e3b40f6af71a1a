// The ThreadPool with real worker threads: sizing, FIFO dispatch, a bounded queue, failing jobs, dying
// threads, and the book's graceful shutdown. Workers block on gates the test opens, so nothing waits on time.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_CONSECUTIVE_START_FAILURES, MAX_POOL_SIZE, PoolCreationError, ThreadPool } from '../src/server/pool/thread-pool';
import type { ScriptedJob, ScriptedOutput } from './fixtures/workers/scripted-worker';
import { echo, Gates, PoolHarness, SCRIPTED_WORKER, submit, wait } from './support/pool-harness';
import { PoolRecorder } from './support/pool-recorder';

const BROKEN_WORKER = fileURLToPath(new URL('./fixtures/workers/broken-worker.ts', import.meta.url));

const harness = new PoolHarness();
afterEach(() => harness.stopAll());
const startPool = harness.start.bind(harness);

describe('creating a pool', () => {
  it.each([0, -1, 1.5, Number.NaN, Infinity, MAX_POOL_SIZE + 1])('refuses size %s with a PoolCreationError', async (size) => {
    const recorder = new PoolRecorder();
    const creating = ThreadPool.create({ size, workerScript: SCRIPTED_WORKER, observer: recorder });
    await expect(creating).rejects.toBeInstanceOf(PoolCreationError);
    await expect(creating).rejects.toMatchObject({ name: 'PoolCreationError' });
    const isTooLarge = Number.isInteger(size) && size > MAX_POOL_SIZE;
    await expect(creating).rejects.toThrow(isTooLarge ? `at most ${MAX_POOL_SIZE} workers; got ${size}` : `at least 1; got ${size}`);
    expect(recorder.events).toEqual([]);
  });

  it('explains why a pool of 0 workers is refused', async () => {
    await expect(ThreadPool.create({ size: 0, workerScript: SCRIPTED_WORKER })).rejects.toThrow(
      'Pool size must be a whole number of workers, at least 1; got 0 (a pool of 0 workers could never run a job)',
    );
  });

  it('refuses a negative maxQueuedJobs', async () => {
    await expect(ThreadPool.create({ size: 1, maxQueuedJobs: -1, workerScript: SCRIPTED_WORKER })).rejects.toThrow(
      /maxQueuedJobs must be a whole number, 0 or more; got -1/,
    );
  });

  it('spawns workers 0..n-1, each ready to run a job when create resolves', async () => {
    const { pool, recorder, gates } = await startPool(3);
    expect(pool.size).toBe(3);
    expect(recorder.of('worker-spawned').map((e) => e.workerId)).toEqual([0, 1, 2]);
    const jobs = [1, 2, 3].map((id) => submit(pool, id, wait(0, `job ${id}`)));
    expect(pool.busyCount).toBe(3);
    expect(pool.queueDepth).toBe(0);
    expect(new Set(recorder.of('job-started').map((e) => e.workerId))).toEqual(new Set([0, 1, 2]));
    gates.open(0);
    const outcomes = await Promise.all(jobs.map((j) => j.outcome));
    expect(outcomes.map((o) => o.ok && o.output.value)).toEqual(['job 1', 'job 2', 'job 3']);
  });

  it('loads a .ts worker script with the pool’s workerData unchanged and its own argv', async () => {
    const { pool } = await startPool(1);
    const outcome = await submit(pool, 1, { kind: 'describe' }).outcome;
    expect(outcome).toMatchObject({ ok: true, output: { workerDataKeys: ['gates'], extraArgv: [] } });
  });

  it('brings back a Uint8Array body from the worker', async () => {
    const { pool } = await startPool(1);
    const outcome = await submit(pool, 1, echo('hello')).outcome;
    if (!outcome.ok) throw new Error(outcome.error);
    expect(outcome.output.body).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(outcome.output.body)).toBe('hello');
    expect(outcome.runMs).toBeGreaterThanOrEqual(0);
  });

  it('rejects with the script’s own error when a worker cannot start, and announces no worker', async () => {
    const recorder = new PoolRecorder();
    const creating = ThreadPool.create({ size: 3, workerScript: BROKEN_WORKER, observer: recorder });
    await expect(creating).rejects.toBeInstanceOf(PoolCreationError);
    await expect(creating).rejects.toThrow(/^Worker \d could not start .*broken-worker\.ts\): broken worker: configuration file missing$/);
    expect(recorder.count('worker-spawned')).toBe(0);
  });
});

describe('dispatch through one FIFO queue', () => {
  it('queues a fifth job while four workers are busy and starts it on the first worker freed', async () => {
    const { pool, recorder, gates } = await startPool(4);
    const blockers = [0, 1, 2, 3].map((gate) => submit(pool, gate + 1, wait(gate)));
    expect(recorder.count('job-started')).toBe(4);

    const fifth = submit(pool, 5, wait(4, 'fifth'));
    const sixth = submit(pool, 6, wait(5, 'sixth'));
    expect(recorder.of('job-queued').map((e) => [e.requestId, e.queueDepth])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
      [6, 2],
    ]);
    expect(recorder.count('job-started', (e) => e.requestId >= 5)).toBe(0);
    expect(pool.queueDepth).toBe(2);
    expect(pool.busyCount).toBe(4);

    const workerOf = (requestId: number) => recorder.of('job-started').find((e) => e.requestId === requestId)!.workerId;
    gates.open(2);
    await recorder.until((r) => r.count('job-started', (e) => e.requestId === 5) === 1);
    const fifthStart = recorder.of('job-started').find((e) => e.requestId === 5)!;
    expect(fifthStart.workerId).toBe(workerOf(3));
    expect(fifthStart.queueDepth).toBe(1);
    expect(recorder.count('job-started', (e) => e.requestId === 6)).toBe(0);

    gates.open(0);
    await recorder.until((r) => r.count('job-started', (e) => e.requestId === 6) === 1);
    expect(workerOf(6)).toBe(workerOf(1));
    expect(recorder.of('job-started').map((e) => e.requestId)).toEqual([1, 2, 3, 4, 5, 6]);

    gates.openAll();
    const outcomes = await Promise.all([...blockers, fifth, sixth].map((j) => j.outcome));
    expect(outcomes.map((o) => o.ok && o.output.value)).toEqual(['gate 0', 'gate 1', 'gate 2', 'gate 3', 'fifth', 'sixth']);
  });

  it('reports each worker and each waiting job as they are, with the times its observer heard', async () => {
    const { pool, recorder, gates } = await startPool(2);
    const jobs = [
      submit(pool, 1, wait(0)),
      submit(pool, 2, wait(1)),
      submit(pool, 3, echo('a')),
      submit(pool, 4, echo('b')),
      submit(pool, 5, echo('c')),
    ];
    const spawnedAt = recorder.of('worker-spawned')[0]!.at;
    // Workers by id; which one took which job depends on the order they became ready.
    const started = recorder.of('job-started').sort((a, b) => a.workerId - b.workerId);
    expect(pool.state()).toEqual({
      workers: started.map((e) => ({
        id: e.workerId,
        phase: 'busy',
        requestId: e.requestId,
        busySince: e.at,
        jobsDone: 0,
        busyMsTotal: 0,
        spawnedAt,
        replacements: 0,
      })),
      queue: recorder
        .of('job-queued')
        .slice(2)
        .map((e) => ({ requestId: e.requestId, enqueuedAt: e.at })),
      threads: { live: 2, peak: 2 },
      lock: null,
    });
    // Another clock: each time goes through timeOf.
    expect(pool.state((ms) => ms + 1000).queue.map((j) => j.enqueuedAt)).toEqual(
      recorder
        .of('job-queued')
        .slice(2)
        .map((e) => e.at + 1000),
    );

    gates.openAll();
    const outcomes = await Promise.all(jobs.map((j) => j.outcome));
    const after = pool.state();
    expect(after.queue).toEqual([]);
    expect(after.workers.map((w) => [w.phase, w.requestId, w.busySince])).toEqual([
      ['idle', null, null],
      ['idle', null, null],
    ]);
    expect(after.workers.reduce((sum, w) => sum + w.jobsDone, 0)).toBe(5);
    const runMsTotal = outcomes.reduce((sum, o) => sum + ('runMs' in o ? o.runMs : Number.NaN), 0);
    expect(after.workers.reduce((sum, w) => sum + w.busyMsTotal, 0)).toBeCloseTo(runMsTotal, 6);
    await pool.shutdown();
    expect(pool.state().workers.map((w) => w.phase)).toEqual(['exited', 'exited']);
  });

  it('refuses a job when the queue is full, and emits nothing for it', async () => {
    const { pool, recorder, gates } = await startPool(1, { maxQueuedJobs: 1 });
    const running = submit(pool, 1, wait(0));
    const waiting = submit(pool, 2, echo('queued'));
    const refused = submit(pool, 3, echo('refused'));
    expect([running.accepted, waiting.accepted, refused.accepted]).toEqual([true, true, false]);
    expect(pool.queueDepth).toBe(1);
    gates.open(0);
    expect((await waiting.outcome).ok).toBe(true);
    expect((await running.outcome).ok).toBe(true);
    expect(recorder.events.some((e) => 'requestId' in e && e.requestId === 3)).toBe(false);
    // Once the queue has room again, jobs are accepted.
    expect(submit(pool, 4, echo('later')).accepted).toBe(true);
  });
});

describe('faults', () => {
  it('fails a job whose handler throws, and the same worker runs the next job', async () => {
    const { pool, recorder } = await startPool(1);
    const failed = await submit(pool, 1, { kind: 'throw', message: 'route exploded' }).outcome;
    expect(failed).toMatchObject({ ok: false, cause: 'threw', error: 'route exploded', workerId: 0 });
    const next = await submit(pool, 2, echo('still here')).outcome;
    expect(next).toMatchObject({ ok: true, workerId: 0, output: { value: 'still here' } });
    // The observer hears each job's own outcome: the server makes its status of it.
    expect(recorder.of('job-finished').map((e) => [e.requestId, e.outcome])).toEqual([
      [1, failed],
      [2, next],
    ]);
    expect(recorder.count('worker-exited')).toBe(0);
  });

  it('replaces a worker that exits mid-job under the same id, without touching the others', async () => {
    const { pool, recorder, gates } = await startPool(2);
    const survivor = submit(pool, 1, wait(0, 'survivor'));
    const survivorWorker = recorder.of('job-started')[0]!.workerId;
    const dying = submit(pool, 2, { kind: 'exit', code: 7 });
    const diedOn = recorder.of('job-started')[1]!.workerId;
    expect(diedOn).not.toBe(survivorWorker);

    const died = await dying.outcome;
    expect(died).toMatchObject({ ok: false, cause: 'worker-died', workerId: diedOn, error: expect.stringMatching(/exit code 7/) });
    await recorder.until((r) => r.count('worker-replaced') === 1);

    const lifecycle = recorder.events
      .filter(
        (e) =>
          e.type === 'worker-exited' ||
          e.type === 'worker-replaced' ||
          e.type === 'worker-spawned' ||
          (e.type === 'job-finished' && e.requestId === 2),
      )
      .map((e) => ('workerId' in e ? `${e.type}:${e.workerId}` : e.type));
    expect(lifecycle).toEqual([
      'worker-spawned:0',
      'worker-spawned:1',
      `job-finished:${diedOn}`,
      `worker-exited:${diedOn}`,
      `worker-replaced:${diedOn}`,
    ]);
    expect(recorder.of('worker-exited')[0]).toMatchObject({ reason: 'crashed', exitCode: 7 });

    // The survivor is still blocked, so the next job can only run on the replacement.
    expect(recorder.count('job-finished', (e) => e.requestId === 1)).toBe(0);
    expect(await submit(pool, 3, echo('on the replacement')).outcome).toMatchObject({ ok: true, workerId: diedOn });
    gates.open(0);
    expect(await survivor.outcome).toMatchObject({ ok: true, workerId: survivorWorker, output: { value: 'survivor' } });
  });

  it('hands the jobs queued behind a crash to the replacement', async () => {
    const { pool } = await startPool(1);
    const dying = submit(pool, 1, { kind: 'exit', code: 3 });
    const queued = [2, 3].map((id) => submit(pool, id, echo(`queued ${id}`)));
    expect(pool.queueDepth).toBe(2);
    expect((await dying.outcome).ok).toBe(false);
    const outcomes = await Promise.all(queued.map((j) => j.outcome));
    expect(outcomes.map((o) => o.ok && o.output.value)).toEqual(['queued 2', 'queued 3']);
  });

  it('replaces a worker that dies while idle, from an uncaught error', async () => {
    const { pool, recorder } = await startPool(1);
    const answered = await submit(pool, 1, { kind: 'throw-later', message: 'late failure' }).outcome;
    expect(answered.ok).toBe(true);
    await recorder.until((r) => r.count('worker-replaced') === 1);
    expect(recorder.of('worker-exited')).toMatchObject([{ workerId: 0, reason: 'crashed', exitCode: 1 }]);
    const after = await Promise.all([2, 3].map((id) => submit(pool, id, echo(`after ${id}`)).outcome));
    expect(after.map((o) => o.ok && o.workerId)).toEqual([0, 0]);
  });

  it('stops replacing a worker that keeps failing to start, and abandons the jobs left waiting', async () => {
    const failStart = new SharedArrayBuffer(4);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const { pool, recorder } = await startPool(1, { failStart });
      Atomics.store(new Int32Array(failStart), 0, 1);
      const dying = submit(pool, 1, { kind: 'exit', code: 1 });
      const stranded = [2, 3].map((id) => submit(pool, id, echo(`stranded ${id}`)));
      expect((await dying.outcome).ok).toBe(false);
      expect(pool.state().workers).toMatchObject([{ id: 0, phase: 'restarting', requestId: null, jobsDone: 1 }]);
      expect(pool.state().queue.map((j) => j.requestId)).toEqual([2, 3]);
      const noWorkers = { ok: false, cause: 'abandoned', reason: 'no-workers', error: expect.stringMatching(/no worker threads are left/) };
      expect(await Promise.all(stranded.map((j) => j.outcome))).toMatchObject([noWorkers, noWorkers]);
      // Every observer hears them leave the queue, so none is left showing them waiting.
      expect(recorder.of('job-abandoned').map((e) => [e.requestId, e.reason, e.queueDepth])).toEqual([
        [2, 'no-workers', 1],
        [3, 'no-workers', 0],
      ]);
      // A job accepted later is queued and abandoned at once, never inside execute().
      const late = submit(pool, 4, echo('late'));
      expect(late.accepted).toBe(true);
      expect(recorder.count('job-abandoned', (e) => e.requestId === 4)).toBe(0);
      expect(await late.outcome).toMatchObject(noWorkers);
      expect(recorder.events.filter((e) => 'requestId' in e && e.requestId === 4).map((e) => e.type)).toEqual([
        'job-queued',
        'job-abandoned',
      ]);
      expect(recorder.count('worker-replaced')).toBe(0);
      expect(pool.state()).toMatchObject({ workers: [{ phase: 'exited', replacements: 0 }], queue: [] });
      expect(warnings.some((w) => w.includes(`worker 0 failed to start ${MAX_CONSECUTIVE_START_FAILURES} times in a row`))).toBe(true);
      await pool.shutdown();
      expect(recorder.count('worker-stopping')).toBe(0);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('fails a job whose input or output cannot cross the thread boundary, and carries on', async () => {
    const { pool } = await startPool(1);
    const badInput = { kind: 'echo', value: 'x', extra: () => 1 } as unknown as ScriptedJob;
    expect(await submit(pool, 1, badInput).outcome).toMatchObject({
      ok: false,
      cause: 'threw',
      error: expect.stringMatching(/could not be sent to the worker/),
    });
    expect(await submit(pool, 2, { kind: 'uncloneable' }).outcome).toMatchObject({
      ok: false,
      cause: 'threw',
      error: expect.stringMatching(/could not be sent to the main thread/),
    });
    expect(await submit(pool, 3, echo('fine')).outcome).toMatchObject({ ok: true });
  });
});

describe('the queue deadline (maxWaitMs)', () => {
  it.each([-1, 1.5, Number.NaN])('refuses maxWaitMs %s', async (maxWaitMs) => {
    await expect(ThreadPool.create({ size: 1, maxWaitMs, workerScript: SCRIPTED_WORKER })).rejects.toThrow(
      /maxWaitMs must be a whole number of ms, 0 \(no limit\) or more/,
    );
  });

  it('abandons the jobs that waited maxWaitMs while every worker was busy, and keeps the others in order', async () => {
    const maxWaitMs = 200;
    const { pool, recorder, gates } = await startPool(1, { maxWaitMs });
    const running = submit(pool, 1, wait(0));
    const expiring = [2, 3].map((id) => submit(pool, id, echo(`expiring ${id}`)));
    const outcomes = await Promise.all(expiring.map((j) => j.outcome));
    // The worker never came free: the deadline alone answered them, each exactly once.
    expect(outcomes).toMatchObject([
      { ok: false, cause: 'abandoned', reason: 'max-wait', error: expect.stringMatching(/a job may wait 200 ms/) },
      { ok: false, cause: 'abandoned', reason: 'max-wait' },
    ]);
    const abandoned = recorder.of('job-abandoned');
    expect(abandoned.map((e) => [e.requestId, e.reason, e.queueDepth])).toEqual([
      [2, 'max-wait', 1],
      [3, 'max-wait', 0],
    ]);
    for (const [i, event] of abandoned.entries()) {
      const queued = recorder.of('job-queued').find((e) => e.requestId === event.requestId)!;
      expect(event.waitMs).toBe(event.at - queued.at);
      expect(event.waitMs).toBeGreaterThanOrEqual(maxWaitMs);
      expect(outcomes[i]).toMatchObject({ waitMs: event.waitMs });
    }
    expect(pool.state().queue).toEqual([]);

    // Later jobs queue as usual and run first in, first out once the worker is free.
    const later = [4, 5].map((id) => submit(pool, id, echo(`later ${id}`)));
    gates.open(0);
    expect((await running.outcome).ok).toBe(true);
    expect((await Promise.all(later.map((j) => j.outcome))).map((o) => o.ok && o.output.value)).toEqual(['later 4', 'later 5']);
    expect(recorder.of('job-started').map((e) => e.requestId)).toEqual([1, 4, 5]);
  });

  it('waits as long as it takes with maxWaitMs 0', async () => {
    const { pool, recorder, gates } = await startPool(1, { maxWaitMs: 0 });
    const running = submit(pool, 1, wait(0));
    const queued = submit(pool, 2, echo('patient'));
    // Long past any deadline a small limit would have set, and no timer is left behind.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pool.state().queue.map((j) => j.requestId)).toEqual([2]);
    gates.open(0);
    expect(await queued.outcome).toMatchObject({ ok: true, output: { value: 'patient' } });
    expect((await running.outcome).ok).toBe(true);
    expect(recorder.count('job-abandoned')).toBe(0);
  });

  it('drains on shutdown with expiring jobs in the queue: each job answered once, then the workers joined', async () => {
    const { pool, recorder, gates } = await startPool(1, { maxWaitMs: 150 });
    const jobs = [submit(pool, 1, wait(0)), submit(pool, 2, echo('a')), submit(pool, 3, echo('b'))];
    const stopping = pool.shutdown();
    await recorder.until((r) => r.count('job-abandoned') === 2);
    expect(recorder.count('worker-stopping')).toBe(0);
    gates.open(0);
    await stopping;
    expect((await Promise.all(jobs.map((j) => j.outcome))).map((o) => (o.ok ? 'ran' : o.cause))).toEqual(['ran', 'abandoned', 'abandoned']);
    expect(recorder.events.map((e) => e.type).slice(-2)).toEqual(['worker-stopping', 'worker-exited']);
  });
});

describe('graceful shutdown (the book’s Drop)', () => {
  it('finishes every running and queued job, then stops and joins the workers in id order', async () => {
    const { pool, recorder, gates } = await startPool(2);
    const eventCountAtDone: number[] = [];
    const jobs = [submit(pool, 1, wait(0)), submit(pool, 2, wait(1)), submit(pool, 3, echo('queued 3')), submit(pool, 4, echo('queued 4'))];
    for (const job of jobs) void job.outcome.then(() => eventCountAtDone.push(recorder.events.length));

    const stopping = pool.shutdown();
    expect(pool.shutdown()).toBe(stopping);
    expect(submit(pool, 5, echo('too late')).accepted).toBe(false);
    expect(recorder.count('worker-stopping')).toBe(0);

    gates.open(0);
    gates.open(1);
    await stopping;

    const outcomes = await Promise.all(jobs.map((j) => j.outcome));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const joins = recorder.events
      .filter((e) => e.type === 'worker-stopping' || e.type === 'worker-exited')
      .map((e) => `${e.type}:${'workerId' in e ? e.workerId : ''}`);
    expect(joins).toEqual(['worker-stopping:0', 'worker-exited:0', 'worker-stopping:1', 'worker-exited:1']);
    expect(recorder.of('worker-exited')).toMatchObject([
      { reason: 'shutdown', exitCode: 0 },
      { reason: 'shutdown', exitCode: 0 },
    ]);
    const firstStopAt = recorder.events.findIndex((e) => e.type === 'worker-stopping');
    expect(recorder.count('job-finished')).toBe(4);
    expect(recorder.events.findLastIndex((e) => e.type === 'job-finished')).toBeLessThan(firstStopAt);
    expect(eventCountAtDone).toHaveLength(4);
    expect(Math.max(...eventCountAtDone)).toBeLessThanOrEqual(firstStopAt);
    expect(recorder.events.some((e) => 'requestId' in e && e.requestId === 5)).toBe(false);
  });

  it('lets the process exit once the pool has shut down', async () => {
    const poolUrl = new URL('../src/server/pool/thread-pool.ts', import.meta.url).href;
    const workerUrl = new URL('./fixtures/workers/scripted-worker.ts', import.meta.url).href;
    const script = [
      `const { ThreadPool } = await import(${JSON.stringify(poolUrl)});`,
      `const pool = await ThreadPool.create({ size: 2, workerScript: new URL(${JSON.stringify(workerUrl)}), workerData: { gates: new SharedArrayBuffer(64) } });`,
      `const outcome = await new Promise((resolve) => pool.execute({ requestId: 1, input: { kind: 'echo', value: 'x' } }, resolve));`,
      `await pool.shutdown();`,
      `console.log('stopped', outcome.ok);`,
    ].join('\n');
    // A script file rather than -e: workers inherit execArgv, and --input-type is refused for a worker.
    const scriptDir = await mkdtemp(join(tmpdir(), 'poolscope-pool-'));
    const scriptPath = join(scriptDir, 'run-and-stop.mjs');
    await writeFile(scriptPath, script);
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', scriptPath], (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });
    await rm(scriptDir, { recursive: true, force: true });
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('stopped true');
    expect(code).toBe(0);
  });
});

describe('instrumentation', () => {
  it('reports nothing while its observer is not observing', async () => {
    const observer = new PoolRecorder<ScriptedOutput>();
    observer.isObserving = false;
    const reports = (
      ['jobQueued', 'jobStarted', 'jobFinished', 'workerSpawned', 'workerStopping', 'workerExited', 'workerReplaced'] as const
    ).map((method) => vi.spyOn(observer, method));
    const gates = new Gates();
    const pool = await ThreadPool.create<ScriptedJob, ScriptedOutput>({
      size: 2,
      workerScript: SCRIPTED_WORKER,
      workerData: { gates: gates.buffer },
      observer,
    });
    harness.track(pool, gates);
    const outcomes = await Promise.all([
      submit(pool, 1, echo('a')).outcome,
      submit(pool, 2, { kind: 'throw', message: 'b' }).outcome,
      submit(pool, 3, { kind: 'exit', code: 2 }).outcome,
      submit(pool, 4, echo('c')).outcome,
      submit(pool, 5, echo('d')).outcome,
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, false, true, true]);
    await pool.shutdown();
    for (const report of reports) expect(report).not.toHaveBeenCalled();
  });
});
