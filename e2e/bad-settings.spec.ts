// Story 5: bad settings get a clear message in the UI and nothing crashes: a pool of 0 workers is refused
// with the reason, a port in use is reported as such and marks the port field, a reload shows the last good
// settings rather than the refused ones, and the server then starts fine on a free port.
import { occupyPort } from '../test/support/ports';
import { expect, test } from './support/dashboard';
import { screenshotPath, startFromUi } from './support/ui';

test('pool size 0 and a port in use each get a clear message, and the app still starts afterwards', async ({ page, dashboard }) => {
  const alert = page.getByRole('alert');

  await page.getByLabel('Pool size', { exact: true }).fill('0');
  // The reason shows inline as it is typed, on the field it names and no other.
  await expect(page.getByTestId('settings-error')).toHaveText('Pool size must be at least 1: a pool of 0 workers could never run a job');
  await expect(page.getByLabel('Pool size', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('input[aria-invalid]')).toHaveCount(1);
  await page.getByRole('button', { name: 'Start server' }).click();
  await expect(alert.first()).toContainText('Pool size must be at least 1');
  await expect(page.getByTestId('server-status')).toContainText('Stopped');
  await page.screenshot({ path: screenshotPath('5-pool-size-0') });

  const { port: busyPort, release } = await occupyPort();
  try {
    await page.getByLabel('Pool size', { exact: true }).fill('4');
    await page.getByLabel('Port', { exact: true }).fill(String(busyPort));
    await page.getByRole('button', { name: 'Start server' }).click();
    await expect(alert.first()).toContainText(`Port ${busyPort} is already in use`);
    await expect(page.getByTestId('server-status')).toContainText('Stopped');
    // The server's refusal is placed on the field it is about, not only in a message.
    const portField = page.getByLabel('Port', { exact: true });
    await expect(portField).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('settings-error')).toContainText(`Port ${busyPort} is already in use`);
    // The earlier message is still there under the new one: neither replaced the other silently.
    await expect(page.getByTestId('ui-message')).toHaveText([
      new RegExp(`^Port ${busyPort} is already in use`),
      /^Pool size must be at least 1/,
    ]);
    await page.screenshot({ path: screenshotPath('5-port-in-use') });

    // A page that opens now shows the settings the server last ran with (the initial ones), never the refused input.
    await page.reload();
    await expect(page.getByLabel('Port', { exact: true })).toHaveValue(String(dashboard.bookPort));
    await expect(page.locator('input[aria-invalid]')).toHaveCount(0);
  } finally {
    await release();
  }

  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4 });
  await expect(page.getByTestId('worker')).toHaveCount(4);
});

test("a setting's or a burst's message never moves what lies below, and a burst's sits at the end of its row", async ({ page }) => {
  // A laptop's width, where the bursts take a row of their own under the settings.
  await page.setViewportSize({ width: 1366, height: 768 });
  const statistics = page.getByRole('region', { name: 'Statistics' });
  await expect(statistics).toBeVisible();
  const statisticsTop = async (): Promise<number> => (await statistics.boundingBox())!.y;
  const before = await statisticsTop();

  await page.getByLabel('Burst size', { exact: true }).fill('0');
  const burstError = page.getByTestId('burst-error').filter({ hasText: /\S/ });
  await expect(burstError).toHaveText('Burst size must be between 1 and 5000 (got 0)');
  const fireGet = (await page.getByRole('button', { name: 'Fire GET / burst' }).boundingBox())!;
  const error = (await burstError.boundingBox())!;
  expect(error.x).toBeGreaterThan(fireGet.x + fireGet.width);
  expect(error.y).toBeLessThan(fireGet.y + fireGet.height);
  expect(await statisticsTop()).toBe(before);

  await page.getByLabel('Pool size', { exact: true }).fill('0');
  await expect(page.getByTestId('settings-error')).toContainText('Pool size must be at least 1');
  expect(await statisticsTop()).toBe(before);
  await page.screenshot({ path: screenshotPath('5-messages-in-place') });
});
