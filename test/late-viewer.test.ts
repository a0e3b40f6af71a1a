// A viewer that arrives mid-burst, as a person meets it: `npm run dashboard -- --start` in its own process,
// eight GET /sleep fired from outside, a WebSocket viewer connecting later. What it is shown must be the truth of
// the moment it arrives: 4 busy workers and 4 waiting jobs with their true elapsed times while the first four
// sleep; 4 busy workers, an empty queue and 4 connections once they have answered.

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DashboardServerFrame, ViewerFrame } from '../src/shared/wire';
import { Changes } from './support/changes';
import { type StartedDashboard, startDashboardProcess } from './support/dashboard-process';
import { httpGet } from './support/http-client';
import { findFreePort } from './support/ports';

const LATE_BY_MS = 1_500;
/** How far the dashboard's clock and this test's may be apart: the server stamps events, the test reads Date.now. */
const CROSS_PROCESS_CLOCK_SLACK_MS = 50;
/** What a dashboard gets after SIGTERM before it is killed (see afterEach). */
const STOP_GRACE_MS = 1_000;

let dashboard: StartedDashboard | null = null;
let sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets) socket.terminate();
  sockets = [];
  // The sleepers still asleep would hold a graceful stop for the rest of their sleep: nothing here is about the
  // stop, so the dashboard gets a moment and is then killed (their requests fail, which the tests expect).
  await dashboard?.program.stop(STOP_GRACE_MS);
  dashboard = null;
});

/** The dashboard with 4 workers whose /sleep blocks `sleepMs`, its book server listening on a free port. */
async function startSleepyDashboard(sleepMs: number): Promise<{ started: StartedDashboard; bookPort: number }> {
  const bookPort = await findFreePort();
  dashboard = await startDashboardProcess(['--start', '--port', String(bookPort), '--workers', '4', '--sleep-ms', String(sleepMs)]);
  await dashboard.program.waitForOutput(/Book server listening on/, { stream: 'stdout', timeoutMs: 30_000 });
  return { started: dashboard, bookPort };
}

/** Eight GET /sleep from outside the app, each on its own connection, as eight `curl … &` send them; counts the answers. */
function fireSleepers(bookPort: number): { answered: () => number; changes: Changes } {
  let answered = 0;
  const changes = new Changes();
  for (let i = 0; i < 8; i++) {
    void httpGet(bookPort, '/sleep').then(
      () => {
        answered++;
        changes.notify();
      },
      () => null,
    );
  }
  return { answered: () => answered, changes };
}

/** A viewer's WebSocket with a live view: every frame is kept and acked, as the page does. */
async function connectViewer(started: StartedDashboard): Promise<{ frames: ViewerFrame[]; changes: Changes; socket: WebSocket }> {
  const origin = started.url.replace(/\/$/, '');
  const ws = new WebSocket(`ws://127.0.0.1:${started.uiPort}/ws`, { origin });
  sockets.push(ws);
  const frames: ViewerFrame[] = [];
  const changes = new Changes();
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as DashboardServerFrame;
    if (message.kind !== 'frame') return;
    frames.push(message);
    ws.send(JSON.stringify({ kind: 'frame-ack', seq: message.seq }));
    changes.notify();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ kind: 'view', view: { id: 1, windowMs: 30_000, plotWidthPx: 800, paused: false, cursor: 'live' } }));
  return { frames, changes, socket: ws };
}

describe('a viewer that connects in the middle of a burst fired from outside', () => {
  it('gets a first frame with 4 busy workers and 4 waiting jobs and their true elapsed times', async () => {
    // Long past the viewer's arrival, even on a loaded machine: the first frame must come while the first four sleep.
    const SLEEP_MS = 20_000;
    const { started, bookPort } = await startSleepyDashboard(SLEEP_MS);

    const firedAt = Date.now();
    fireSleepers(bookPort);
    // The premise: the whole burst is in (four asleep, four waiting) before the late viewer connects. A loaded machine
    // may take longer than LATE_BY_MS to accept eight connections, so a first viewer watches for it, and leaves.
    // (Each viewer's frames are built from the flight recorder for it alone: the late one is shown what it would be anyway.)
    const watcher = await connectViewer(started);
    await watcher.changes.until(() =>
      watcher.frames.some((frame) => frame.workers.filter((w) => w.phase === 'busy').length === 4 && frame.queue.length === 4),
    );
    watcher.socket.terminate();
    await new Promise((resolve) => setTimeout(resolve, LATE_BY_MS));

    const viewer = await connectViewer(started);
    const connectedAt = Date.now();
    await viewer.changes.until(() => viewer.frames.length > 0);
    const first = viewer.frames[0]!;
    const sinceFiredMs = connectedAt - firedAt;
    // The premise: the burst's first four were still asleep when the frame was built.
    expect(first.at - firedAt).toBeLessThan(SLEEP_MS);

    expect(first.isFull).toBe(true);
    expect(first.status?.phase).toBe('listening');
    const busy = first.workers.filter((w) => w.phase === 'busy');
    // The whole burst, as the watcher saw it: the first four still asleep, the others still waiting.
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
  }, 120_000);

  it('that arrives after the first four answered is shown the second four running, none waiting and 4 connections', async () => {
    // What a page opened between the two halves of the burst shows, and is right to: the second four took the workers
    // the moment the first four answered, and the first four's connections closed after their answers.
    const SLEEP_MS = 10_000;
    const { started, bookPort } = await startSleepyDashboard(SLEEP_MS);
    const firedAt = Date.now();
    const sleepers = fireSleepers(bookPort);
    await sleepers.changes.until(() => sleepers.answered() >= 4);
    const firstAnsweredAt = Date.now();
    expect(sleepers.answered()).toBe(4);

    const viewer = await connectViewer(started);
    // A connection closes a moment after its answer (the server's FIN, then the client's): wait for the frame that
    // shows the four closed; the workers and the queue must be true in it and in every frame before it.
    await viewer.changes.until(() => viewer.frames.some((frame) => frame.counters.openConnections === 4));
    const settled = viewer.frames.find((frame) => frame.counters.openConnections === 4)!;
    // The premise: the second four were still asleep when that frame was built.
    expect(settled.at - firstAnsweredAt).toBeLessThan(SLEEP_MS);
    for (const frame of viewer.frames.slice(0, viewer.frames.indexOf(settled) + 1)) {
      const busy = frame.workers.filter((w) => w.phase === 'busy');
      expect(busy).toHaveLength(4);
      expect(frame.queue.length).toBe(0);
      expect(frame.counters.openConnections).toBeGreaterThanOrEqual(4);
      for (const worker of busy) {
        expect(worker.job?.path).toBe('/sleep');
        // Each of the second four started when a first one answered, so it has run for less than one sleep since the burst began.
        // The server stamps with its own clock (its performance clock from its time origin), this test with Date.now:
        // two processes' clocks, apart by a fraction of a millisecond or a few, hence the slack.
        expect(worker.job!.startedAt! - firedAt).toBeGreaterThanOrEqual(SLEEP_MS - 1_000);
        expect(worker.job!.startedAt!).toBeLessThanOrEqual(firstAnsweredAt + CROSS_PROCESS_CLOCK_SLACK_MS);
      }
    }
  }, 120_000);
});
