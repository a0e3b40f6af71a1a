// Story 14: under a load of 5,000 requests a second the timeline still covers its whole window (in buckets
// where the jobs are too dense for bars), the worker cards show rates instead of jobs that are gone before
// they can be read, and hovering a bucket lists its requests, asked from the flight recorder. The load is
// the open-loop generator (`npm run load`) in a process of its own, as a person would run it beside the app.
import type { Locator, Page } from '@playwright/test';
import { httpGet } from '../test/support/http-client';
import { spawnTsx } from '../test/support/processes';
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { pointFromTrackLabel, screenshotPath } from './support/ui';

const RATE_PER_S = 5_000;
const WINDOW_S = 30;

test.use({ dashboardArgs: ['--start', '--workers', '4'], viewport: { width: 1280, height: 800 } });

/**
 * The newest timeline bucket that lies inside the flight recorder's history and whose centre a pointer can reach
 * (not covered by another element, such as a bar), as `{ workerId, fromMs }`, or null. The page lists the buckets
 * lane by lane, each lane oldest first, so the middle of that list may be of any age, often a lane's oldest: at this
 * rate the recorder's default 500,000 events hold only about 20 s (five events a request), and the load goes on
 * while the timeline is paused, so an old bucket's requests can be gone before it is asked, which the page then
 * says ("0 requests (part of it is older than the history…)"). The newest are asked while the recorder still holds
 * them; and none from before the start the title bar gives, once it gives one. Page source: the specs have no DOM
 * types.
 */
const REACHABLE_BUCKET_SOURCE = `(() => {
  const notice = document.querySelector('[data-testid=history-notice]');
  const historyStartAt = notice === null ? -Infinity : Number(notice.getAttribute('data-start-at'));
  const fromMsOf = (bucket) => Number(bucket.getAttribute('data-from-ms'));
  const newestFirst = [...document.querySelectorAll('[data-testid=timeline-bucket]')].sort((a, b) => fromMsOf(b) - fromMsOf(a));
  for (const bucket of newestFirst) {
    if (fromMsOf(bucket) < historyStartAt) break;
    const box = bucket.getBoundingClientRect();
    if (box.width < 1 || box.top < 0 || box.bottom > window.innerHeight) continue;
    if (document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2) === bucket) {
      return { workerId: bucket.getAttribute('data-worker-id'), fromMs: bucket.getAttribute('data-from-ms') };
    }
  }
  return null;
})()`;

/** The timeline bucket of a lane that starts at a moment, as REACHABLE_BUCKET_SOURCE names it. */
function bucketAt(page: Page, bucket: { workerId: string; fromMs: string }): Locator {
  return page.locator(`[data-testid=timeline-bucket][data-worker-id="${bucket.workerId}"][data-from-ms="${bucket.fromMs}"]`);
}

/** The few DOM members read inside the page (the specs compile without the DOM's types). */
interface HookElement {
  getAttribute(name: string): string | null;
}

/** Whether whole second `s` lies in the window that ends at `now` (the second now is in is not whole yet). */
function isInWindow(s: number, now: number): boolean {
  const lastSecond = Math.floor(now / 1_000) - 1;
  return s > lastSecond - WINDOW_S && s <= lastSecond;
}

/** Whole seconds of the window ending at `now` that some bucket or bar element overlaps. */
function coveredSecondsOf(spans: Array<{ fromAt: number; toAt: number }>, now: number): Set<number> {
  const covered = new Set<number>();
  for (const { fromAt, toAt } of spans) {
    for (let s = Math.floor(fromAt / 1_000); s * 1_000 < toAt; s++) if (isInWindow(s, now)) covered.add(s);
  }
  return covered;
}

