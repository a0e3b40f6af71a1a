// Story 11: a developer sizing a pool. After the book's burst the Bursts panel sums it up in one line from its
// own requests (8 × /sleep on 4 workers: done in about two sleeps, 4 waited about one sleep); a GET / burst adds
// its own line and its own row: / and /sleep are never mixed in one histogram. Each worker's busy share says
// its window, and requests per second fall to 0 the moment the server stops. axe stays clean.
import type { Locator } from '@playwright/test';
import { RATE_WINDOW_MS } from '../src/shared/request-stats';
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { fireSleepBurst, screenshotPath, startFromUi } from './support/ui';

const SLEEP_MS = 2000;

/** "1.5 s" → 1500, "0.46 ms" → 0.46. */
function msOf(text: string): number {
  const match = /([\d.]+)\s*(ms|s)\b/.exec(text);
  if (!match) throw new Error(`no duration in "${text}"`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

async function statOf(row: Locator, stat: string): Promise<number> {
  return msOf(await row.locator(`[data-stat="${stat}"]`).innerText());
}

test('per-route latency and wait, a one-line summary after each burst, and requests/s at 0 once stopped', async ({ page, dashboard }) => {
  const beforeStartMs = Date.now();
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: SLEEP_MS });
  await fireSleepBurst(page, 8);

  const summaries = page.getByTestId('burst-summary');
  const sleepSummary = summaries.and(page.locator('[data-state=done]')).first();
  await expect(sleepSummary).toHaveText(/^8 × \/sleep on 4 workers: done in [\d.]+ s, p99 [\d.]+ s, 4 waited (up to )?[\d.]+ s$/, {
    timeout: 6 * SLEEP_MS,
  });
  const summary = await sleepSummary.innerText();
  const [done, p99, waited] = [...summary.matchAll(/([\d.]+) s/g)].map((match) => Number(match[1]) * 1000);
  // Two waves: the burst takes two sleeps, its slowest request too, and the second wave waited one sleep.
  expect(done).toBeGreaterThanOrEqual(2 * SLEEP_MS - 100);
  expect(p99).toBeGreaterThanOrEqual(2 * SLEEP_MS - 100);
  expect(waited).toBeGreaterThanOrEqual(SLEEP_MS - 100);
  expect(waited).toBeLessThan(2 * SLEEP_MS);

  await page.getByLabel('GET / count', { exact: true }).fill('40');
  await page.getByRole('button', { name: 'Fire GET / burst' }).click();
  await expect(summaries).toHaveCount(2);
  await expect(summaries.first()).toHaveText(/^40 × GET \/ on 4 workers: done in /);
  await expect(summaries.first()).toHaveAttribute('data-state', 'done');
  await expect(summaries.nth(1)).toHaveText(summary);

  const sleepRow = page.locator('[data-testid=route-stats][data-route="/sleep"]');
  const helloRow = page.locator('[data-testid=route-stats][data-route="/"]');
  await expect(sleepRow.locator('[data-stat=count]')).toHaveText('8');
  await expect(helloRow.locator('[data-stat=count]')).toHaveText('40');
  expect(await statOf(sleepRow, 'latency-p50')).toBeGreaterThanOrEqual(SLEEP_MS - 100);
  expect(await statOf(sleepRow, 'wait-p99')).toBeGreaterThanOrEqual(SLEEP_MS - 100);
  // A page is served in well under a sleep: the routes' numbers do not mix.
  expect(await statOf(helloRow, 'latency-p99')).toBeLessThan(SLEEP_MS / 2);

  // Busy shares are over a stated recent window: in a worker's first seconds its life so far, never more.
  const firstCard = page.getByTestId('worker').first();
  const early = /\d+% busy \(last (\d+) s\)/.exec(await firstCard.innerText());
  const livedS = (Date.now() - beforeStartMs) / 1000;
  expect(early).not.toBeNull();
  expect(Number(early![1])).toBeLessThanOrEqual(Math.min(10, Math.ceil(livedS)));
  await expect(firstCard).toContainText(/\d+% busy \(last 10 s\)/, { timeout: 15_000 });
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: screenshotPath('11-route-stats'), fullPage: true });

  // Stopping drops requests per second to 0 at once. Averaged over its 5 s window (RATE_WINDOW_MS), the rate of
  // the burst's last responses would linger for 5 s after them; "at once" is checked as well inside that window.
  await page.getByLabel('GET / count', { exact: true }).fill('400');
  await page.getByRole('button', { name: 'Fire GET / burst' }).click();
  await expect(page.getByTestId('stat-rps')).not.toHaveText('0');
  await page.getByRole('button', { name: 'Stop server' }).click();
  await expect(page.getByTestId('server-status')).toContainText('Stopped');
  await expect(page.getByTestId('stat-rps')).toHaveText('0', { timeout: RATE_WINDOW_MS / 2 });
});
