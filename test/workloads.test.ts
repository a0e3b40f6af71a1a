// Run load and Sweep… on the main side, through the controller as a viewer drives them: real servers, real
// load on loopback, the live figures a viewer receives, and a sweep that restarts the app's own server per
// pool size and puts it back as it was.

import { afterEach, describe, expect, it } from 'vitest';
import { FramePublisher } from '../src/main/publisher';
import { ServerController } from '../src/main/server-controller';
import { loadUrlOf } from '../src/main/workloads';
import { type LiveMetrics, refusalWhileSweeping } from '../src/shared/live-metrics';
import { BUILT_IN_SCENARIOS } from '../src/shared/scenarios';
import { testSettings as settings } from './support/settings';

let controllers: ServerController[] = [];

afterEach(async () => {
  await Promise.all(controllers.map((c) => c.dispose()));
  controllers = [];
});

function newController(): ServerController {
  const controller = new ServerController({ initialSettings: settings() });
  controllers.push(controller);
  return controller;
}

/** Polls `read` until it returns a value (not undefined), as long as it takes: no timing assumption. */
async function eventually<T>(read: () => T | undefined, pollMs = 50): Promise<T> {
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

const loadSettings = {
  ratePerS: 40,
  durationS: 0.5,
  mix: [{ path: '/', weight: 1 }],
  arrivals: 'constant',
  connections: 4,
  timeoutMs: 10_000,
  seed: 7,
} as const;

describe('Run load', () => {
  it('sends the load to the running server, counts every request, and the queueing window sees the jobs', async () => {
    const controller = newController();
    await controller.execute({ type: 'start-server', settings: settings() });

    expect(await controller.execute({ type: 'start-load', settings: { ...loadSettings, mix: [...loadSettings.mix] } })).toEqual({
      ok: true,
    });
    const report = await eventually(() => controller.liveMetrics.current().load?.report ?? undefined);

    expect(report.settings.url).toBe(controller.status.url);
    expect(report.sent).toBe(20);
    expect(report.completed).toBe(20);
    expect(report.stop).toEqual({ reason: 'completed' });
    const metrics = controller.liveMetrics.current();
    expect(metrics.load?.progress.phase).toBe('done');
    expect(metrics.queueing.arrivals).toBe(20);
    expect(metrics.queueing.workers).toBe(2);
  });

  it('refuses a load while the server is stopped, and bad settings by the field they name, leaving the status alone', async () => {
    const controller = newController();
    expect(await controller.execute({ type: 'start-load', settings: loadSettings })).toEqual({
      ok: false,
      error: 'Start the server first: the load goes to its own address',
    });
    expect(await controller.execute({ type: 'start-load', settings: { ...loadSettings, ratePerS: 0 } })).toEqual({
      ok: false,
      error: 'Rate must be more than 0 requests/s (got 0)',
      field: 'ratePerS',
    });
    expect(await controller.execute({ type: 'start-load', settings: { ...loadSettings, mix: '/:0.5,/sleep:0.2' } })).toMatchObject({
      ok: false,
      field: 'mix',
    });
    // The app's load only goes to its own server, which answers such a /sleep 400 every time.
    expect(await controller.execute({ type: 'start-load', settings: { ...loadSettings, mix: '/:0.5,/sleep?ms=70000:0.5' } })).toEqual({
      ok: false,
      error:
        'Mix path "/sleep?ms=70000": ms must be a whole number of milliseconds from 0 to 60000 (got "70000"); the server would answer every one 400',
      field: 'mix',
    });
    expect(controller.status.lastError).toBeNull();
    expect(await controller.execute({ type: 'cancel-load' })).toEqual({ ok: false, error: 'No load is running' });
  });

  it('stops at once on cancel, counting what had no outcome as unfinished', async () => {
    const controller = newController();
    await controller.execute({ type: 'start-server', settings: settings() });
    await controller.execute({ type: 'start-load', settings: { ...loadSettings, durationS: 60 } });
    expect(await controller.execute({ type: 'start-load', settings: loadSettings })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/already running/),
    });
    expect(await controller.execute({ type: 'cancel-load' })).toEqual({ ok: true });
    const report = await eventually(() => controller.liveMetrics.current().load?.report ?? undefined);
    expect(report.stop).toEqual({ reason: 'cancelled' });
    expect(report.sent).toBeLessThan(60 * 40);
  });

  it('reaches a server bound to every interface over loopback', () => {
    expect(loadUrlOf('http://0.0.0.0:7878')).toBe('http://127.0.0.1:7878');
    expect(loadUrlOf('http://[::]:7878')).toBe('http://[::1]:7878');
    expect(loadUrlOf('http://127.0.0.1:7878')).toBe('http://127.0.0.1:7878');
  });
});

