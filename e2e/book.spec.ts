// The Book panel's story: a reader walks the chapter's steps with one Try it each. The single-threaded server
// serves five requests one at a time; a slow request makes a `/` wait behind `/sleep`; the `while let` pool runs
// four sleeps one after another (Try it stops the server the previous step left running, and says so); take(2)
// serves two connections and shuts down, joining the workers in order. Each step ends with the verdict measured
// from the run's events, checked here as a reader reads it. Short sleeps keep it quick.

import type { Locator, Page } from '@playwright/test';
import { expect, test } from './support/dashboard';
import { SERVER_START_TIMEOUT_MS, screenshotPath } from './support/ui';

const SLEEP_MS = 1_000;

test.use({ viewport: { width: 1440, height: 1000 } });

function stepOf(page: Page, id: string): Locator {
  return page.locator(`[data-testid=book-step][data-step="${id}"]`);
}

/** Clicks the step's Try it and waits for its verdict, as long as the step's sleeps take and a start may take. */
async function tryStep(page: Page, id: string, timeoutMs: number): Promise<Locator> {
  const step = stepOf(page, id);
  await step.getByTestId('book-try').click();
  const verdict = page.locator(`[data-testid=book-verdict][data-step="${id}"]`);
  await expect(verdict).toBeVisible({ timeout: SERVER_START_TIMEOUT_MS + timeoutMs });
  return verdict;
}

test.beforeEach(async ({ page, dashboard }) => {
  await page.goto(dashboard.dashboardUrl);
  await expect(page.getByTestId('book-panel')).toBeVisible();
  await page.getByLabel('Sleep (ms)', { exact: true }).fill(String(SLEEP_MS));
});

test('the chapter step by step: each step names its listing, says what to watch and measures its run', async ({ page }) => {
  const steps = page.getByTestId('book-step');
  await expect(steps).toHaveCount(6);
  const stepIds = await Promise.all((await steps.all()).map((step) => step.getAttribute('data-step')));
  expect(stepIds).toEqual(['single', 'slow-request', 'per-request', 'pool', 'while-let', 'shutdown']);
  expect(await page.getByTestId('book-listing').allInnerTexts()).toEqual([
    '1. Listing 21-9',
    '2. Listing 21-10',
    '3. Listing 21-11',
    '4. Listing 21-20',
    '5. Listing 21-21',
    '6. Listing 21-25',
  ]);

  // The single-threaded server: five requests, one at a time.
  const single = await tryStep(page, 'single', 10_000);
  await expect(single).toHaveAttribute('data-matches', 'true');
  await expect(single).toContainText('5 requests answered one at a time');
  await expect(page.getByLabel('Stop after (connections)', { exact: true })).toHaveValue('');

  // A slow request: the step's server replaces the one the last step left running, and says so.
  const slow = await tryStep(page, 'slow-request', 10_000);
  await expect(stepOf(page, 'slow-request').getByTestId('book-status')).toContainText(
    'Stopping the running server first (strategy single)',
  );
  await expect(slow).toHaveAttribute('data-matches', 'true');
  await expect(slow).toContainText(/\/ waited \d+(\.\d)? (s|ms) behind \/sleep — the single thread blocked it/);
  await slow.screenshot({ path: screenshotPath('book-slow-request-verdict') });

  // The while let pitfall: four sleeps on four workers, one at a time.
  await stepOf(page, 'while-let').getByTestId('book-try').click();
  await expect(page.getByTestId('server-status')).toContainText('Listening', { timeout: SERVER_START_TIMEOUT_MS });
  await expect(page.locator('[data-testid=worker][data-state=busy]')).toHaveCount(1, { timeout: 10_000 });
  await page.screenshot({ path: screenshotPath('book-while-let-running') });
  const whileLet = page.locator('[data-testid=book-verdict][data-step="while-let"]');
  await expect(whileLet).toBeVisible({ timeout: 4 * SLEEP_MS + 20_000 });
  await expect(whileLet).toHaveAttribute('data-matches', 'true');
  await expect(whileLet).toContainText(/4 sleeps took \d+\.\d s on 4 workers — one at a time: the lock was held for every job/);
  await expect(page.getByLabel('Pool size', { exact: true })).toHaveValue('4');
  await page.getByTestId('book-panel').screenshot({ path: screenshotPath('book-panel') });
});

test('take(2): two connections served, then Shutting down, the workers joined in order', async ({ page }) => {
  const verdict = await tryStep(page, 'shutdown', 2 * SLEEP_MS + 20_000);
  await expect(verdict).toHaveAttribute('data-matches', 'true');
  await expect(verdict).toContainText('2 requests served, then Shutting down; the workers joined in order 0, 1, 2, 3');
  await expect(page.getByTestId('server-status')).toContainText('Stopped');
  await expect(page.getByLabel('Stop after (connections)', { exact: true })).toHaveValue('2');
  const log = page.getByTestId('log');
  await expect(log).toContainText('Shutting down.');
  await expect(log).toContainText('Worker 3 disconnected; shutting down.');
  await page.screenshot({ path: screenshotPath('book-shutdown') });
});
