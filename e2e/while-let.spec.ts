// Story 10: the `while let` pitfall (listing 21-21). Four workers, four GET /sleep: the worker that took the first
// job holds the queue's lock for its whole job, the three others show "waiting for the lock", and the sleeps are
// answered one after another rather than together.
import { httpGet } from '../test/support/http-client';
import { expect, test } from './support/dashboard';
import { screenshotPath, startFromUi } from './support/ui';

/** Long enough to see one busy worker and three blocked ones on a loaded 2-core machine; four of them run in turn. */
const SLEEP_MS = 2_500;

test.use({ viewport: { width: 1280, height: 800 } });

/**
 * The busy worker's card and the queue's lock line, from one look at the page (page source: the specs have no DOM
 * types): whether the lock's holder is that worker, and says it holds the lock for its whole job with 3 waiting.
 */
const LOCK_HOLDER_SOURCE = `(() => {
  const busy = [...document.querySelectorAll('[data-testid=worker][data-state=busy]')];
  const lock = document.querySelector('[data-testid=queue-lock]');
  const holderId = busy.length === 1 ? busy[0].getAttribute('data-worker-id') : null;
  return {
    busyCount: busy.length,
    busyHoldsLock: busy.length === 1 ? busy[0].getAttribute('data-holds-lock') : null,
    busySaysHoldsLock: busy.length === 1 && busy[0].textContent.includes('holds the lock'),
    lockNamesBusy: lock !== null && holderId !== null && lock.getAttribute('data-holder-id') === holderId,
    lockSaysWholeJob: lock !== null && holderId !== null && lock.textContent.includes(\`Worker \${holderId} holds the queue's lock for its whole job · 3 waiting\`),
  };
})()`;

/** Each /sleep bar's run on the timeline, in the server's ms, from one look at the page (page source, as above). */
const SLEEP_BAR_RUNS_SOURCE = `[...document.querySelectorAll('[data-testid=timeline-bar][data-path="/sleep"]')].map((bar) => ({
  fromMs: Number(bar.getAttribute('data-from-ms')),
  toMs: Number(bar.getAttribute('data-to-ms')),
}))`;

test('four /sleeps on a while-let pool of four: one worker holds the lock, three wait for it, the sleeps run one after another', async ({
  page,
  dashboard,
}) => {
  test.setTimeout(120_000);
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: SLEEP_MS, strategy: 'pool-while-let' });
  await expect(page.getByTestId('worker')).toHaveCount(4);
  // Idle, one worker holds the lock waiting for a job and the three others are blocked on it.
  const lock = page.getByTestId('queue-lock');
  await expect(lock).toHaveAttribute('data-waiter-count', '3');

  const sentAt = Date.now();
  const sleeps = [0, 1, 2, 3].map(() => httpGet(dashboard.bookPort, '/sleep').then(() => Date.now()));
  const busy = page.locator('[data-testid=worker][data-state=busy]');
  await expect(busy).toHaveCount(1);
  await expect(page.locator('[data-testid=worker][data-state=waiting-for-lock]')).toHaveCount(3);
  await expect(page.locator('[data-testid=worker][data-state=waiting-for-lock]').first()).toContainText('waiting for the lock');
  // The busy worker is the one the lock names: its card and the lock's line are read in one look at the page, as the
  // lock passes to another worker with each sleep's end (read one after the other, they could name two holders).
  await expect
    .poll(() => page.evaluate(LOCK_HOLDER_SOURCE))
    .toEqual({
      busyCount: 1,
      busyHoldsLock: 'true',
      busySaysHoldsLock: true,
      lockNamesBusy: true,
      lockSaysWholeJob: true,
    });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: screenshotPath('10-while-let-lock') });

  // Measured serialization: the last answer comes four sleeps after the sends (a lower bound, which a late delivery
  // only lengthens), and the timeline shows the four jobs one after another, ending a sleep apart. Their times are the
  // server's (the page's bars), not when a loaded test process got round to reading each answer.
  const answeredAt = (await Promise.all(sleeps)).sort((a, b) => a - b);
  expect(answeredAt[3]! - sentAt).toBeGreaterThanOrEqual(4 * SLEEP_MS - 50);
  const bars = page.locator('[data-testid=timeline-bar][data-path="/sleep"]');
  await expect(bars).toHaveCount(4);
  await expect(bars.and(page.locator('[data-status="200"]'))).toHaveCount(4);
  const runs = ((await page.evaluate(SLEEP_BAR_RUNS_SOURCE)) as Array<{ fromMs: number; toMs: number }>).sort(
    (a, b) => a.fromMs - b.fromMs,
  );
  expect(runs).toHaveLength(4);
  for (let i = 1; i < runs.length; i++) {
    // (A bar's whole ms are rounded outward, start down and end up: a start at the previous end can read 1 ms before it.)
    expect(runs[i]!.fromMs, `job ${i} starts once job ${i - 1} ended`).toBeGreaterThanOrEqual(runs[i - 1]!.toMs - 1);
    // Answered apart as the sleeps run in turn: a pool that overlaps them ends all four together.
    expect(runs[i]!.toMs - runs[i - 1]!.toMs, `job ${i} ends a sleep after job ${i - 1}`).toBeGreaterThanOrEqual(SLEEP_MS / 2);
  }
  await page.screenshot({ path: screenshotPath('10-while-let-serialized') });
});
