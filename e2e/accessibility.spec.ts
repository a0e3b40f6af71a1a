// Story 6: a person using a screen reader. axe-core finds no serious or critical problem in the dashboard
// at rest, while a /sleep burst fills the pool, or once the pool is stopped; the timeline's jobs have names
// in words; and a polite live region sums up the pool, at most every few seconds, ending on the latest state.
import { MIN_ANNOUNCEMENT_INTERVAL_MS } from '../src/renderer/components/pool-announcements';
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { expectBusyAndQueued, fireSleepBurst, startFromUi } from './support/ui';

test('the dashboard has no serious or critical axe violations at rest, during a /sleep burst and after a stop', async ({
  page,
  dashboard,
}) => {
  expect(await seriousAxeViolations(page)).toEqual([]);

  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: 4000 });
  await fireSleepBurst(page, 8);
  await expectBusyAndQueued(page, { busy: 4, queued: 4 });
  await expect(page.getByRole('option').first()).toBeAttached();
  expect(await seriousAxeViolations(page)).toEqual([]);

  // Once the burst is over, a stop joins the workers at once; the joined workers must still read well.
  await expect(page.locator('[data-testid=timeline-bar][data-status="200"]')).toHaveCount(8, { timeout: 20_000 });
  await page.getByRole('button', { name: 'Stop server' }).click();
  await expect(page.locator('[data-testid=worker][data-state=exited]')).toHaveCount(4, { timeout: 20_000 });
  expect(await seriousAxeViolations(page)).toEqual([]);
});

test("the timeline's jobs have names, and a live region sums up the pool as the burst runs and ends", async ({ page, dashboard }) => {
  const announcement = page.getByTestId('workers-announcement');
  await expect(announcement).toHaveAttribute('aria-live', 'polite');

  // The first wave sleeps twice the announcement interval: the full pool is said while it lasts, however
  // the first change of the burst fell within an interval.
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: 2 * MIN_ANNOUNCEMENT_INTERVAL_MS });
  await expect(announcement).toHaveText('0 of 4 workers busy, no jobs waiting');
  await fireSleepBurst(page, 8);
  // Once the pool is full (which a loaded machine may take seconds to reach after the click), it is said while it
  // lasts: at most an interval later, and the words stay until the pool changes again, a whole first wave later.
  await expectBusyAndQueued(page, { busy: 4, queued: 4 });
  await expect(announcement).toHaveText('4 of 4 workers busy, 4 jobs waiting');

  const jobs = page.getByRole('listbox', { name: /Jobs in the timeline window/ });
  await expect(
    jobs.getByRole('option', { name: /^#\d+ GET \/sleep on worker \d, burst, running, waited .+, running for .+$/ }),
  ).toHaveCount(4);

  await expect(announcement).toHaveText('0 of 4 workers busy, no jobs waiting', { timeout: 20_000 });
  await expect(jobs.getByRole('option', { name: /^#\d+ GET \/sleep on worker \d, burst, status 200, waited .+, ran .+$/ })).toHaveCount(8);
});
