// Story 14: under a load of 5,000 requests a second the timeline still covers its whole window (in buckets
// where the jobs are too dense for bars), the worker cards show rates instead of jobs that are gone before
// they can be read, and hovering a bucket lists its requests, asked from the flight recorder.
import { startLoad } from '../src/load/load-generator';
import { validateLoadSettings } from '../src/shared/load-settings';
import { httpGet } from '../test/support/http-client';
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { screenshotPath } from './support/ui';

const RATE_PER_S = 5_000;
const WINDOW_S = 30;

test.use({ dashboardArgs: ['--start', '--workers', '4'], viewport: { width: 1280, height: 800 } });

/** Whole seconds of the window [toAt − 30 s, toAt) that some bucket or bar element overlaps, lane by lane. */
function coveredSeconds(spans: Array<{ fromAt: number; toAt: number }>, toAt: number): number {
  const lastSecond = Math.floor(toAt / 1_000) - 1;
  const covered = new Set<number>();
  for (const { fromAt, toAt: endAt } of spans) {
    for (let s = Math.floor(fromAt / 1_000); s * 1_000 < endAt; s++) if (s > lastSecond - WINDOW_S && s <= lastSecond) covered.add(s);
  }
  return covered.size;
}

test('at 5,000 req/s the timeline keeps its whole window, the cards show rates, and a bucket lists its requests', async ({
  page,
  dashboard,
}) => {
  test.setTimeout(240_000);
  await expect.poll(async () => (await httpGet(dashboard.bookPort, '/').catch(() => null))?.status ?? 0, { timeout: 30_000 }).toBe(200);
  const settings = validateLoadSettings({
    url: `http://127.0.0.1:${dashboard.bookPort}`,
    ratePerS: RATE_PER_S,
    durationS: WINDOW_S + 60,
    mix: '/:1',
    arrivals: 'constant',
    connections: 64,
  });
  if (!settings.ok) throw new Error(settings.error);
  const load = startLoad(settings.value);
  try {
    // The cards show each worker's jobs per second and how busy it was, not a job that is gone before it is read.
    const rates = page.getByTestId('worker-rate');
    await expect(rates).toHaveCount(4, { timeout: 30_000 });
    await expect.poll(async () => Number(await rates.first().getAttribute('data-jobs-per-second'))).toBeGreaterThan(50);

    // Every second of the window, on the lanes, as the hooks say (buckets, and bars where jobs fit).
    const hooks = page.locator('[data-testid=timeline-bucket], [data-testid=timeline-bar]');
    await expect
      .poll(
        async () => {
          const spans = await Promise.all(
            (await hooks.all()).map(async (hook) => ({
              fromAt: Number(await hook.getAttribute('data-from-ms')),
              toAt: Number(await hook.getAttribute('data-to-ms')),
            })),
          );
          return coveredSeconds(spans, Date.now());
        },
        { timeout: (WINDOW_S + 45) * 1_000, intervals: [2_000] },
      )
      .toBeGreaterThanOrEqual(WINDOW_S - 1);
    expect(await page.getByTestId('timeline-bucket').count()).toBeGreaterThan(0);

    // A bucket under the pointer lists its requests.
    const buckets = page.getByTestId('timeline-bucket');
    const middle = buckets.nth(Math.floor((await buckets.count()) / 2));
    await middle.hover({ force: true });
    const list = page.getByTestId('bucket-requests');
    await expect(list).toBeVisible();
    await expect(list.getByTestId('bucket-request').first()).toBeVisible();
    expect(Number(await list.getAttribute('data-total'))).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('14-high-rate') });
    expect(await seriousAxeViolations(page)).toEqual([]);
  } finally {
    load.cancel();
    await load.done;
  }
});
