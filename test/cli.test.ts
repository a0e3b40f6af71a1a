// `npm run serve` as a person runs it: a real process, real flags, real signals, the book's lines.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { get, request } from './support/http-client';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

function serve(args: string[]): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const child = spawn(tsx, ['src/server/cli.ts', ...args], { cwd: root });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForLine(output: () => string, pattern: RegExp, exited: Promise<unknown>): Promise<RegExpMatchArray> {
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  for (;;) {
    const match = pattern.exec(output());
    if (match) return match;
    if (hasExited) throw new Error(`process exited before printing ${pattern}; output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('npm run serve', () => {
  it.each([
    [['--workers', '0'], /--workers must be at least 1/],
    [['--workers', 'four'], /--workers must be a whole number \(got "four"\)/],
    [['--port', '70000'], /--port must be between 0 and 65535/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ])('rejects %j with one readable line and exit code 2', async (args, message) => {
    const run = serve(args);
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(message);
    expect(run.output().trim().split('\n')).toHaveLength(1);
  });

  it("serves, prints the book's lines, and shuts down gracefully on SIGTERM", async () => {
    const run = serve(['--port', '0', '--workers', '3', '--sleep-ms', '100']);
    const [, port] = await waitForLine(run.output, /Listening on http:\/\/127\.0\.0\.1:(\d+)/, run.exited);
    expect((await request(Number(port), get('/'))).status).toBe(200);
    await waitForLine(run.output, /Worker \d got a job; executing\./, run.exited);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const lines = run.output().trim().split('\n');
    const tail = lines.slice(lines.indexOf('Shutting down.'));
    expect(tail).toEqual([
      'Shutting down.',
      'Shutting down worker 0',
      'Worker 0 disconnected; shutting down.',
      'Shutting down worker 1',
      'Worker 1 disconnected; shutting down.',
      'Shutting down worker 2',
      'Worker 2 disconnected; shutting down.',
    ]);
  });

  it('stops by itself after --stop-after requests and exits 0', async () => {
    const run = serve(['--port', '0', '--workers', '2', '--stop-after', '2']);
    const [, port] = await waitForLine(run.output, /Listening on http:\/\/127\.0\.0\.1:(\d+)/, run.exited);
    await request(Number(port), get('/'));
    await request(Number(port), get('/'));
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/Shutting down\.\n/);
  });

  it('reports a port in use in one line and exits 1', async () => {
    const first = serve(['--port', '0', '--workers', '1']);
    const [, port] = await waitForLine(first.output, /Listening on http:\/\/127\.0\.0\.1:(\d+)/, first.exited);
    const second = serve(['--port', port!, '--workers', '1']);
    expect(await second.exited).toBe(1);
    expect(second.output().trim()).toBe(`poolscope serve: Port ${port} is already in use on 127.0.0.1`);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
  });
});
