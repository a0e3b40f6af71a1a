// Story 4: stopping the server mid-burst is graceful: every in-flight and queued request still gets its
// response, the workers are joined one by one in id order, and the status ends at Stopped.
import { httpGet } from '../test/support/http-client';
import { expect, test } from './support/dashboard';
import { fireSleepBurst, screenshotPath, startFromUi } from './support/ui';

/**
 * The burst's sleepers hold both workers this long: the window in which the test must see them busy, queue four
 * more requests, see them queued and click Stop. Wide on purpose, so a loaded 2-core machine still fits it all in.
 */
const SLEEP_MS = 5000;
/**
 * The four queued requests sleep (`?ms=`) long enough that the stop lasts a few seconds after the sleepers end (two
 * rounds on two workers), so "Stopping" is on screen to be seen even when the sleepers were nearly done at the click.
 */
const QUEUED_SLEEP_MS = 1_500;

test('Stop server during a burst answers every request, then joins workers 0, 1 in order', async ({ page, dashboard }) => {
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 2, sleepMs: SLEEP_MS });
  await fireSleepBurst(page, 2);
  await expect(page.locator('[data-testid=worker][data-state=busy]')).toHaveCount(2);
  // Four more from outside, so the test itself can see that each one is answered.
  const outside = Array.from({ length: 4 }, () => httpGet(dashboard.bookPort, `/sleep?ms=${QUEUED_SLEEP_MS}`));
  await expect(page.getByTestId('queue-item')).toHaveCount(4);

  // Stop is clicked only once the queued state is on screen: the stop must take queued work with it.
  await page.getByRole('button', { name: 'Stop server' }).click();
  await expect(page.getByTestId('server-status')).toContainText('Stopping');
  await page.screenshot({ path: screenshotPath('4-stopping') });

  const responses = await Promise.all(outside);
  expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  await expect(page.getByTestId('server-status')).toContainText('Stopped');
  await expect(page.locator('[data-testid=worker][data-state=exited]')).toHaveCount(2);
  await expect(page.locator('[data-testid=timeline-bar][data-status="200"]')).toHaveCount(6);

  const shutdownLines = async () =>
    (await page.getByTestId('log').innerText())
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^(Shutting down|Worker \d+ disconnected)/.test(line));
  await expect
    .poll(shutdownLines)
    .toEqual([
      'Shutting down.',
      'Shutting down worker 0',
      'Worker 0 disconnected; shutting down.',
      'Shutting down worker 1',
      'Worker 1 disconnected; shutting down.',
    ]);
  await page.screenshot({ path: screenshotPath('4-stopped') });
});