describe('the metrics panel', () => {
  it("rides in a viewer's frames: the whole history first, then only the samples taken since its last", async () => {
    const controller = newController();
    const publisher = new FramePublisher(controller, { intervalMs: 10 });
    const metrics: LiveMetrics[] = [];
    const viewer = publisher.addViewer({
      send: (frame) => {
        if (frame.panels?.metrics) metrics.push(frame.panels.metrics);
        setTimeout(() => viewer.ack(frame.seq), 0);
      },
    });
    try {
      expect(viewer.setView({ id: 1, windowMs: 10_000, plotWidthPx: 400, paused: false, cursor: 'live' })).toBeNull();
      await eventually(() => (metrics.length >= 3 ? true : undefined));
      expect(metrics[0]!.isHistory).toBe(true);
      // Frames come far more often than samples (10 ms against 250 ms): each sample is sent once, in order.
      expect(metrics.slice(1).every((m) => !m.isHistory && m.samples.length >= 1)).toBe(true);
      const times = metrics.flatMap((m) => m.samples.map((sample) => sample.at));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(new Set(times).size).toBe(times.length);
      expect(metrics[1]!.queueing).toMatchObject({ arrivals: 0, workers: null });
    } finally {
      viewer.remove();
      publisher.dispose();
    }
  });
});

describe('Sweep…', () => {
  it('restarts the app server at each pool size, measures each, then restores the running server as it was', async () => {
    const controller = newController();
    await controller.execute({ type: 'start-server', settings: settings({ workerCount: 3 }) });
    const sweep = {
      workerCounts: [1, 2],
      sleepMs: 50,
      load: { ...loadSettings, mix: [{ path: '/sleep?ms=5', weight: 1 }], durationS: 0.5 },
    };
    expect(await controller.execute({ type: 'start-sweep', settings: sweep })).toEqual({ ok: true });
    // The sweep owns the server while it runs: every command that would restart it or add traffic to its load's is
    // refused in the words the page's buttons say (src/shared/live-metrics.ts).
    const refused = [
      { type: 'fire-burst', path: '/sleep', count: 4 },
      { type: 'fire-burst', path: '/', count: 20 },
      { type: 'start-load', settings: loadSettings },
      { type: 'run-scenario', scenario: 'sleep-then-root' },
      { type: 'start-server', settings: settings() },
      { type: 'stop-server' },
      { type: 'start-sweep', settings: sweep },
      { type: 'start-compare', settings: { scenario: BUILT_IN_SCENARIOS['sleep-burst-8'], strategies: ['pool'], settings: settings() } },
    ] as const;
    for (const command of refused) {
      const result = await controller.execute(command);
      expect(result, command.type).toEqual({ ok: false, error: refusalWhileSweeping(command.type) });
      expect(result.ok ? '' : result.error).toMatch(/^A sweep is/);
    }
    const workerCountsSeen = new Set<number>();
    const done = await eventually(() => {
      const activity = controller.liveMetrics.current().sweep;
      if (controller.status.phase === 'listening') workerCountsSeen.add(controller.status.settings.workerCount);
      return activity?.phase === 'done' ? activity : undefined;
    }, 5);

    expect(done.error).toBeNull();
    expect(done.isCancelled).toBe(false);
    expect(done.rows.map((row) => row.workers)).toEqual([1, 2]);
    for (const row of done.rows) {
      expect(row.throughputPerS).toBeGreaterThan(0);
      expect(row.meanServiceMs).toBeGreaterThanOrEqual(5);
      expect(row.predictedProbabilityOfWait).not.toBeNull();
    }
    expect(workerCountsSeen).toContain(1);
    expect(workerCountsSeen).toContain(2);
    expect(controller.status.phase).toBe('listening');
    expect(controller.status.settings.workerCount).toBe(3);
  });

  it('leaves a stopped server stopped, showing the settings it had, and refuses a sweep on top of a sweep', async () => {
    const controller = newController();
    const sweep = { workerCounts: [1], sleepMs: 50, load: { ...loadSettings, durationS: 0.25 } };
    expect(await controller.execute({ type: 'start-sweep', settings: sweep })).toEqual({ ok: true });
    expect(await controller.execute({ type: 'start-sweep', settings: sweep })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/already running/),
    });
    const done = await eventually(() => {
      const activity = controller.liveMetrics.current().sweep;
      return activity?.phase === 'done' ? activity : undefined;
    });
    expect(done.rows).toHaveLength(1);
    expect(controller.status.phase).toBe('stopped');
    expect(controller.status.settings.workerCount).toBe(2);
  });

  it('refuses bad sweep settings by the field they name', async () => {
    const controller = newController();
    expect(
      await controller.execute({ type: 'start-sweep', settings: { workerCounts: '1,0', sleepMs: 50, load: loadSettings } }),
    ).toMatchObject({ ok: false, field: 'workerCounts' });
  });
});
