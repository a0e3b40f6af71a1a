// Story 7, opening a saved run: **Open run…** picks a .poolscope.jsonl file and the page says it loaded it; a file
// dragged over the page shows where it will go and opens when dropped; a broken file gets one message naming the
// line and the problem, and nothing else on the page changes.

import type { Page } from '@playwright/test';
import { traceChunks } from '../src/history/trace-export';
import { runFileChunks, serializeRunFileHeader } from '../src/shared/run-file';
import { ALL_SAMPLES, burstCutMidway, SAMPLE_SPAN_TEXT, sampleHeader } from '../test/support/sample-events';
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { runMenuButton, screenshotPath, startFromUi } from './support/ui';

const GOOD_RUN = [...runFileChunks(sampleHeader(), ALL_SAMPLES)].join('');
const LOADED_DEMO = `Loaded demo.poolscope.jsonl: ${ALL_SAMPLES.length} events over ${SAMPLE_SPAN_TEXT}`;
const BROKEN_RUN = `${serializeRunFileHeader(sampleHeader())}{"type":"job-teleported","at":${ALL_SAMPLES[0]!.at}}\n`;

function chooseFile(page: Page, name: string, text: string): Promise<void> {
  return page.getByTestId('open-run-input').setInputFiles({ name, mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
}

/** What the rest of the page shows: it must read the same before and after a broken file. */
async function restOfPage(page: Page): Promise<string[]> {
  return [
    await page.getByTestId('server-status').innerText(),
    (await Promise.all((await page.getByTestId('worker').all()).map((card) => card.getAttribute('data-state')))).join(','),
    await page.locator('#setting-pool-size').inputValue(),
    String(await page.getByTestId('timeline-bar').count()),
  ];
}

test('Open run… loads a run file and says how many events over how long', async ({ page }) => {
  const button = await runMenuButton(page, 'Open run…');
  await expect(page.getByTestId('open-run-input')).toHaveAttribute('accept', '.poolscope.jsonl');
  // The button opens the file picker.
  const chooser = page.waitForEvent('filechooser');
  await button.click();
  await (await chooser).setFiles({ name: 'demo.poolscope.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(GOOD_RUN) });
  await expect(page.getByTestId('ui-message')).toHaveText([LOADED_DEMO]);
  await page.screenshot({ path: screenshotPath('7-open-run-loaded') });
});

test('a broken run file gets one message naming the line and the problem, and nothing else changes', async ({ page }) => {
  await chooseFile(page, 'demo.poolscope.jsonl', GOOD_RUN);
  await expect(page.getByTestId('ui-message')).toHaveText([LOADED_DEMO]);
  const before = await restOfPage(page);

  await chooseFile(page, 'broken.poolscope.jsonl', BROKEN_RUN);
  await expect(page.getByRole('alert')).toHaveText('Could not open broken.poolscope.jsonl: line 2: unknown event type "job-teleported"');
  await expect(page.getByTestId('ui-message')).toHaveCount(2);
  expect(await restOfPage(page)).toEqual(before);
  await page.screenshot({ path: screenshotPath('7-open-run-broken') });

  // Not a run at all: the newer refusal replaces the older one.
  await chooseFile(page, 'notes.poolscope.jsonl', 'shopping list\n');
  await expect(page.getByRole('alert')).toHaveText(
    'Could not open notes.poolscope.jsonl: line 1: not a Poolscope run (the first line is not JSON)',
  );
  await expect(page.getByTestId('ui-message')).toHaveCount(2);

  // A trace exported from a run is told for what it is, and where to open it instead.
  await chooseFile(page, 'demo.trace.json', [...traceChunks(sampleHeader(), ALL_SAMPLES)].join(''));
  await expect(page.getByRole('alert')).toHaveText(
    'Could not open demo.trace.json: this is an exported trace (Chrome Trace Event Format); open the .poolscope.jsonl it was exported from, or open the trace in ui.perfetto.dev',
  );
  await expect(page.getByTestId('ui-message')).toHaveCount(2);
  expect(await restOfPage(page)).toEqual(before);
});

test('a replay names the server it recorded, where the cursor is, and sets the live settings aside until Back to live', async ({
  page,
  dashboard,
}) => {
  // Live: the book's pool of 4, and a sleep typed for its next restart.
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4 });
  const sleepField = page.getByLabel('Sleep (ms)', { exact: true });
  await sleepField.fill('750');
  await expect(page.getByTestId('running-settings')).toContainText('Pool size 4');

  // A recording of another server: a pool of 2 sleeping 100 ms.
  const { before, after } = burstCutMidway();
  await chooseFile(
    page,
    'pool-of-two.poolscope.jsonl',
    [...runFileChunks(sampleHeader({ historyStartsAt: before[0]!.at }), [...before, ...after])].join(''),
  );
  const bar = page.getByTestId('replay-bar');
  await expect(bar).toHaveAttribute('data-phase', 'open');
  const recordedServer = page.getByTestId('replay-run-settings');
  // At its start no server listened yet; at its end, the recorded one, not the live one the title bar describes.
  await expect(recordedServer).toHaveText('No server had started at this moment of the recorded run');
  await page.getByRole('slider', { name: 'Replay position' }).press('End');
  await expect(recordedServer).toContainText('Recorded server: ThreadPool (final) · Pool size 2 · Sleep (ms) 100');
  await expect(page.getByTestId('running-settings')).toContainText('Pool size 4');
  await expect(page.getByText('Live server:', { exact: true })).toBeVisible();
  // The live server's settings form steps aside; its bursts stay, saying why they do not fire.
  await expect(sleepField).toBeHidden();
  await expect(page.getByRole('button', { name: 'Fire /sleep burst' })).toHaveAttribute('aria-disabled', 'true');
  await page.screenshot({ path: screenshotPath('7-replay-recorded-server') });

  // Back to live: the form again, with what was typed.
  await page.getByRole('button', { name: 'Back to live' }).click();
  await expect(bar).toHaveCount(0);
  await expect(sleepField).toBeVisible();
  await expect(sleepField).toHaveValue('750');
  await expect(page.getByText('Live server:', { exact: true })).toHaveCount(0);
});

test('a run file dragged over the page shows the drop zone, and opens when dropped', async ({ page }) => {
  // What a file dragged in from the desktop carries (the spec runs under Node's types, so the page code is text).
  const dataTransfer = await page.evaluateHandle(`(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([${JSON.stringify(GOOD_RUN)}], 'dropped.poolscope.jsonl', { type: 'application/x-ndjson' }));
    return transfer;
  })()`);
  await expect(page.getByTestId('drop-zone')).toHaveCount(0);
  await page.dispatchEvent('main', 'dragenter', { dataTransfer });
  await page.dispatchEvent('main', 'dragover', { dataTransfer });
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  await page.screenshot({ path: screenshotPath('7-open-run-drop-zone') });
  await page.dispatchEvent('main', 'drop', { dataTransfer });
  await expect(page.getByTestId('drop-zone')).toHaveCount(0);
  await expect(page.getByTestId('ui-message')).toHaveText([LOADED_DEMO.replace('demo', 'dropped')]);
});

test('the Run menu works from the keyboard: Enter opens it, the arrows move through it, Escape closes it', async ({ page }) => {
  const toggle = page.getByTestId('run-menu-toggle');
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  const menu = page.getByRole('group', { name: 'Run' });
  for (const name of ['Open run…', 'Save run…', 'Export trace', 'History…']) {
    await page.keyboard.press('ArrowDown');
    await expect(menu.getByRole('button', { name, exact: true })).toBeFocused();
  }
  // Past the last, back to the first; and up again.
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('button', { name: 'Open run…' })).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(menu.getByRole('button', { name: 'History…' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(menu).toBeHidden();
  await expect(toggle).toBeFocused();
  // An action chosen with Enter closes it and gives the focus back to Run ▾, not to the page's start.
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('button', { name: 'Save run…' })).toBeFocused();
  const download = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  await download;
  await expect(menu).toBeHidden();
  await expect(toggle).toBeFocused();
  // A press elsewhere closes it too.
  await toggle.click();
  await expect(menu).toBeVisible();
  await page.getByRole('heading', { name: 'Poolscope' }).click();
  await expect(menu).toBeHidden();
  // History…'s form reads as the settings' fields do: its values are as legible as any other text.
  await toggle.click();
  await menu.getByRole('button', { name: 'History…' }).click();
  await expect(page.getByTestId('history-settings')).toBeVisible();
  expect(await seriousAxeViolations(page)).toEqual([]);
});
