// Story 11 (issue 11's story 11): a teacher compares the chapter's three working servers on "8 × /sleep". Compare…
// runs the scenario on single, per-request and pool in turn, each on a fresh server, with the progress saying which;
// while it runs it owns the server (a burst is refused, saying why); then the runs are stacked on one time axis over
// a table: single takes eight sleeps, the pool of four two, a thread per request about one. Save comparison…
// downloads a PNG and each run's recording; Open comparison… stacks the recordings again. The README's picture
// (docs/compare.png) is this story's "11-compare" screenshot.
import { readFile } from 'node:fs/promises';
import type { Download, Locator } from '@playwright/test';
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { screenshotPath } from './support/ui';

const SLEEP_MS = 600;

async function numberOf(row: Locator, name: string): Promise<number> {
  return Number(await row.getAttribute(`data-${name}`));
}

test('compares single, per-request and pool on 8 × /sleep, reads the table, stacks the timelines, saves and reopens them', async ({
  page,
  dashboard,
}) => {
  // Three fresh servers, eight sleeps on the slowest: well under a minute, more on a loaded machine.
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.getByLabel('Port', { exact: true }).fill(String(dashboard.bookPort));
  await page.getByLabel('Pool size', { exact: true }).fill('4');
  await page.getByLabel('Sleep (ms)', { exact: true }).fill(String(SLEEP_MS));

  await page.getByRole('button', { name: 'Compare…' }).click();
  await expect(page.getByRole('button', { name: 'Compare…' })).toHaveAttribute('aria-expanded', 'true');
  const panel = page.getByTestId('compare-panel');
  // A custom field out of range is marked and named as the panel labels it (two fields read "count": each says its route).
  await panel.getByLabel('Custom').check();
  const sleepCount = panel.getByRole('textbox', { name: '/sleep count' });
  await sleepCount.fill('257');
  await expect(sleepCount).toHaveAttribute('aria-invalid', 'true');
  await expect(sleepCount).toHaveAccessibleDescription('/sleep count must be between 0 and 256 (got 257)');
  await expect(panel.getByRole('textbox', { name: '/ count' })).not.toHaveAttribute('aria-invalid');
  await sleepCount.fill('2');
  await expect(sleepCount).not.toHaveAttribute('aria-invalid');
  await panel.getByLabel('8 × /sleep at once').check();
  const chosen = panel.locator('[data-testid=compare-strategy]:checked');
  expect(await chosen.evaluateAll((all) => all.map((box) => (box as unknown as { value: string }).value))).toEqual([
    'single',
    'per-request',
    'pool',
  ]);

  await panel.getByRole('button', { name: 'Run comparison' }).click();
  const progress = panel.getByTestId('compare-progress');
  await expect(progress).toHaveAttribute('data-strategy', 'single');
  await expect(progress).toContainText('single (1 of 3)');
  // While it runs, a second comparison is refused with the reason (the button is aria-disabled: pressing it says why).
  // Pressed from the keyboard: the first server's workers appear above the panel now, and a pointer click could land
  // where the button was a moment before.
  await panel.getByRole('button', { name: 'Run comparison' }).focus();
  await page.keyboard.press('Enter');
  await expect(panel.getByTestId('compare-message')).toContainText('A comparison is already running');
  // It owns the server while it runs: a burst would mix with its traffic, so the button says why it cannot act.
  const fireSleep = page.getByRole('button', { name: 'Fire /sleep burst' });
  await expect(fireSleep).toHaveAttribute('aria-disabled', 'true');
  await expect(fireSleep).toHaveAccessibleDescription(/^A comparison is running: a burst would mix with its scenario's traffic/);
  await expect(progress).toHaveAttribute('data-phase', 'done', { timeout: 180_000 });
  await expect(progress).toContainText('Done: 3 strategies compared; no server is running.');
  await expect(page.getByTestId('server-status')).toContainText('Stopped');

  // The table: one row per strategy, in run order, every request answered.
  const rows = panel.getByTestId('compare-row');
  await expect(rows).toHaveCount(3);
  const single = panel.locator('[data-testid=compare-row][data-strategy=single]');
  const perRequest = panel.locator('[data-testid=compare-row][data-strategy=per-request]');
  const pool = panel.locator('[data-testid=compare-row][data-strategy=pool]');
  for (const row of [single, perRequest, pool]) {
    await expect(row).toHaveAttribute('data-state', 'done');
    await expect(row).toHaveAttribute('data-errors', '0');
  }
  // Loose bounds: a slow machine only makes runs longer. Single: eight sleeps one after another; the pool of four:
  // two rounds; a thread per request: all at once, one sleep plus the threads' start-up.
  expect(await numberOf(single, 'makespan-ms')).toBeGreaterThanOrEqual(8 * SLEEP_MS - 5);
  expect(await numberOf(pool, 'makespan-ms')).toBeGreaterThanOrEqual(2 * SLEEP_MS - 5);
  expect(await numberOf(pool, 'makespan-ms')).toBeLessThan(await numberOf(single, 'makespan-ms'));
  expect(await numberOf(perRequest, 'makespan-ms')).toBeGreaterThanOrEqual(SLEEP_MS - 5);
  // A thread per request runs all eight at once: one sleep past its slowest thread's start-up (a fresh V8 isolate
  // each, which on a loaded 2-core machine can cost seconds; the table shows it).
  const startupMs = await numberOf(perRequest, 'thread-startup-ms');
  expect(startupMs).toBeGreaterThan(0);
  expect((await numberOf(perRequest, 'makespan-ms')) - startupMs).toBeLessThan(3 * SLEEP_MS);
  await expect(single).toHaveAttribute('data-thread-startup-ms', '');
  expect(await numberOf(single, 'peak-threads')).toBe(1);
  expect(await numberOf(pool, 'peak-threads')).toBe(4);
  expect(await numberOf(perRequest, 'peak-threads')).toBe(8);
  expect(await numberOf(single, 'peak-rss-bytes')).toBeGreaterThan(0);

  // The stacked timelines: one per strategy, on one scale, each as long as its makespan.
  const timelines = panel.getByTestId('compare-timeline');
  await expect(timelines).toHaveCount(3);
  const scales = await timelines.evaluateAll((all) =>
    all.map((t) => (t as unknown as { dataset: Record<string, string | undefined> }).dataset.msPerPx),
  );
  expect(new Set(scales).size).toBe(1);
  for (const strategy of ['single', 'per-request', 'pool']) {
    const timeline = panel.locator(`[data-testid=compare-timeline][data-strategy=${strategy}]`);
    await expect(timeline).toHaveAttribute(
      'data-makespan-ms',
      String(await numberOf(panel.locator(`[data-testid=compare-row][data-strategy=${strategy}]`), 'makespan-ms')),
    );
  }
  expect(await seriousAxeViolations(page)).toEqual([]);
  await panel.scrollIntoViewIfNeeded();
  await panel.screenshot({ path: screenshotPath('11-compare') });

  // Save comparison…: the PNG and one recording per strategy (the browser may report the four downloads in any order).
  const downloads: Download[] = [];
  page.on('download', (download) => downloads.push(download));
  await panel.getByRole('button', { name: 'Save comparison…' }).click();
  await expect.poll(() => downloads.length).toBe(4);
  expect(downloads.map((d) => d.suggestedFilename()).sort()).toEqual([
    'poolscope-compare-1-single.poolscope.jsonl',
    'poolscope-compare-2-per-request.poolscope.jsonl',
    'poolscope-compare-3-pool.poolscope.jsonl',
    'poolscope-compare.png',
  ]);
  const named = (name: string) => downloads.find((d) => d.suggestedFilename() === name)!;
  const png = await readFile(await named('poolscope-compare.png').path());
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.byteLength).toBeGreaterThan(10_000);
  const runFileNames = ['1-single', '2-per-request', '3-pool'].map((run) => `poolscope-compare-${run}.poolscope.jsonl`);
  const paths = await Promise.all(runFileNames.map((name) => named(name).path()));
  const header = JSON.parse((await readFile(paths[1]!)).toString('utf8').split('\n')[0]!) as { strategy: string; format: string };
  expect(header).toMatchObject({ format: 'poolscope-run', strategy: 'per-request' });

  // Open comparison…: the three recordings stacked again, the same makespans (the memory was not recorded).
  const makespans = await rows.evaluateAll((all) =>
    all.map((row) => (row as unknown as { dataset: Record<string, string | undefined> }).dataset.makespanMs),
  );
  const files = await Promise.all(
    paths.map(async (path, i) => ({
      name: runFileNames[i]!,
      mimeType: 'application/x-ndjson',
      buffer: await readFile(path),
    })),
  );
  await panel.getByTestId('compare-open-input').setInputFiles(files);
  await expect(panel.getByTestId('compare-results')).toHaveAttribute('data-source', 'files');
  await expect(timelines).toHaveCount(3);
  const reopened = await rows.evaluateAll((all) =>
    all.map((row) => [
      (row as unknown as { dataset: Record<string, string | undefined> }).dataset.strategy,
      (row as unknown as { dataset: Record<string, string | undefined> }).dataset.makespanMs,
    ]),
  );
  expect(reopened.map(([strategy]) => strategy)).toEqual(['single', 'per-request', 'pool']);
  // Live or reopened, a run is read from its recording alone (aligned at its first accepted connection): the same figures.
  expect(reopened.map(([, makespan]) => makespan)).toEqual(makespans);
  await expect(single).toHaveAttribute('data-peak-rss-bytes', '');
});
