// Story: a teacher shows what a queue deadline does. One worker, /sleep of 3 s, a max wait of 500 ms, four
// sleepers: the first runs, the three behind it leave the queue long before the worker is free, each answered
// 503 and counted as "waited too long", and the running settings say which limit did it.
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { fireSleepBurst, screenshotPath, startFromUi } from './support/ui';

const SLEEP_MS = 3000;
const MAX_WAIT_MS = 500;

test('jobs that wait longer than the max wait leave the queue unrun and show as "waited too long"', async ({ page, dashboard }) => {
  // 0 lifts the limit, and the running settings say so rather than "Max wait (ms) 0".
  await page.getByLabel('Max wait (ms)', { exact: true }).fill('0');
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 1, sleepMs: SLEEP_MS });
  await expect(page.getByTestId('running-settings')).toContainText('No max wait');
  await expect(page.getByTestId('running-settings')).not.toContainText('Max wait (ms)');
  await page.getByLabel('Max wait (ms)', { exact: true }).fill(String(MAX_WAIT_MS));
  await page.getByRole('button', { name: 'Restart with these settings' }).click();
  await expect(page.getByTestId('running-settings')).toContainText(`Max wait (ms) ${MAX_WAIT_MS}`);

  await fireSleepBurst(page, 4);
  const waitedTooLong = page.getByTestId('stat-waited-too-long');
  // The three waiting sleepers are answered once they have waited the limit, while the first still sleeps.
  await expect(waitedTooLong).toHaveText('3', { timeout: 4 * SLEEP_MS });
  await expect(page.getByTestId('queue-item')).toHaveCount(0);
  await expect(page.getByTestId('stat-errors')).toHaveText('3');
  await page.screenshot({ path: screenshotPath('queue-deadline-waited-too-long') });

  // The first one ran to the end: the worker never started the others.
  await expect(page.locator('[data-testid=worker][data-state=idle]')).toHaveCount(1, { timeout: 4 * SLEEP_MS });
  await expect(page.locator('[data-testid=worker]')).toContainText(/(^|\D)1 job(?!s)/);
  await expect(waitedTooLong).toHaveText('3');
  expect(await seriousAxeViolations(page)).toEqual([]);
});
