// `npm run serve` as a person runs it: a real process, real flags, real signals, the book's lines; built
// (out/main/serve.js, what `npm run serve` runs) and from source under tsx, which must behave alike.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get, RawConnection, request } from './support/http-client';
import { type ChildProgram, PROJECT_ROOT, spawnProgram, spawnTsx, withoutOpenFileLimitLine } from './support/processes';

/** A stale out/ is rebuilt first, as `npm run serve` does; on a loaded 2-core machine that can take a minute. */
const BUILD_TIMEOUT_MS = 180_000;

const LISTENING_LINE = /Listening on http:\/\/127\.0\.0\.1:(\d+)/;

let started: ChildProgram[] = [];

afterEach(async () => {
  await Promise.all(started.map((program) => program.kill()));
  started = [];
});

type Build = 'built' | 'source';

const PROGRAMS: Record<Build, (args: string[]) => ChildProgram> = {
  built: (args) => spawnProgram(process.execPath, ['out/main/serve.js', ...args]),
  source: (args) => spawnTsx('src/server/cli.ts', args),
};

function ensureBuilt(): void {
  const result = spawnSync(process.execPath, ['scripts/ensure-built.mjs'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
}

/** Resolves with the port the server printed in its Listening line. */
async function listeningPort(program: ChildProgram): Promise<number> {
  const [, port] = await program.waitForOutput(LISTENING_LINE);
  return Number(port);
}

/** The book's graceful shutdown of a pool of three, as serve prints it: the workers joined in id order. */
const BOOK_SHUTDOWN_LINES_OF_THREE_WORKERS = [
  'Shutting down.',
  'Shutting down worker 0',
  'Worker 0 disconnected; shutting down.',
  'Shutting down worker 1',
  'Worker 1 disconnected; shutting down.',
  'Shutting down worker 2',
  'Worker 2 disconnected; shutting down.',
];

describe.each(['built', 'source'] as const)('npm run serve (%s)', (build: Build) => {
  const serve = (args: string[]): ChildProgram => {
    const program = PROGRAMS[build](args);
    started.push(program);
    return program;
  };

  beforeAll(() => {
    if (build === 'built') ensureBuilt();
  }, BUILD_TIMEOUT_MS);

  it.each([
    [['--workers', '0'], /--workers must be at least 1/],
    [['--workers', 'four'], /--workers must be a whole number \(got "four"\)/],
    [['--port', '70000'], /--port must be between 0 and 65535/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['--stop-after', '0'], /--stop-after must be at least 1 \(got 0\)/],
    [['--host', '999.1.1.1'], /--host must be an IP address or "localhost" \(got "999\.1\.1\.1"\)/],
    [['--strategy', 'fork'], /--strategy must be one of single, per-request, pool, pool-while-let \(got "fork"\)/],
    [['--stop-after-connections=-1'], /--stop-after-connections must be between 0 and 1000000 \(got -1\)/],
    [
      ['--stop-after-connections', '-1'],
      /--stop-after-connections needs a value, and "-1" after it reads as a flag \(a value starting with a dash is written --stop-after-connections=-1\)/,
    ],
    [['--workers', '--port', '0'], /--workers needs a value \(the flag --port came next\)/],
    [['--port'], /serve: --port needs a value \(see --help\)\n?$/],
    [['--stop-after-connections', 'two'], /--stop-after-connections must be a whole number \(got "two"\)/],
  ])('rejects %j with one readable line and exit code 2', async (args, message) => {
    const run = serve(args);
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toMatch(message);
    expect(run.output().trim().split('\n')).toHaveLength(1);
  });

  it('lists every flag with its range and default in --help, and exits 0', async () => {
    const run = serve(['--help']);
    expect((await run.exited).code).toBe(0);
    for (const flag of ['--host HOST', '--port N', '--workers N', '--sleep-ms N', '--max-queued-jobs N', '--stop-after N', '--help']) {
      expect(run.output()).toContain(flag);
    }
    expect(run.output()).toMatch(/--workers N +thread pool size \(1\.\.64, default 4\)/);
  });

  it("serves, prints the book's lines, and shuts down gracefully on SIGTERM", async () => {
    const run = serve(['--port', '0', '--workers', '3', '--sleep-ms', '100']);
    const port = await listeningPort(run);
    expect((await request(port, get('/'))).status).toBe(200);
    await run.waitForOutput(/Worker \d got a job; executing\./);
    run.signal('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    const lines = run.output().trim().split('\n');
    const tail = lines.slice(lines.indexOf('Shutting down.'));
    expect(tail).toEqual(BOOK_SHUTDOWN_LINES_OF_THREE_WORKERS);
  });

  it.each([
    ['single', /with one thread, one connection at a time/, false],
    ['per-request', /with a new thread per request, at most 256 at once/, false],
    ['pool-while-let', /with 2 workers sharing one lock for the whole job/, true],
  ] as const)(
    "serves with --strategy %s, printing its listing's lines, and stops gracefully",
    async (strategy, listening, printsWorkers) => {
      const run = serve(['--port', '0', '--workers', '2', '--sleep-ms', '50', '--strategy', strategy]);
      const port = await listeningPort(run);
      expect(run.output()).toMatch(listening);
      expect((await request(port, get('/'))).status).toBe(200);
      expect((await request(port, get('/sleep'))).status).toBe(200);
      run.signal('SIGTERM');
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(run.output()).toContain('Shutting down.');
      expect(/Worker \d got a job; executing\./.test(run.output())).toBe(printsWorkers);
    },
  );

  it('stops by itself after --stop-after requests and exits 0', async () => {
    const run = serve(['--port', '0', '--workers', '2', '--stop-after', '2']);
    const port = await listeningPort(run);
    expect((await request(port, get('/'))).status).toBe(200);
    expect((await request(port, get('/'))).status).toBe(200);
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.output()).toMatch(/Shutting down\.\n/);
  });

  it("stops by itself once --stop-after-connections connections were served, joins the workers in order and exits 0 (the book's take(2))", async () => {
    const run = serve(['--port', '0', '--workers', '3', '--stop-after-connections', '2']);
    const port = await listeningPort(run);
    expect(run.output()).toMatch(/shutting down after 2 connections \(take\(2\)\)\. Ctrl-C stops\./);
    expect((await request(port, get('/'))).status).toBe(200);
    expect((await request(port, get('/'))).status).toBe(200);
    expect(await run.exited).toEqual({ code: 0, signal: null });
    const lines = run.output().trim().split('\n');
    // A job dispatched as the loop ends may print its line after "Shutting down.", as in the book's own output.
    const tail = lines.slice(lines.indexOf('Shutting down.')).filter((line) => !/got a job/.test(line));
    expect(tail).toEqual(BOOK_SHUTDOWN_LINES_OF_THREE_WORKERS);
    expect(lines.filter((line) => /got a job/.test(line))).toHaveLength(2);
  });

  it('prints the line of every request it answered when Ctrl-C stops it with its stdout a pipe, and answers the jobs still running', async () => {
    const run = serve(['--port', '0', '--workers', '4']);
    const port = await listeningPort(run);
    // Two sleepers hold two workers through the stop; the other two answer the rest, lines printed in batches.
    const sleepers = await Promise.all([0, 1].map(() => RawConnection.open(port)));
    for (const conn of sleepers) conn.send(get('/sleep?ms=1500'));
    const clients = await Promise.all(Array.from({ length: 10 }, () => RawConnection.open(port)));
    const statuses = await Promise.all(
      clients.map(async (conn) => {
        const answered: number[] = [];
        for (let i = 0; i < 30; i++) {
          conn.send(get('/'));
          answered.push((await conn.read()).status);
        }
        return answered;
      }),
    );
    // The moment the last answer is read, as a person's Ctrl-C would come: lines of the last requests may still wait.
    run.signal('SIGINT');
    expect(statuses.flat()).toEqual(Array(300).fill(200));
    expect(await Promise.all(sleepers.map(async (conn) => (await conn.read()).status))).toEqual([200, 200]);
    for (const conn of [...sleepers, ...clients]) conn.close();
    expect(await run.exited).toEqual({ code: 0, signal: null });
    const lines = run.stdout().trim().split('\n');
    expect(lines.filter((line) => /^Worker [0-3] got a job; executing\.$/.test(line))).toHaveLength(302);
    expect(lines).toContain('Worker 3 disconnected; shutting down.');
  });

  it("keeps answering when its stdout's reader goes away, says so once on stderr, and stops gracefully", async () => {
    const run = serve(['--port', '0', '--workers', '2']);
    const port = await listeningPort(run);
    // `serve | head -1`: the reader has what it wanted and is gone; the next line written meets a closed pipe.
    run.child.stdout!.destroy();
    for (let i = 0; i < 20; i++) expect((await request(port, get('/'))).status).toBe(200);
    await run.waitForOutput(/standard output was closed/, { stream: 'stderr' });
    for (let i = 0; i < 20; i++) expect((await request(port, get('/'))).status).toBe(200);
    run.signal('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(withoutOpenFileLimitLine(run.stderr())).toBe(
      "poolscope serve: standard output was closed (EPIPE); the book's lines are no longer printed\n",
    );
  });

  it('reports a port in use in one line and exits 1', async () => {
    const first = serve(['--port', '0', '--workers', '1']);
    const port = await listeningPort(first);
    const second = serve(['--port', String(port), '--workers', '1']);
    expect((await second.exited).code).toBe(1);
    expect(second.output().trim()).toBe(`poolscope serve: Port ${port} is already in use on 127.0.0.1`);
    first.signal('SIGINT');
    expect(await first.exited).toEqual({ code: 0, signal: null });
  });
});

// Past the open-file limit libuv would accept each connection and close it at once, unanswered; the server
// holds what the limit lets it and answers the rest with 503, and says so at start. Linux only (/proc).
describe.runIf(existsSync('/proc/self/limits'))('npm run serve under a low open-file limit (built)', () => {
  const OPEN_FILE_LIMIT = 256;
  const CONNECTION_COUNT = 400;

  beforeAll(ensureBuilt, BUILD_TIMEOUT_MS);

  it('says at start how many connections it holds, serves them, and answers every connection past them with 503', async () => {
    const run = spawnProgram('/bin/sh', [
      '-c',
      `ulimit -n ${OPEN_FILE_LIMIT} && exec "$@"`,
      'sh',
      process.execPath,
      'out/main/serve.js',
      '--port',
      '0',
      '--workers',
      '2',
    ]);
    started.push(run);
    const port = await listeningPort(run);
    const [, heldText] = await run.waitForOutput(
      /^poolscope serve: the open-file limit \(ulimit -n\) is 256, so at most ([\d,]+) connections are held at once \(not 10,000\) and those past them get 503; raise the limit before starting to hold more$/m,
      { stream: 'stderr' },
    );
    const held = Number(heldText!.replaceAll(',', ''));
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(CONNECTION_COUNT);

    const connections = await Promise.all(Array.from({ length: CONNECTION_COUNT }, () => RawConnection.open(port)));
    // Each reads its first answer whenever it comes: the refused ones at accept, the held ones once they ask.
    const answeredIndexes = new Set<number>();
    let refusedCount = 0;
    const firstAnswers = connections.map((conn, index) =>
      conn.read().then((response) => {
        answeredIndexes.add(index);
        if (response.status === 503) refusedCount++;
        return response;
      }),
    );
    await expect.poll(() => refusedCount, { timeout: 60_000, interval: 50 }).toBe(CONNECTION_COUNT - held);
    connections.forEach((conn, index) => {
      if (!answeredIndexes.has(index)) conn.send(get('/', 'Connection: close\r\n'));
    });
    const statuses = (await Promise.all(firstAnswers)).map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(held);
    expect(statuses.filter((status) => status === 503)).toHaveLength(CONNECTION_COUNT - held);
    for (const conn of connections) conn.socket.destroy();

    run.signal('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
  });
});
