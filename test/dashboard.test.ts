// The browser dashboard as a browser (and a hostile page) sees it: static files with security headers,
// Host and Origin guards, and the WebSocket carrying views, frames, acks, queries and commands; plus its command line.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { UsageError } from '../src/cli/flags';
import { parseDashboardArgs } from '../src/main/dashboard-args';
import { type RunningDashboard, startDashboard } from '../src/main/dashboard-server';
import { ServerController } from '../src/main/server-controller';
import type { DashboardServerFrame, ViewerFrame, ViewerView } from '../src/shared/wire';
import { Changes } from './support/changes';
import { DASHBOARD_CLI, DASHBOARD_READY_LINE, spawnDashboard } from './support/dashboard-process';
import { httpGet } from './support/http-client';
import { occupyPort } from './support/ports';
import { ChildProgram, withoutOpenFileLimitLine } from './support/processes';
import { testSettings } from './support/settings';

const INDEX_HTML = '<!doctype html><title>Poolscope</title><script type="module" src="/assets/app.js"></script>';

let root: string;
let rendererDir: string;
let cleanups: Array<() => Promise<void> | void> = [];

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'poolscope-dashboard-'));
  rendererDir = path.join(root, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), INDEX_HTML);
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app");\n');
  // A file just outside the served folder: what a path traversal would try to read.
  writeFileSync(path.join(root, 'package.json'), '{"secret": true}\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function startTestDashboard(dir = rendererDir): Promise<{ dashboard: RunningDashboard; controller: ServerController }> {
  const controller = new ServerController({ initialSettings: testSettings() });
  const dashboard = await startDashboard({ controller, uiPort: 0, rendererDir: dir });
  cleanups.push(async () => {
    await dashboard.close();
    await controller.dispose();
  });
  return { dashboard, controller };
}

/** A request with exactly this path and Host, as a browser or a hostile page would send it. */
const fetchRaw = (port: number, requestPath: string, host = `127.0.0.1:${port}`) => httpGet(port, requestPath, { Host: host });

const pageView: ViewerView = { id: 1, windowMs: 30_000, plotWidthPx: 800, paused: false, cursor: 'live' };

/** A page's WebSocket: what it receives is kept so the test can wait for the one it expects; each frame is acked, as the page does. */
class PageSocket {
  readonly frames: DashboardServerFrame[] = [];
  private readonly changes = new Changes();
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as DashboardServerFrame;
      this.frames.push(frame);
      if (frame.kind === 'frame') this.send({ kind: 'frame-ack', seq: frame.seq });
      this.changes.notify();
    });
  }

  static open(port: number, origin = `http://127.0.0.1:${port}`): Promise<PageSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin });
      ws.once('open', () => {
        const page = new PageSocket(ws);
        cleanups.push(() => ws.terminate());
        resolve(page);
      });
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async next(predicate: (frame: DashboardServerFrame) => boolean): Promise<DashboardServerFrame> {
    await this.changes.until(() => this.frames.some(predicate));
    return this.frames.find(predicate)!;
  }

  async result(id: number) {
    const frame = await this.next((f) => f.kind === 'command-result' && f.id === id);
    return frame.kind === 'command-result' ? frame.result : null;
  }

  /** The first frame that `predicate` holds for. */
  async frame(predicate: (frame: ViewerFrame) => boolean = () => true): Promise<ViewerFrame> {
    return (await this.next((f) => f.kind === 'frame' && predicate(f))) as ViewerFrame;
  }
}

function handshakeStatus(port: number, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error(`the handshake from ${origin} was accepted`));
    });
    ws.once('error', () => {});
  });
}

