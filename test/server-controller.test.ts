// The server controller as a UI drives it: untrusted commands in, readable results and status out,
// real servers on real sockets and threads underneath; and the burst generator on its own.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fireBurst } from '../src/main/burst';
import { ServerController } from '../src/main/server-controller';
import { burstTagOf, burstUserAgent, isBurstUserAgent } from '../src/shared/events';
import type { ControllerPhase } from '../src/shared/wire';
import { EventRecorder } from './support/event-recorder';
import { get, request } from './support/http-client';
import { findFreePort, occupyPort } from './support/ports';
import { testSettings as settings } from './support/settings';

let controllers: ServerController[] = [];
let cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(controllers.map((c) => c.dispose()));
  await Promise.all(cleanups.map((cleanup) => cleanup()));
  controllers = [];
  cleanups = [];
});

function newController(): ServerController {
  const controller = new ServerController({ initialSettings: settings() });
  controllers.push(controller);
  return controller;
}

function portOf(url: string | null): number {
  const match = /^http:\/\/127\.0\.0\.1:(\d+)$/.exec(url ?? '');
  if (!match) throw new Error(`not a loopback url: ${url}`);
  return Number(match[1]);
}

describe('ServerController', () => {
  it('starts a server on port 0 and reports it listening at its real url', async () => {
    const controller = newController();
    const phases: ControllerPhase[] = [];
    controller.onStatusChange((status) => phases.push(status.phase));

    expect(await controller.execute({ type: 'start-server', settings: settings() })).toEqual({ ok: true });

    expect(controller.status.phase).toBe('listening');
    const port = portOf(controller.status.url);
    expect(port).toBeGreaterThan(0);
    expect(controller.status.lastError).toBeNull();
    expect(phases).toEqual(['starting', 'listening']);
    expect((await request(port, get('/'))).status).toBe(200);
  });

  it('starts the server with every setting it is given, and announces them as the server runs them', async () => {
    const controller = newController();
    const recorder = new EventRecorder(controller.events);
    const wanted = settings({ workerCount: 3, sleepMs: 70, maxQueuedJobs: 5 });

    expect(await controller.execute({ type: 'start-server', settings: wanted })).toEqual({ ok: true });

    const port = portOf(controller.status.url);
    expect(recorder.of('server-listening')[0]).toMatchObject({ ...wanted, port });
    expect(controller.currentRun?.settings).toEqual({ ...wanted, port });
    expect(controller.status.settings).toEqual(wanted);
  });

  it.each([
    ['a pool of 0 workers', { type: 'start-server', settings: settings({ workerCount: 0 }) }, /Pool size must be at least 1/],
    [
      'a pool size that is not a number',
      { type: 'start-server', settings: { ...settings(), workerCount: 'abc' } },
      /Pool size must be a whole number \(got "abc"\)/,
    ],
    [
      'a port above 65535',
      { type: 'start-server', settings: settings({ port: 70_000 }) },
      /Port must be between 0 and 65535 \(got 70000\)/,
    ],
    ['an unknown command', { type: 'format-disk' }, /unknown command "format-disk"/],
    ['a string instead of a command', 'start-server', /command must be an object/],
    ['null', null, /command must be an object/],
    ['a burst of 0 requests', { type: 'fire-burst', path: '/sleep', count: 0 }, /Burst size must be between 1 and 5000/],
  ])('refuses %s with a readable reason and stays usable', async (_name, command, message) => {
    const controller = newController();
    const result = await controller.execute(command);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
    expect(controller.status.phase).toBe('stopped');
    expect(controller.status.lastError).toMatch(message);

    expect(await controller.execute({ type: 'start-server', settings: settings() })).toEqual({ ok: true });
    expect(controller.status.lastError).toBeNull();
  });

  it('refuses to start a second server while one is running', async () => {
    const controller = newController();
    await controller.execute({ type: 'start-server', settings: settings() });
    const url = controller.status.url;

    const second = await controller.execute({ type: 'start-server', settings: settings() });

    expect(second).toEqual({ ok: false, error: `The server is already running at ${url}` });
    expect(controller.status.phase).toBe('listening');
    expect(controller.status.url).toBe(url);
  });

  it('reports a port in use in words, names the port as the field to blame, and goes back to stopped', async () => {
    const { port, release } = await occupyPort();
    cleanups.push(release);
    const controller = newController();
    const settingsBefore = controller.status.settings;

    const result = await controller.execute({ type: 'start-server', settings: settings({ port }) });

    expect(result).toEqual({ ok: false, error: expect.stringMatching(new RegExp(`^Port ${port} is already in use`)), field: 'port' });
    expect(controller.status).toMatchObject({
      phase: 'stopped',
      url: null,
      lastError: expect.stringMatching(`Port ${port} is already in use`),
      lastErrorField: 'port',
    });
    // A page that opens now shows the settings as they were, not the input that was refused.
    expect(controller.status.settings).toEqual(settingsBefore);
  });

  it('names the host when this machine has no such address, and the setting an invalid command got wrong', async () => {
    const controller = newController();
    // TEST-NET-1 (RFC 5737): never an address of this machine.
    const result = await controller.execute({ type: 'start-server', settings: settings({ host: '192.0.2.1', port: 0 }) });
    expect(result).toMatchObject({ ok: false, field: 'host' });
    expect(controller.status.lastErrorField).toBe('host');

    const invalid = await controller.execute({ type: 'start-server', settings: settings({ workerCount: 0 }) });
    expect(invalid).toEqual({ ok: false, error: expect.stringMatching(/^Pool size must be at least 1/), field: 'workerCount' });
    // A failure without a setting to blame carries no field.
    expect(await controller.execute({ type: 'stop-server' })).toEqual({ ok: false, error: 'The server is not running' });
    expect(controller.status.lastErrorField).toBeUndefined();
  });

  it('refuses to stop a server that is not running, and a burst before the server has started', async () => {
    const controller = newController();
    expect(await controller.execute({ type: 'stop-server' })).toEqual({ ok: false, error: 'The server is not running' });
    expect(await controller.execute({ type: 'fire-burst', path: '/sleep', count: 8 })).toEqual({
      ok: false,
      error: 'Start the server first',
    });
  });

  it("fires the book's burst: 8 /sleep requests, each on its own connection, marked as a burst", async () => {
    const controller = newController();
    const recorder = new EventRecorder(controller.events);
    await controller.execute({ type: 'start-server', settings: settings({ workerCount: 4, sleepMs: 300 }) });

    expect(await controller.execute({ type: 'fire-burst', path: '/sleep', count: 8 })).toEqual({ ok: true });
    await recorder.until((r) => r.of('response-sent').length === 8);

    const received = recorder.of('request-received');
    expect(received).toHaveLength(8);
    expect(received.every((e) => isBurstUserAgent(e.userAgent) && e.target === '/sleep' && e.method === 'GET')).toBe(true);
    expect(new Set(received.map((e) => e.userAgent))).toEqual(new Set([burstUserAgent({ burstId: 1, size: 8 })]));
    expect(new Set(received.map((e) => e.connectionId)).size).toBe(8);
    expect(recorder.of('response-sent').map((e) => e.status)).toEqual(Array(8).fill(200));
    expect(new Set(recorder.of('job-started').map((e) => e.workerId)).size).toBeLessThanOrEqual(4);
  });

  it('names each burst in its requests, so two bursts at once can be told apart', async () => {
    const controller = newController();
    const recorder = new EventRecorder(controller.events);
    await controller.execute({ type: 'start-server', settings: settings({ workerCount: 2, sleepMs: 50 }) });

    expect(await controller.execute({ type: 'fire-burst', path: '/sleep', count: 3 })).toEqual({ ok: true });
    expect(await controller.execute({ type: 'fire-burst', path: '/', count: 2 })).toEqual({ ok: true });
    await recorder.until((r) => r.of('response-sent').length === 5);

    const tagsByTarget = recorder.of('request-received').map((e) => [e.target, burstTagOf(e.userAgent)]);
    expect(tagsByTarget.filter(([target]) => target === '/sleep').map(([, tag]) => tag)).toEqual(Array(3).fill({ burstId: 1, size: 3 }));
    expect(tagsByTarget.filter(([target]) => target === '/').map(([, tag]) => tag)).toEqual(Array(2).fill({ burstId: 2, size: 2 }));
  });

  it('stops gracefully during a burst: every accepted request is answered and workers are joined in order', async () => {
    const controller = newController();
    const recorder = new EventRecorder(controller.events);
    await controller.execute({ type: 'start-server', settings: settings({ workerCount: 4, sleepMs: 300 }) });
    await controller.execute({ type: 'fire-burst', path: '/sleep', count: 8 });
    await recorder.until((r) => r.of('request-received').length === 8);

    expect(await controller.execute({ type: 'stop-server' })).toEqual({ ok: true });

    expect(controller.status).toMatchObject({ phase: 'stopped', url: null, lastError: null });
    expect(recorder.of('response-sent').map((e) => e.status)).toEqual(Array(8).fill(200));
    expect(recorder.of('worker-exited').map((e) => e.workerId)).toEqual([0, 1, 2, 3]);
    expect(recorder.of('server-stopped')).toHaveLength(1);
  });

  it('can start again after a stop, and dispose() stops the running server', async () => {
    const controller = newController();
    await controller.execute({ type: 'start-server', settings: settings() });
    await controller.execute({ type: 'stop-server' });
    await controller.execute({ type: 'start-server', settings: settings({ workerCount: 3 }) });
    const port = portOf(controller.status.url);
    expect(controller.status.settings.workerCount).toBe(3);

    await controller.dispose();

    expect(controller.status.phase).toBe('stopped');
    await expect(request(port, get('/'))).rejects.toThrow(/ECONNREFUSED/);
    expect(await controller.execute({ type: 'start-server', settings: settings() })).toEqual({
      ok: false,
      error: 'Poolscope is shutting down',
    });
  });
});

describe('fireBurst', () => {
  it('keeps at most maxOpenConnections sockets open and counts every answer by status', async () => {
    let open = 0;
    let maxOpen = 0;
    const server = net.createServer((socket) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      socket.on('close', () => open--);
      socket.once('data', () =>
        setImmediate(() => socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')),
      );
    });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
    );

    const report = await fireBurst({ host: '127.0.0.1', port }, '/', 60, { maxOpenConnections: 5 });

    expect(report).toEqual({ sent: 60, succeeded: 60, failed: 0, statusCounts: { 503: 60 } });
    expect(maxOpen).toBeLessThanOrEqual(5);
  });

  it('counts refused connections as failures instead of throwing', async () => {
    const port = await findFreePort();

    const report = await fireBurst({ host: '127.0.0.1', port }, '/sleep', 3);

    expect(report).toEqual({ sent: 3, succeeded: 0, failed: 3, statusCounts: {} });
  });
});
