// Story 2: the book's demo. Eight sleepers on four workers: four run, four wait in the queue, then the
// second wave runs; the timeline holds eight bars, two per worker, and the stats show latencies.
import { expect, test } from './support/dashboard';
import { expectBusyAndQueued, fireSleepBurst, screenshotPath, startFromUi } from './support/ui';

/**
 * The first wave's sleep: the window in which the test must see four busy workers and four queued jobs at once.
 * Wide on purpose, so a loaded 2-core machine still opens eight connections and repaints within it.
 */
const SLEEP_MS = 4000;

test('a /sleep burst of 8 on 4 workers fills the pool, queues 4, then finishes in two waves', async ({ page, dashboard }) => {
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: SLEEP_MS });
  await expect(page.getByTestId('worker')).toHaveCount(4);
  await expect(page.locator('[data-testid=worker][data-state=idle]')).toHaveCount(4);

  await fireSleepBurst(page, 8);
  await expectBusyAndQueued(page, { busy: 4, queued: 4 });
  // No sleeper has answered yet: the Bursts list does not ask for a burst as if none were running.
  await expect(page.getByTestId('bursts-empty')).toContainText('a burst shows here from its first answer');
  const busyWorkers = page.locator('[data-testid=worker][data-state=busy]');
  const queuedJobs = page.getByTestId('queue-item');
  await expect(queuedJobs.first()).toHaveAttribute('data-origin', 'burst');
  await page.screenshot({ path: screenshotPath('2-burst') });

  const bars = page.locator('[data-testid=timeline-bar][data-path="/sleep"]');
  // Both waves end within two sleeps of the burst.
  await expect(bars).toHaveCount(8, { timeout: 3 * SLEEP_MS });
  await expect(busyWorkers).toHaveCount(0);
  await expect(queuedJobs).toHaveCount(0);
  for (const workerId of [0, 1, 2, 3]) {
    // Two waves: every worker ran exactly two of the eight sleepers.
    await expect(page.locator(`[data-testid=timeline-bar][data-path="/sleep"][data-worker-id="${workerId}"]`)).toHaveCount(2);
  }
  await expect(page.locator('[data-testid=timeline-bar][data-status="200"]')).toHaveCount(8);
  for (const stat of ['stat-p50', 'stat-p99', 'stat-wait-p50']) {
    await expect(page.getByTestId(stat)).toContainText(/\d/);
  }
  // The slowest sleepers waited a whole first wave, so p99 latency is at least two sleeps (shown to 0.1 s). Polled: the
  // stats count a request once its answer is sent, a moment after its bar ends.
  const p99Ms = async (): Promise<number> => {
    const p99Text = (await page.getByTestId('stat-p99').innerText()).trim();
    const p99 = /^([\d.]+)\s*(ms|s)$/.exec(p99Text);
    expect(p99, `p99 reads "${p99Text}"`).not.toBeNull();
    return Number(p99![1]) * (p99![2] === 's' ? 1000 : 1);
  };
  await expect.poll(p99Ms).toBeGreaterThanOrEqual(2 * SLEEP_MS);
  await page.screenshot({ path: screenshotPath('2-two-waves') });
});
