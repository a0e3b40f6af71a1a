// Story 1: a person starts the server from the UI; the status says where it listens, and a plain HTTP
// client gets the book's hello page — and shows up in the UI as an external request.
import { httpGet } from '../test/support/http-client';
import { expect, test } from './support/dashboard';
import { screenshotPath, startFromUi } from './support/ui';

test('Start server shows the listening address, and GET / from outside gets the hello page', async ({ page, dashboard }) => {
  await expect(page.getByTestId('server-status')).toContainText('Stopped');
  await startFromUi(page, { port: dashboard.bookPort });

  const response = await httpGet(dashboard.bookPort, '/', { 'User-Agent': 'curl/8.5.0' });
  expect(response.status).toBe(200);
  expect(response.body).toContain('Hi from Poolscope');

  const bar = page.locator('[data-testid=timeline-bar][data-path="/"]');
  await expect(bar).toHaveCount(1);
  await expect(bar).toHaveAttribute('data-origin', 'external');
  await expect(bar).toHaveAttribute('data-status', '200');
  await expect(page.getByTestId('log')).toContainText(/Worker \d got a job; executing\./);
  await page.screenshot({ path: screenshotPath('1-listening') });
});
