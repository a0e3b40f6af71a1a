// Story 3: while the workers sleep, a request from outside the app (a person's browser) waits in the
// queue behind the sleepers, is shown as external, and is served once a worker frees up. Paused, the picture is one
// moment: a sleeper's running time stands still on its card, its bar and its details, and moves again on Resume.
import type { Locator } from '@playwright/test';
import { httpGet } from '../test/support/http-client';
import { expect, test } from './support/dashboard';
import { fireSleepBurst, screenshotPath, startFromUi } from './support/ui';

/**
 * How long the sleepers hold every worker: the window in which the test must see them busy, send its request and
 * see it queued. Wide on purpose, so a loaded 2-core machine still fits all three in it.
 */
const SLEEP_MS = 5000;
/** The sleeper watched across a pause: long enough to still run after the pause and the Resume on a loaded machine. */
const PAUSED_SLEEP_MS = 30_000;
/** How long the paused picture is watched for a running time that moves (it moved every 100 ms before). */
const PAUSED_WATCH_MS = 3_000;

/**
 * Clicks a bar of the paused timeline until the details show its request. Just after Pause the paused frame is painted
 * a moment later, a few pixels off the bar's hover target, and until that target is placed again a click goes through
 * to the canvas, which names what is painted under the pointer: a thin bar's old place can be beside it.
 */
async function pinBar(bar: Locator, detailShown: Locator): Promise<void> {
  await expect(async () => {
    await bar.click();
    await expect(detailShown).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
}

// The README's picture (docs/poolscope.png) is this story's "3-external-waiting" screenshot, at this size.
test.use({ viewport: { width: 1280, height: 800 } });

test('an external GET / queues behind the sleepers, shows as external, then is served', async ({ page, dashboard }) => {
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: SLEEP_MS });
  await fireSleepBurst(page, 4);
  await expect(page.locator('[data-testid=worker][data-state=busy]')).toHaveCount(4);

  const browserRequest = httpGet(dashboard.bookPort, '/', { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140' });
  const waiting = page.locator('[data-testid=queue-item][data-origin=external]');
  await expect(waiting).toHaveCount(1);
  // The pointer off the buttons, so no tooltip covers the picture.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: screenshotPath('3-external-waiting') });

  const response = await browserRequest;
  expect(response.status).toBe(200);
  expect(response.body).toContain('Hi from Poolscope');
  await expect(waiting).toHaveCount(0);
  const served = page.locator('[data-testid=timeline-bar][data-path="/"][data-origin=external]');
  await expect(served).toHaveCount(1);
  await expect(served).toHaveAttribute('data-status', '200');

  // Its details tell the person where it came from and that it waited. Paused first, as a person would, so the bar
  // stays under the pointer: a live timeline moves it while a loaded machine gets the click to it.
  await page.getByRole('button', { name: 'Pause' }).click();
  await pinBar(served, page.getByTestId('request-details').getByText('Request #'));
  await expect(page.getByTestId('detail-source')).toContainText(/external/i);
  await expect(page.getByTestId('detail-path')).toHaveText('/');
  await expect(page.getByTestId('detail-wait')).toContainText(/\d/);
  // Its run reads as its bar's label reads it.
  const ranOnBar = /ran ([^,]+)$/.exec((await served.getAttribute('aria-label')) ?? '')?.[1];
  expect(ranOnBar).toBeDefined();
  expect(await page.getByTestId('detail-run').textContent()).toMatch(new RegExp(`^${ranOnBar}`));
  await page.screenshot({ path: screenshotPath('3-external-served') });

  // A paused picture is one moment: a sleeper's running time on its card, its bar and its details stands still.
  await page.getByRole('button', { name: 'Resume' }).click();
  const sleeper = httpGet(dashboard.bookPort, `/sleep?ms=${PAUSED_SLEEP_MS}`);
  const elapsed = page.locator('[data-testid=worker][data-state=busy]').getByTestId('worker-elapsed');
  await expect(elapsed).toHaveCount(1);
  await page.getByRole('button', { name: 'Pause' }).click();
  await pinBar(page.locator('[data-testid=timeline-bar][data-path="/sleep"][data-status=""]'), page.getByTestId('detail-total'));
  await expect(page.getByTestId('detail-total')).toContainText('so far');
  const running = page.locator('[data-testid=timeline-bar][data-path="/sleep"][data-status=""]');
  const runningTimes = async () => ({
    card: await elapsed.textContent(),
    bar: await running.getAttribute('aria-label'),
    run: await page.getByTestId('detail-run').textContent(),
    total: await page.getByTestId('detail-total').textContent(),
  });
  // Read once the paused frame is shown (the frames stop at the last one built before the click, a moment later).
  let pausedTimes = await runningTimes();
  await expect(async () => {
    pausedTimes = await runningTimes();
    await page.waitForTimeout(500);
    expect(await runningTimes()).toEqual(pausedTimes);
  }).toPass({ timeout: 30_000 });
  await page.waitForTimeout(PAUSED_WATCH_MS);
  expect(await runningTimes()).toEqual(pausedTimes);

  // Resumed, they count on from the live present.
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect
    .poll(async () => {
      const times = await runningTimes();
      return (Object.keys(times) as Array<keyof typeof times>).filter((key) => times[key] === pausedTimes[key]);
    })
    .toEqual([]);
  expect((await sleeper).status).toBe(200);
});