test('at 5,000 req/s the timeline keeps its whole window, the cards show rates, and a bucket lists its requests', async ({
  page,
  dashboard,
}) => {
  test.setTimeout(300_000);
  await expect.poll(async () => (await httpGet(dashboard.bookPort, '/').catch(() => null))?.status ?? 0, { timeout: 30_000 }).toBe(200);
  const load = spawnTsx('src/load/cli.ts', [
    '--url',
    `http://127.0.0.1:${dashboard.bookPort}`,
    '--rate',
    String(RATE_PER_S),
    '--duration',
    String(WINDOW_S + 90),
    '--arrivals',
    'constant',
    '--connections',
    '64',
  ]);
  // The seconds in which the server answered: each progress line the generator prints, about once a second,
  // says how many requests completed since the last one (stamped here as the line arrives).
  const servedSeconds = new Set<number>();
  let lastCompleted = 0;
  load.child.stdout?.on('data', (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/completed\s+([\d,]+)/g)) {
      const completed = Number(match[1]!.replaceAll(',', ''));
      if (completed > lastCompleted) servedSeconds.add(Math.floor(Date.now() / 1_000) - 1);
      lastCompleted = completed;
    }
  });
  try {
    // The cards show each worker's jobs per second and how busy it was, not a job that is gone before it is read.
    const rates = page.getByTestId('worker-rate');
    await expect(rates).toHaveCount(4, { timeout: 30_000 });
    await expect.poll(async () => Number(await rates.first().getAttribute('data-jobs-per-second'))).toBeGreaterThan(0);

    // Every second of the window in which the server answered shows on the lanes, as the hooks say (buckets, and
    // bars where jobs fit): the whole window once the load has run that long. (A loaded machine may stall the
    // traffic itself for a second or more; such a second has nothing to show, and is not asked for.)
    const hooks = page.locator('[data-testid=timeline-bucket], [data-testid=timeline-bar]');
    await expect
      .poll(
        async () => {
          const spans = await hooks.evaluateAll((elements) =>
            elements.map((element) => ({
              fromAt: Number((element as unknown as HookElement).getAttribute('data-from-ms')),
              toAt: Number((element as unknown as HookElement).getAttribute('data-to-ms')),
            })),
          );
          const now = Date.now();
          // Seconds of the window in which requests were served but no hook shows anything (a stamp may be a second late).
          const covered = coveredSecondsOf(spans, now);
          const missing = [...servedSeconds].filter((s) => isInWindow(s, now) && !covered.has(s) && !covered.has(s - 1));
          // Enough of the window has been served to judge (on a quiet machine, all of it: bench:ui counts that).
          const servedInWindow = [...servedSeconds].filter((s) => isInWindow(s, now)).length >= WINDOW_S / 3;
          return { servedInWindow, missing };
        },
        { timeout: (WINDOW_S + 60) * 1_000, intervals: [2_000] },
      )
      .toEqual({ servedInWindow: true, missing: [] });
    expect(await page.getByTestId('timeline-bucket').count()).toBeGreaterThan(0);

    // A bucket under the pointer lists its requests (paused first, as a person would, so it stays under the pointer).
    await page.getByRole('button', { name: 'Pause' }).click();
    const buckets = page.getByTestId('timeline-bucket');
    const list = page.getByTestId('bucket-requests');
    // The newest bucket still in the history that a pointer can reach: a job's bar drawn over a bucket takes the
    // pointer there, as it would a person's. The bucket found is hovered by its lane and start, not by its place in
    // the list, which may change in between. Pointed at again if the page moved under the pointer (the title bar's
    // "History starts at…" notice can appear at any moment at this rate), as a person would.
    await expect(async () => {
      await buckets.first().scrollIntoViewIfNeeded();
      const reachable = (await page.evaluate(REACHABLE_BUCKET_SOURCE)) as { workerId: string; fromMs: string } | null;
      expect(reachable).not.toBeNull();
      await bucketAt(page, reachable!).hover({ timeout: 2_000 });
      await expect(list).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 20_000 });
    await expect(list).toHaveAttribute('data-total', /^[1-9]\d*$/);
    await expect(list.getByTestId('bucket-request').first()).toBeVisible();
    // Reached from its lane's label (drawn on the canvas beneath the buckets) as a hand would, a bucket still lists
    // its requests: the canvas's leaving must not clear what the bucket's arrival set.
    const arrival = (await page.evaluate(REACHABLE_BUCKET_SOURCE)) as { workerId: string; fromMs: string } | null;
    expect(arrival).not.toBeNull();
    await pointFromTrackLabel(page, bucketAt(page, arrival!), () => expect(list).toHaveCount(0));
    await expect(list).toHaveAttribute('data-worker-id', arrival!.workerId);
    await page.screenshot({ path: screenshotPath('14-high-rate') });
    expect(await seriousAxeViolations(page)).toEqual([]);
  } finally {
    await load.stop();
  }
});
