// The browser dashboard as a browser (and a hostile page) sees it: static files with security headers,
// Host and Origin guards, and the WebSocket carrying snapshots, deltas and commands; plus its command line.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { UsageError } from '../src/cli/flags';
import { parseDashboardArgs } from '../src/main/dashboard-args';
import { type RunningDashboard, startDashboard } from '../src/main/dashboard-server';
import { EventPublisher } from '../src/main/publisher';
import { ServerController } from '../src/main/server-controller';
import type { DashboardServerFrame } from '../src/shared/wire';
import { Changes } from './support/changes';
import { DASHBOARD_READY_LINE, spawnDashboard } from './support/dashboard-process';
import { httpGet } from './support/http-client';
import { occupyPort } from './support/ports';
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
  const publisher = new EventPublisher(controller);
  const dashboard = await startDashboard({ controller, publisher, uiPort: 0, rendererDir: dir });
  cleanups.push(async () => {
    await dashboard.close();
    publisher.dispose();
    await controller.dispose();
  });
  return { dashboard, controller };
}

/** A request with exactly this path and Host, as a browser or a hostile page would send it. */
const fetchRaw = (port: number, requestPath: string, host = `127.0.0.1:${port}`) => httpGet(port, requestPath, { Host: host });

/** A page's WebSocket: frames are kept so the test can wait for the one it expects. */
class PageSocket {
  readonly frames: DashboardServerFrame[] = [];
  private readonly changes = new Changes();
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as DashboardServerFrame);
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
    const publisher = new EventPublisher(controller);
    await expect(startDashboard({ controller, publisher, uiHost: '0.0.0.0', uiPort: 0, rendererDir })).rejects.toThrow(
      /only listens on loopback/,
    );

    const { dashboard } = await startTestDashboard();
    await expect(startDashboard({ controller, publisher, uiPort: dashboard.port, rendererDir })).rejects.toMatchObject({
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

  it('sends nothing before subscribe, then a snapshot', async () => {
    const { dashboard } = await startTestDashboard();
    const page = await PageSocket.open(dashboard.port);
    page.send({ kind: 'command', id: 1, command: { type: 'stop-server' } });
    await page.result(1);
    expect(page.frames.map((f) => f.kind)).toEqual(['command-result']);

    page.send({ kind: 'subscribe' });
    const snapshot = await page.next((f) => f.kind === 'snapshot');

    expect(snapshot).toMatchObject({ kind: 'snapshot', snapshot: { phase: 'stopped' }, status: { phase: 'stopped' } });
  });

  it('starts the server on command and streams its status and events', async () => {
    const { dashboard, controller } = await startTestDashboard();
    const page = await PageSocket.open(dashboard.port, `http://localhost:${dashboard.port}`);
    page.send({ kind: 'subscribe' });
    await page.next((f) => f.kind === 'snapshot');

    page.send({
      kind: 'command',
      id: 7,
      command: { type: 'start-server', settings: testSettings() },
    });

    expect(await page.result(7)).toEqual({ ok: true });
    const delta = await page.next((f) => f.kind === 'delta' && f.status?.phase === 'listening');
    expect(delta.kind === 'delta' && delta.status?.url).toBe(controller.status.url);
    await page.next((f) => f.kind === 'delta' && f.events.some((e) => e.type === 'server-listening'));
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

    page.send({ kind: 'subscribe' });
    expect((await page.next((f) => f.kind === 'snapshot')).kind).toBe('snapshot');
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
        host: '127.0.0.1',
        port: 7878,
        workerCount: 4,
        sleepMs: 5000,
        maxQueuedJobs: 1024,
        sendTimeoutMs: 10_000,
        maxWaitMs: 60_000,
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
        '--ui-port',
        '0',
        '--start',
        '--record',
        'run.poolscope.jsonl',
      ]),
    ).toMatchObject({
      initialSettings: { port: 0, workerCount: 8, sleepMs: 100 },
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
    expect(run.stderr().trim()).toBe(`UI port ${port} is already in use on 127.0.0.1 (choose another with --ui-port)`);
  });

  it('prints its url, starts the book server with --start, and stops gracefully on SIGINT', async () => {
    const run = runCli(['--ui-port', '0', '--port', '0', '--start']);
    const [, url] = await run.waitForOutput(DASHBOARD_READY_LINE, { stream: 'stdout' });
    await run.waitForOutput(/Book server listening on http:\/\/127\.0\.0\.1:\d+/, { stream: 'stdout' });
    expect((await fetchRaw(Number(new URL(url!).port), '/favicon-that-does-not-exist.ico')).status).toBe(404);

    run.signal('SIGINT');

    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stderr()).toBe('');
  });
});
