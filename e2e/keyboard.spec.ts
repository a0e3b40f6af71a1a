// Story 7: a person using only the keyboard. Tab reaches every control in order, each shows a clear focus
// ring; Enter on Start server starts the pool and Enter on Fire /sleep burst fills it; the timeline's jobs are
// one tab stop, the arrow keys move between them and Enter pins a job's details.
import type { Page } from '@playwright/test';
import { focusRingOfActiveElement } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { SERVER_START_TIMEOUT_MS } from './support/ui';

test.use({ dashboardArgs: ['--workers', '4', '--sleep-ms', '4000'] });

/** Every element the keyboard may pass through: each one must show where the focus is. */
const MAX_TAB_PRESSES = 30;

/** Presses Tab until `name` has the focus, checking that every element passed on the way shows a focus ring. */
async function tabTo(page: Page, name: string | RegExp): Promise<void> {
  const passed: string[] = [];
  for (let press = 0; press < MAX_TAB_PRESSES; press++) {
    await page.keyboard.press('Tab');
    const focused = await focusRingOfActiveElement(page);
    expect(focused.ring, `${focused.name} has the focus but shows no focus ring`).not.toBe('none');
    passed.push(focused.name);
    if (typeof name === 'string' ? focused.name === name : name.test(focused.name)) return;
  }
  throw new Error(`Tab never reached "${name}"; it went through: ${passed.join(' → ')}`);
}

test('Tab and Enter alone start the server, fire a /sleep burst, and pin a job of the timeline', async ({ page, dashboard }) => {
  await tabTo(page, 'Start server');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('server-status')).toContainText(`Listening on http://127.0.0.1:${dashboard.bookPort}`, {
    timeout: SERVER_START_TIMEOUT_MS,
  });

  await tabTo(page, 'Fire /sleep burst');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid=worker][data-state=busy]')).toHaveCount(4);

  // The timeline's jobs take one tab stop: the newest job first.
  await tabTo(page, /^#\d+ GET \/sleep on worker \d/);
  const jobs = page.getByRole('listbox', { name: /Jobs in the timeline window/ });
  const tabStops = jobs.locator('[role=option][tabindex="0"]');
  await expect(tabStops).toHaveCount(1);
  await expect(tabStops).toBeFocused();
  const newestId = await jobs.locator('[role=option]:focus').getAttribute('data-request-id');
  await page.keyboard.press('Home');
  const oldest = jobs.locator('[role=option]:focus');
  const oldestId = await oldest.getAttribute('data-request-id');
  expect(Number(oldestId)).toBeLessThan(Number(newestId));
  expect((await focusRingOfActiveElement(page)).ring).not.toBe('none');
  // Focus shows the job in the details panel, as hovering does.
  await expect(page.getByTestId('request-details').getByRole('heading')).toHaveText(`Request #${oldestId}`);

  await page.keyboard.press('Enter');
  await expect(jobs.locator(`[role=option][data-request-id="${oldestId}"]`)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(jobs.locator('[role=option]:focus')).not.toHaveAttribute('data-request-id', oldestId!);
  // Leaving the list, the pinned job stays in the details panel.
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('request-details').getByRole('heading')).toHaveText(`Request #${oldestId}`);
  await expect(tabStops).toHaveCount(1);

  await expect(page.locator('[data-testid=timeline-bar][data-status="200"]')).toHaveCount(8, { timeout: 20_000 });
});
