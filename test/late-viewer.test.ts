// A viewer that arrives mid-burst, as a person meets it: `npm run dashboard -- --start` in its own process,
// eight GET /sleep fired from outside, a WebSocket viewer connecting 1.5 s later. Its first frame must show
// the truth: 4 busy workers and 4 waiting jobs, with their true elapsed times.

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DashboardServerFrame, ViewerFrame } from '../src/shared/wire';
import { Changes } from './support/changes';
import { type StartedDashboard, startDashboardProcess } from './support/dashboard-process';
import { httpGet } from './support/http-client';
import { findFreePort } from './support/ports';

let dashboard: StartedDashboard | null = null;
let socket: WebSocket | null = null;

afterEach(async () => {
  socket?.terminate();
  socket = null;
  await dashboard?.program.stop();
  dashboard = null;
});

const SLEEP_MS = 5_000;
const LATE_BY_MS = 1_500;

/** A GET /sleep from outside the app: its own connection, no burst User-Agent. */
function sleepRequest(port: number): Promise<void> {
  return httpGet(port, '/sleep').then(() => undefined);
}

describe('a viewer that connects in the middle of a burst fired from outside', () => {
  it('gets a first frame with 4 busy workers and 4 waiting jobs and their true elapsed times', async () => {
    const bookPort = await findFreePort();
    dashboard = await startDashboardProcess(['--start', '--port', String(bookPort), '--workers', '4', '--sleep-ms', String(SLEEP_MS)]);
    await dashboard.program.waitForOutput(/Book server listening on/, { stream: 'stdout', timeoutMs: 30_000 });

    const firedAt = Date.now();
    const sleepers = Array.from({ length: 8 }, () => sleepRequest(bookPort));
    await new Promise((resolve) => setTimeout(resolve, LATE_BY_MS));

    const origin = dashboard.url.replace(/\/$/, '');
    socket = new WebSocket(`ws://127.0.0.1:${dashboard.uiPort}/ws`, { origin });
    const frames: ViewerFrame[] = [];
    const changes = new Changes();
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as DashboardServerFrame;
      if (message.kind === 'frame') {
        frames.push(message);
        changes.notify();
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket!.once('open', () => resolve());
      socket!.once('error', reject);
    });
    const connectedAt = Date.now();
    socket.send(JSON.stringify({ kind: 'view', view: { id: 1, windowMs: 30_000, plotWidthPx: 800, paused: false, cursor: 'live' } }));
    await changes.until(() => frames.length > 0);
    const first = frames[0]!;
    const sinceFiredMs = connectedAt - firedAt;

    expect(first.isFull).toBe(true);
    expect(first.status?.phase).toBe('listening');
    const busy = first.workers.filter((w) => w.phase === 'busy');
    // On a loaded machine the burst may not be all in by 1.5 s, but all 8 are in well before the sleepers end.
    expect(busy).toHaveLength(4);
    expect(first.queue.length).toBe(4);
    for (const worker of busy) {
      expect(worker.job?.path).toBe('/sleep');
      expect(worker.job?.origin).toBe('external');
      // True elapsed: at least the time since the connect minus the burst's own arrival spread, never reset to 0.
      expect(worker.job!.elapsedMs).toBeGreaterThan(LATE_BY_MS / 2);
      expect(worker.job!.elapsedMs).toBeLessThan(SLEEP_MS);
    }
    for (const job of first.queue.jobs) {
      expect(job.startedAt).toBeNull();
      expect(job.elapsedMs).toBeGreaterThan(LATE_BY_MS / 2);
      expect(job.elapsedMs).toBeLessThanOrEqual(sinceFiredMs + 1_000);
    }
    expect(first.counters.openConnections).toBe(8);
    expect(first.timeline!.lanes.flatMap((lane) => lane.bars).filter((bar) => bar.isRunning)).toHaveLength(4);

    await Promise.all(sleepers);
  }, 120_000);
});
