// Story 15 (issue 13's story 13): a developer sizes a pool with Sweep…. The same open-loop load runs on pool sizes
// 1, 2 and 4 (40 req/s of 20 ms sleeps: ρ ≈ 0.8, 0.4, 0.2), the app's own server restarting at each size while the
// progress says which; the chart and its table show ρ and P(wait) falling with the pool size, measured beside the
// Erlang C prediction; CSV and PNG export; and the server is back on its own settings afterwards. axe stays clean.
import { readFile } from 'node:fs/promises';
import type { Locator } from '@playwright/test';
import { SWEEP_CSV_COLUMNS } from '../src/shared/sweep-table';
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { screenshotPath, startFromUi } from './support/ui';

async function numberOf(row: Locator, name: string): Promise<number> {
  return Number(await row.getAttribute(`data-${name}`));
}

test('a sweep over pool sizes 1, 2 and 4 charts latency, throughput and ρ beside Erlang C, exports, and restores the server', async ({
  page,
  dashboard,
}) => {
  // Three pool sizes, each restarted and loaded for a few seconds: a minute or more on a loaded machine.
  test.setTimeout(300_000);
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 3, sleepMs: 1000 });

  await page.getByRole('button', { name: 'Sweep…' }).click();
  await expect(page.getByRole('button', { name: 'Sweep…' })).toHaveAttribute('aria-expanded', 'true');
  const sweep = page.getByTestId('sweep-panel');
  await sweep.getByLabel('Pool sizes').fill('1,0');
  await expect(sweep.locator('[data-testid=sweep-error][data-field=workerCounts]')).toContainText('Pool size must be at least 1');
  await sweep.getByLabel('Pool sizes').fill('2,4,1');
  await sweep.getByLabel('Rate (req/s)').fill('40');
  await sweep.getByLabel('Duration (s each)').fill('3');
  await sweep.getByLabel('Mix').fill('/sleep?ms=20');
  await sweep.getByRole('button', { name: 'Run sweep' }).click();

  const progress = sweep.getByTestId('sweep-progress');
  await expect(progress).toHaveAttribute('data-phase', 'running');
  // While it runs, the sweep owns the server: Stop and the bursts say why they cannot act, and pressing Stop says it.
  const stop = page.getByRole('button', { name: 'Stop server' });
  await expect(stop).toHaveAttribute('aria-disabled', 'true');
  await expect(stop).toHaveAccessibleDescription(/^A sweep is running and restarts the server itself/);
  await expect(page.getByRole('button', { name: 'Fire /sleep burst' })).toHaveAccessibleDescription(
    /^A sweep is running: a burst would mix with its load/,
  );
  await stop.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('ui-message').first()).toContainText('A sweep is running');
  await expect(progress).toHaveAttribute('data-phase', 'done', { timeout: 240_000 });
  await expect(progress).toContainText('Done: 3 pool sizes measured; the server is back as it was.');

  // The chart is drawn from one row per pool size, in pool-size order whatever order they were given in.
  const chart = sweep.getByTestId('sweep-chart');
  await expect(chart).toHaveAttribute('data-rows', '3');
  await expect(chart.locator('canvas').first()).toBeVisible();
  const rows = sweep.getByTestId('sweep-row');
  await expect(rows).toHaveCount(3);
  expect(await rows.evaluateAll((all) => all.map((row) => (row as unknown as { dataset: { workers?: string } }).dataset.workers))).toEqual([
    '1',
    '2',
    '4',
  ]);
  const [one, two, four] = [rows.nth(0), rows.nth(1), rows.nth(2)];
  // ρ = λS/c is four times smaller on four workers than on one; Erlang C's P(wait) falls with it, and so does the
  // measured share that waited. (One worker against two is only twice: a busy machine's hiccups can blur that.)
  expect(await numberOf(one, 'rho')).toBeGreaterThan(await numberOf(four, 'rho'));
  expect(await numberOf(two, 'rho')).toBeGreaterThan(0);
  expect(await numberOf(one, 'theory-p-wait')).toBeGreaterThan(await numberOf(four, 'theory-p-wait'));
  expect(await numberOf(one, 'p-wait')).toBeGreaterThan(await numberOf(four, 'p-wait'));
  for (const row of [one, two, four]) expect(await numberOf(row, 'throughput')).toBeGreaterThan(0);
  // The server runs again with the pool it had before the sweep.
  await expect(page.getByTestId('running-settings')).toContainText('Pool size 3');
  await expect(page.getByTestId('server-status')).toContainText('Listening');
  expect(await seriousAxeViolations(page)).toEqual([]);
  await chart.scrollIntoViewIfNeeded();
  await sweep.screenshot({ path: screenshotPath('15-sweep-chart') });

  // Export: the CSV is the command line's format; the PNG is the charts as drawn.
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), sweep.getByRole('button', { name: 'Export CSV' }).click()]);
  expect(csvDownload.suggestedFilename()).toBe('poolscope-sweep.csv');
  const csv = (await readFile(await csvDownload.path())).toString('utf8').trimEnd().split('\r\n');
  expect(csv[0]).toBe(SWEEP_CSV_COLUMNS.join(','));
  expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual(['1', '2', '4']);
  const [pngDownload] = await Promise.all([page.waitForEvent('download'), sweep.getByRole('button', { name: 'Export PNG' }).click()]);
  expect(pngDownload.suggestedFilename()).toBe('poolscope-sweep.png');
  const png = await readFile(await pngDownload.path());
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.byteLength).toBeGreaterThan(10_000);
});
