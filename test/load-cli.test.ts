// `npm run load` and `npm run sweep` as a person runs them: real processes, real flags, real signals, exit
// codes and one-line errors.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server';
import { findFreePort } from './support/ports';
import { type ChildProgram, spawnTsx } from './support/processes';

let started: ChildProgram[] = [];
let servers: RunningServer[] = [];

afterEach(async () => {
  await Promise.all(started.map((program) => program.kill()));
  await Promise.all(servers.map((server) => server.shutdown()));
  started = [];
  servers = [];
});

function cli(script: 'cli.ts' | 'sweep-cli.ts', args: string[]): ChildProgram {
  const program = spawnTsx(`src/load/${script}`, args);
  started.push(program);
  return program;
}

async function server(workerCount: number): Promise<RunningServer> {
  const running = await startServer({ port: 0, workerCount });
  servers.push(running);
  return running;
}

describe('npm run load', () => {
  it.each([
    [['--rate', '0'], /^poolscope load: --rate: Rate must be more than 0 requests\/s \(got 0\) \(see --help\)$/],
    [['--rate=-5'], /--rate: Rate must be more than 0/],
    [
      ['--rate', '-5'],
      /^poolscope load: --rate needs a value, and "-5" after it reads as a flag \(a value starting with a dash is written --rate=-5\) \(see --help\)$/,
    ],
    [['--duration', '0'], /--duration: Duration must be more than 0/],
    [['--connections', '0'], /--connections: Connections must be at least 1/],
    [['--mix', '/:0.5,/sleep:0.4'], /--mix: Mix weights must sum to 1 \(within 0\.001\); these sum to 0\.9/],
    [['--mix', '/:-1,/sleep:2'], /--mix: Mix weight of \/ must be more than 0 and at most 1 \(got -1\) \(see --help\)$/],
    [['--url', 'http://192.168.1.20:7878'], /--url: URL host must be localhost or a loopback address/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ])('refuses %j with one readable line and exit code 2, before any connection', async (args, message) => {
    const run = cli('cli.ts', args);
    expect((await run.exited).code).toBe(2);
    expect(run.stderr().trim()).toMatch(message);
    expect(run.stderr().trim().split('\n')).toHaveLength(1);
    expect(run.stdout()).toBe('');
  });

  it('prints its flags and their defaults with --help', async () => {
    const run = cli('cli.ts', ['--help']);
    expect((await run.exited).code).toBe(0);
    expect(run.stdout()).toMatch(/--rate N +requests per second, more than 0 \(default 100/);
    expect(run.stdout()).toMatch(/--connections N/);
    expect(run.stdout()).toMatch(/Exit codes: 0 when/);
  });

  it('runs against the server, prints a line per second and the final tables, and exits 0', async () => {
    const { url } = await server(2);
    const run = cli('cli.ts', ['--url', url, '--rate', '100', '--duration', '1.5', '--arrivals', 'constant', '--seed', '9']);
    expect((await run.exited).code).toBe(0);
    const out = run.stdout();
    expect(out).toMatch(
      /^Load: 100 req\/s constant for 1\.5 s to http:\/\/127\.0\.0\.1:\d+, 100 connections, mix \/:1, timeout 10000 ms, seed 9\./,
    );
    expect(out).toMatch(/^ {3}1 s {2}sent +\d+ {2}completed/m);
    expect(out).toMatch(/Finished: the 1\.5 s schedule ran to its end\./);
    expect(out).toMatch(/\| sent \(came due on the schedule\) +\| +150 \|/);
    expect(out).toMatch(/\| completed \(2xx, 3xx\) +\| +150 \|/);
    expect(out).toMatch(/\| from scheduled send \(what users see\) \|/);
    expect(out).toMatch(/Responses by status: 200 × 150/);
    expect(run.stderr()).toBe('');
  });

  it('runs on to its end, exit code 0, when the reader of its output goes away (`| head -1`)', async () => {
    const { url } = await server(2);
    // head exits after the first line; the progress lines and the report after it meet a closed pipe.
    const shell = spawn(
      'bash',
      [
        '-c',
        `"${process.execPath}" --import tsx src/load/cli.ts --url ${url} --rate 50 --duration 2.5 | head -1 > /dev/null; echo "load exited \${PIPESTATUS[0]}"`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    shell.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    shell.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    await once(shell, 'close');
    expect(stderr).toBe('');
    expect(stdout).toBe('load exited 0\n');
  });

  it('stops on Ctrl-C with a partial report and exit code 0', async () => {
    const { url } = await server(1);
    const run = cli('cli.ts', ['--url', url, '--rate', '50', '--duration', '60', '--mix', '/sleep?ms=30']);
    await run.waitForOutput(/^ {3}1 s {2}sent/m, { stream: 'stdout' });
    run.signal('SIGINT');
    expect((await run.exited).code).toBe(0);
    expect(run.stdout()).toMatch(/Stopped early \(cancelled\): a partial report\./);
    expect(run.stdout()).toMatch(/\| unfinished \(run stopped first\) +\| +\d+ \|/);
  });

  it('exits 1 with the reason when nothing listens at the URL', async () => {
    const port = await findFreePort();
    const run = cli('cli.ts', ['--url', `http://127.0.0.1:${port}`, '--rate', '10', '--duration', '5']);
    expect((await run.exited).code).toBe(1);
    expect(run.stderr().trim()).toBe(
      `poolscope load: connection refused: nothing is listening at http://127.0.0.1:${port} (is the server running?)`,
    );
    expect(run.stdout()).toMatch(/connection refused +\| +1 \|/);
  });
});

describe('npm run sweep', () => {
  it.each([
    [
      ['--workers', '0,2'],
      /^poolscope sweep: --workers: Pool size must be at least 1: a pool of 0 workers could never run a job \(see --help\)$/,
    ],
    [
      ['--csv', '/nonexistent-dir/sweep.csv'],
      /^poolscope sweep: --csv: cannot write \/nonexistent-dir\/sweep\.csv: the directory \/nonexistent-dir does not exist \(see --help\)$/,
    ],
    [['--csv', tmpdir()], /^poolscope sweep: --csv: cannot write [^ ]+: is a directory \(see --help\)$/],
    [['--url', 'http://127.0.0.1:7878'], /Unknown option '--url'/],
  ])('refuses %j with one readable line and exit code 2', async (args, message) => {
    const run = cli('sweep-cli.ts', args);
    expect((await run.exited).code).toBe(2);
    expect(run.stderr().trim()).toMatch(message);
    expect(run.stderr().trim().split('\n')).toHaveLength(1);
  });

  it('measures each pool size on a fresh server, prints the table beside M/M/c, and writes the CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poolscope-sweep-'));
    try {
      const csv = join(dir, 'sweep.csv');
      const run = cli('sweep-cli.ts', [
        '--workers',
        '1,2',
        '--rate',
        '50',
        '--duration',
        '1',
        '--mix',
        '/:0.5,/sleep?ms=10:0.5',
        '--seed',
        '3',
        '--csv',
        csv,
      ]);
      expect((await run.exited).code).toBe(0);
      const out = run.stdout();
      expect(out).toMatch(/\| workers \| sent\/s +\| done\/s/);
      expect(out).toMatch(/^\| 1 +\|/m);
      expect(out).toMatch(/^\| 2 +\|/m);
      expect(out).toMatch(/M\/M\/c P\(wait\)/);
      const lines = readFileSync(csv, 'utf8').trim().split('\r\n');
      expect(lines[0]).toBe(
        'workers,achievedRatePerS,throughputPerS,p50Ms,p99Ms,errors,meanServiceMs,meanWorkerRunMs,utilization,measuredProbabilityOfWait,predictedProbabilityOfWait,measuredMeanWaitMs,predictedMeanWaitMs,predictedQueueGrowthPerS',
      );
      expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['1', '2']);
      expect(out).toMatch(new RegExp(`Wrote ${csv.replace(/[/\\.]/g, '\\$&')}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