describe('dashboard HTTP', () => {
  it('serves index.html for / on the real port, with the content security policy, which forbids framing', async () => {
    const { dashboard } = await startTestDashboard();
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/`);
    expect(dashboard.port).toBeGreaterThan(0);

    const page = await fetchRaw(dashboard.port, '/');

    expect(page.status).toBe(200);
    expect(page.body).toBe(INDEX_HTML);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(
      `default-src 'self'; connect-src 'self' ws://127.0.0.1:${dashboard.port} ws://localhost:${dashboard.port}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'`,
    );
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('serves built assets with their content type, and 404 for anything else', async () => {
    const { dashboard } = await startTestDashboard();
    const script = await fetchRaw(dashboard.port, '/assets/app.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await fetchRaw(dashboard.port, '/nope.js')).status).toBe(404);
    expect((await fetchRaw(dashboard.port, '/', `localhost:${dashboard.port}`)).status).toBe(200);
  });

  it.each(['/../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '/..%5cpackage.json'])(
    'never serves a file outside the renderer folder: %s',
    async (requestPath) => {
      const { dashboard } = await startTestDashboard();
      const reply = await fetchRaw(dashboard.port, requestPath);
      expect([403, 404]).toContain(reply.status);
      expect(reply.body).not.toContain('secret');
    },
  );

  it('refuses a request whose Host is another name (DNS rebinding) with 403', async () => {
    const { dashboard } = await startTestDashboard();
    const reply = await fetchRaw(dashboard.port, '/', 'evil.com');
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain('Poolscope');
    expect((await fetchRaw(dashboard.port, '/', `evil.com:${dashboard.port}`)).status).toBe(403);
  });

  it('answers / with a readable 500 page when the renderer has not been built', async () => {
    const empty = path.join(root, 'empty-renderer');
    mkdirSync(empty, { recursive: true });
    const { dashboard } = await startTestDashboard(empty);
    const reply = await fetchRaw(dashboard.port, '/');
    expect(reply.status).toBe(500);
    expect(reply.body).toContain('Run `npm run build` first');
  });

  it('refuses to listen anywhere but loopback, and says so when the UI port is taken', async () => {
    const controller = new ServerController();
    await expect(startDashboard({ controller, uiHost: '0.0.0.0', uiPort: 0, rendererDir })).rejects.toThrow(/only listens on loopback/);

    const { dashboard } = await startTestDashboard();
    await expect(startDashboard({ controller, uiPort: dashboard.port, rendererDir })).rejects.toMatchObject({
      message: `UI port ${dashboard.port} is already in use on 127.0.0.1`,
      code: 'EADDRINUSE',
    });
  });
});

describe('dashboard WebSocket', () => {
  it('rejects a handshake from another origin with 403', async () => {
    const { dashboard } = await startTestDashboard();
    expect(await handshakeStatus(dashboard.port, 'http://evil.example')).toBe(403);
    expect(await handshakeStatus(dashboard.port, `http://evil.example:${dashboard.port}`)).toBe(403);
  });

  it('sends nothing before a view, then a full frame; answers a status request from the controller', async () => {
    const { dashboard } = await startTestDashboard();
    const page = await PageSocket.open(dashboard.port);
    page.send({ kind: 'command', id: 1, command: { type: 'stop-server' } });
    await page.result(1);
    page.send({ kind: 'status', id: 2 });
    await page.next((f) => f.kind === 'status-result');
    expect(page.frames).toEqual([
      { kind: 'command-result', id: 1, result: { ok: false, error: 'The server is not running' } },
      { kind: 'status-result', id: 2, status: expect.objectContaining({ phase: 'stopped', url: null }) },
    ]);

    page.send({ kind: 'view', view: pageView });
    const first = await page.frame();

    expect(first).toMatchObject({ isFull: true, viewId: 1, status: { phase: 'stopped' }, run: { phase: 'stopped' }, workers: [] });
  });

  it("starts the server on command and streams the running server's state to the page", async () => {
    const { dashboard, controller } = await startTestDashboard();
    const page = await PageSocket.open(dashboard.port, `http://localhost:${dashboard.port}`);
    page.send({ kind: 'view', view: pageView });
    await page.frame();

    page.send({
      kind: 'command',
      id: 7,
      command: { type: 'start-server', settings: testSettings({ workerCount: 2 }) },
    });

    expect(await page.result(7)).toEqual({ ok: true });
    const listening = await page.frame((f) => f.status?.phase === 'listening');
    expect(listening.status?.url).toBe(controller.status.url);
    const running = await page.frame((f) => f.run.phase === 'listening' && f.workers.length === 2);
    expect(running.workers.map((w) => w.phase)).toEqual(['idle', 'idle']);

    const port = Number(controller.status.url!.split(':')[2]);
    expect((await httpGet(port, '/')).status).toBe(200);
    await page.frame((f) => f.counters.responsesSent === 1);
  });

  it("runs a scenario on command and answers with every request's status and timings", async () => {
    const { dashboard } = await startTestDashboard();
    const page = await PageSocket.open(dashboard.port);
    page.send({ kind: 'command', id: 1, command: { type: 'start-server', settings: testSettings({ workerCount: 2, sleepMs: 50 }) } });
    expect(await page.result(1)).toEqual({ ok: true });

    page.send({ kind: 'command', id: 2, command: { type: 'run-scenario', scenario: 'sleep-then-root' } });

    const result = await page.result(2);
    expect(result).toMatchObject({ ok: true, scenario: { outcome: 'completed', answeredCount: 2, statusCounts: { 200: 2 } } });
    expect(result?.ok && result.scenario?.requests.map((request) => [request.path, request.status])).toEqual([
      ['/sleep', 200],
      ['/', 200],
    ]);
  });

  it('answers a bad command with a readable error, and survives malformed frames', async () => {
    const { dashboard } = await startTestDashboard();
    const page = await PageSocket.open(dashboard.port);

    page.send({
      kind: 'command',
      id: 1,
      command: { type: 'start-server', settings: testSettings({ workerCount: 0 }) },
    });
    // The refusal names the setting to blame, so the page can mark its field.
    expect(await page.result(1)).toEqual({ ok: false, error: expect.stringMatching(/Pool size must be at least 1/), field: 'workerCount' });

    page.send('{not json');
    page.send('null');
    page.send({ kind: 'launch-missiles', id: 2 });
    expect(await page.result(2)).toEqual({ ok: false, error: expect.stringMatching(/Malformed frame/) });
    page.ws.send(Buffer.from([1, 2, 3]), { binary: true });

    // A bad view or ack is refused with its reason, and nothing changes: still no frame.
    page.send({ kind: 'view', view: { ...pageView, windowMs: -1 } });
    page.send({ kind: 'frame-ack', seq: 'all' });
    const refusals = () => page.frames.filter((f) => f.kind === 'refused');
    await page.next((f) => f.kind === 'refused' && f.refused === 'frame-ack');
    expect(refusals()).toEqual([
      { kind: 'refused', refused: 'view', error: expect.stringMatching(/^view windowMs must be between/) },
      { kind: 'refused', refused: 'frame-ack', error: expect.stringMatching(/seq/) },
    ]);
    expect(page.frames.some((f) => f.kind === 'frame')).toBe(false);

    page.send({ kind: 'view', view: pageView });
    expect((await page.frame()).isFull).toBe(true);
  });
});

describe('dashboard command line', () => {
  function runCli(args: string[]) {
    const program = spawnDashboard(args);
    cleanups.push(async () => void (await program.kill()));
    return program;
  }

  it('parses the serve flags into initial settings, plus --ui-port, --ui-host, --start and --record', () => {
    expect(parseDashboardArgs([])).toEqual({
      initialSettings: {
        strategy: 'pool',
        host: '127.0.0.1',
        port: 7878,
        workerCount: 4,
        sleepMs: 5000,
        maxQueuedJobs: 1024,
        sendTimeoutMs: 10_000,
        maxWaitMs: 60_000,
        maxThreads: 256,
        stopAfterConnections: 0,
      },
      recorder: { historySeconds: 600, historyEvents: 500_000 },
      uiHost: '127.0.0.1',
      uiPort: 7879,
      shouldStartServer: false,
      recordFile: null,
      isHelp: false,
    });
    expect(
      parseDashboardArgs([
        '--port',
        '0',
        '--workers',
        '8',
        '--sleep-ms',
        '100',
        '--strategy',
        'pool-while-let',
        '--ui-port',
        '0',
        '--start',
        '--record',
        'run.poolscope.jsonl',
      ]),
    ).toMatchObject({
      initialSettings: { port: 0, workerCount: 8, sleepMs: 100, strategy: 'pool-while-let' },
      uiPort: 0,
      shouldStartServer: true,
      recordFile: 'run.poolscope.jsonl',
    });
    expect(() => parseDashboardArgs(['--ui-port', 'x'])).toThrow(new UsageError('--ui-port must be a whole number (got "x")'));
    expect(() => parseDashboardArgs(['--ui-host', '0.0.0.0'])).toThrow(/--ui-host must be a loopback address/);
    expect(() => parseDashboardArgs(['--stop-after', '3'])).toThrow(/--stop-after is not available/);
  });

  it('rejects a bad flag with one readable line and exit code 2', async () => {
    const run = runCli(['--workers', '0']);
    expect((await run.exited).code).toBe(2);
    expect(run.stderr().trim().split('\n')).toEqual([expect.stringMatching(/--workers must be at least 1/)]);
  });

  it('says when the UI port is taken and exits 1', async () => {
    const { port, release } = await occupyPort();
    cleanups.push(release);

    const run = runCli(['--ui-port', String(port)]);

    expect((await run.exited).code).toBe(1);
    expect(run.stderr().trim()).toBe(`poolscope dashboard: UI port ${port} is already in use on 127.0.0.1 (choose another with --ui-port)`);
  });

  it('prints its url, starts the book server with --start, and stops gracefully on SIGINT', async () => {
    const run = runCli(['--ui-port', '0', '--port', '0', '--start']);
    const [, url] = await run.waitForOutput(DASHBOARD_READY_LINE, { stream: 'stdout' });
    await run.waitForOutput(/Book server listening on http:\/\/127\.0\.0\.1:\d+/, { stream: 'stdout' });
    expect((await fetchRaw(Number(new URL(url!).port), '/favicon-that-does-not-exist.ico')).status).toBe(404);

    run.signal('SIGINT');

    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(withoutOpenFileLimitLine(run.stderr())).toBe('');
  });

  it.runIf(existsSync('/proc/self/limits'))(
    'says in one line on stderr when the open-file limit holds fewer connections than the server was asked to',
    async () => {
      const args = ['--import', 'tsx', DASHBOARD_CLI, '--ui-port', '0', '--port', '0', '--start'];
      const run = new ChildProgram(DASHBOARD_CLI, '/bin/sh', ['-c', 'ulimit -n 256 && exec "$@"', 'sh', process.execPath, ...args]);
      cleanups.push(async () => void (await run.kill()));
      await run.waitForOutput(/Book server listening on http:\/\/127\.0\.0\.1:\d+/, { stream: 'stdout' });
      await run.waitForOutput(
        /^poolscope dashboard: the open-file limit \(ulimit -n\) is 256, so at most \d+ connections are held at once \(not 10,000\) and those past them get 503; raise the limit before starting to hold more\n$/,
        { stream: 'stderr' },
      );
      run.signal('SIGINT');
      expect(await run.exited).toEqual({ code: 0, signal: null });
    },
  );

  it("names the strategy's threads in its listening line, as serve does", async () => {
    const run = runCli(['--ui-port', '0', '--port', '0', '--start', '--strategy', 'per-request', '--max-threads', '8']);
    await run.waitForOutput(/Book server listening on http:\/\/127\.0\.0\.1:\d+ with a new thread per request, at most 8 at once/, {
      stream: 'stdout',
    });
    run.signal('SIGINT');
    expect(await run.exited).toEqual({ code: 0, signal: null });
  });
});
