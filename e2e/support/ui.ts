// The specs' steps on the page: start the book server from the settings form, fire a burst, see the pool
// full, keep a screenshot. Shared by the dashboard specs and the Electron spec.
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import type { Strategy } from '../../src/shared/settings';
import { PROJECT_ROOT } from '../../test/support/processes';

/**
 * Starting spawns the pool's worker threads, each loading its program: readiness, which a loaded machine may take
 * many seconds to reach, and which is waited for as long as it takes rather than timed.
 */
export const SERVER_START_TIMEOUT_MS = 30_000;

/** Fills the settings form and starts the book server from the UI; waits for the status line to say so. */
export async function startFromUi(
  page: Page,
  settings: { port: number; poolSize?: number; sleepMs?: number; strategy?: Strategy },
): Promise<void> {
  if (settings.strategy !== undefined) await page.getByTestId('strategy-select').selectOption(settings.strategy);
  await page.getByLabel('Port', { exact: true }).fill(String(settings.port));
  if (settings.poolSize !== undefined) await page.getByLabel('Pool size', { exact: true }).fill(String(settings.poolSize));
  if (settings.sleepMs !== undefined) await page.getByLabel('Sleep (ms)', { exact: true }).fill(String(settings.sleepMs));
  await page.getByRole('button', { name: 'Start server' }).click();
  await expect(page.getByTestId('server-status')).toContainText(`Listening on http://127.0.0.1:${settings.port}`, {
    timeout: SERVER_START_TIMEOUT_MS,
  });
}

/** Sets the burst size and clicks Fire /sleep burst. */
export async function fireSleepBurst(page: Page, count: number): Promise<void> {
  await page.getByLabel('Burst size', { exact: true }).fill(String(count));
  await page.getByRole('button', { name: 'Fire /sleep burst' }).click();
}

/**
 * One of the title bar's run-file actions (Open run…, Save run…, Export trace, History…): opens the Run menu that
 * holds them, if it is closed, and gives the button.
 */
export async function runMenuButton(page: Page, name: 'Open run…' | 'Save run…' | 'Export trace' | 'History…'): Promise<Locator> {
  const toggle = page.getByTestId('run-menu-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  const button = page.getByRole('group', { name: 'Run' }).getByRole('button', { name, exact: true });
  await expect(button).toBeVisible();
  return button;
}

/**
 * All of one element's data-* attributes from one render, keyed as `dataset` names them (data-growth-per-s is
 * growthPerS): figures that describe one moment together are read in one go, as the page may re-render between
 * two separate reads.
 */
export async function datasetOf(locator: Locator): Promise<Record<string, string | undefined>> {
  return locator.evaluate((element) => ({ ...(element as unknown as { dataset: Record<string, string | undefined> }).dataset }));
}

/** The one DOM member read inside the page (the specs compile without the DOM's types). */
interface PageDocument {
  querySelectorAll(selector: string): { length: number };
}

/**
 * Waits until the UI shows `busy` busy workers and `queued` waiting jobs at the same moment: both are counted in
 * one look at the page, so they come from one render. The full pool and the full queue last only while the first
 * sleepers sleep, so it polls often rather than waits long.
 */
export async function expectBusyAndQueued(page: Page, counts: { busy: number; queued: number }): Promise<void> {
  const countsNow = () =>
    page.evaluate(() => {
      const document = (globalThis as unknown as { document: PageDocument }).document;
      return {
        busy: document.querySelectorAll('[data-testid=worker][data-state=busy]').length,
        queued: document.querySelectorAll('[data-testid=queue-item]').length,
      };
    });
  await expect.poll(countsNow, { intervals: [50] }).toEqual(counts);
}

/**
 * Points at a timeline element as a hand arriving from its track's label would: onto the label first (drawn on the
 * canvas beneath the overlay), then straight onto the element's centre; `onLabel` runs while the pointer is on the label.
 */
export async function pointFromTrackLabel(page: Page, target: Locator, onLabel?: () => Promise<void>): Promise<void> {
  const box = (await target.boundingBox())!;
  const canvas = (await page.locator('canvas.timeline-canvas').boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(canvas.x + 20, y);
  await onLabel?.();
  await page.mouse.move(box.x + box.width / 2, y);
}

/** Key moments are kept as pictures in test-results/screenshots (the README's picture comes from the external-request story). */
export function screenshotPath(name: string): string {
  return join(PROJECT_ROOT, 'test-results', 'screenshots', `${name}.png`);
}
