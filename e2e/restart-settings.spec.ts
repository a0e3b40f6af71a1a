// Story 12: a developer tries another pool size. While the server runs, editing a setting says it applies on
// restart and offers Restart with these settings, while the status shows the running settings; the restart is one
// command (a graceful stop, then a start) with its progress on the button; invalid settings are refused without
// stopping anything; and a page that opens shows the running settings, without replacing what the person types into
// a field as it connects. axe stays clean throughout.
import { DASHBOARD_WS_PATH } from '../src/shared/wire';
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { screenshotPath, startFromUi } from './support/ui';

test('Restart with these settings stops gracefully and starts again with the new pool size, refusing invalid settings', async ({
  page,
  dashboard,
}) => {
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 2, sleepMs: 3000 });
  const runningSettings = page.getByTestId('running-settings');
  await expect(runningSettings).toContainText('Pool size 2');
  await expect(page.getByTestId('restart-button')).toHaveCount(0);

  // Editing a setting of the running server: it applies on restart, and the restart is offered.
  await page.getByLabel('Pool size', { exact: true }).fill('3');
  await expect(page.getByTestId('restart-hint')).toHaveText('Pool size applies on restart');
  const restart = page.getByTestId('restart-button');
  await expect(restart).toHaveText('Restart with these settings');
  await expect(runningSettings).toContainText('Pool size 2');
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: screenshotPath('12-applies-on-restart') });

  // A job in flight: the restart's stop is graceful, so it is answered before the pool is joined.
  await page.getByLabel('Burst size', { exact: true }).fill('1');
  await page.getByRole('button', { name: 'Fire /sleep burst' }).click();
  await expect(page.locator('[data-testid=worker][data-state=busy]')).toHaveCount(1);
  await restart.click();
  await expect(restart).toHaveAttribute('aria-busy', 'true');
  await expect(restart).toHaveText(/^Restarting: (stopping|starting)…$/);
  await page.screenshot({ path: screenshotPath('12-restarting') });

  await expect(page.getByTestId('server-status')).toContainText(`Listening on http://127.0.0.1:${dashboard.bookPort}`, { timeout: 30_000 });
  await expect(runningSettings).toContainText('Pool size 3');
  await expect(page.getByTestId('worker')).toHaveCount(3);
  await expect(page.getByTestId('restart-button')).toHaveCount(0);
  await expect(page.getByTestId('restart-hint')).toHaveCount(0);
  await expect(page.locator('[data-testid=timeline-bar][data-status="200"]')).toHaveCount(1);
  // Polled: the log's new lines can come a frame after the status and the cards show the restart done.
  await expect(page.getByTestId('log')).toHaveText(/Shutting down\.[\s\S]*Worker 1 disconnected; shutting down\.[\s\S]*with 3 workers/);

  // Invalid settings: the restart is refused with the reason, on the field, and the server keeps running.
  await page.getByLabel('Pool size', { exact: true }).fill('0');
  await expect(restart).toHaveAttribute('aria-disabled', 'true');
  await expect(page.getByLabel('Pool size', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await restart.click({ force: true });
  await expect(
    page.getByRole('status').filter({ hasText: /Not restarted until the settings are fixed: Pool size must be at least 1/ }),
  ).toBeVisible();
  await expect(page.getByTestId('server-status')).toContainText('Listening');
  await expect(page.getByTestId('worker')).toHaveCount(3);
  expect(await seriousAxeViolations(page)).toEqual([]);

  // A page that opens shows what runs, never the input that was refused.
  await page.reload();
  await expect(page.getByLabel('Pool size', { exact: true })).toHaveValue('3');
  await expect(page.getByTestId('running-settings')).toContainText('Pool size 3');
  await expect(page.getByTestId('restart-button')).toHaveCount(0);
});

test.describe('a page that connects while the person is in a settings field', () => {
  test.use({ dashboardArgs: ['--start', '--sleep-ms', '1500'] });

  test("keeps the text they type over, and shows the server's settings once they leave the field untouched", async ({
    dashboard,
    context,
  }) => {
    const page = await context.newPage();
    // The dashboard's frames are held on their way to the page until the person is in Port, then let through: the
    // page connects between their click and their typing, as it may on a loaded machine or a slow link.
    // Each page load's socket holds its own frames: none of an unloaded page's reaches the next one.
    let isHolding = true;
    let current: { send(message: string | Buffer): void; held: Array<string | Buffer> } | null = null;
    await page.routeWebSocket(`**${DASHBOARD_WS_PATH}`, (socket) => {
      const own = { send: (message: string | Buffer) => socket.send(message), held: [] as Array<string | Buffer> };
      current = own;
      socket.connectToServer().onMessage((message) => (isHolding ? own.held.push(message) : own.send(message)));
    });
    const release = async (): Promise<void> => {
      // Once this page's socket has its first frame held; from then on frames pass straight through.
      await expect.poll(() => current?.held.length ?? 0).toBeGreaterThan(0);
      isHolding = false;
      for (const message of current!.held.splice(0)) current!.send(message);
      await expect(page.getByTestId('running-settings')).toContainText('Sleep (ms) 1500');
    };
    const port = page.getByLabel('Port', { exact: true });
    const sleepMs = page.getByLabel('Sleep (ms)', { exact: true });

    await page.goto(dashboard.dashboardUrl);
    await port.selectText(); // focused, its text selected, as a click and a select-all leave it
    await expect(port).toHaveValue('7878');
    await release();
    await page.keyboard.insertText('9000');
    await expect(port).toHaveValue('9000');
    await expect(page.getByTestId('restart-hint')).toHaveText('Port applies on restart');

    // In the field without typing: on leaving it, the form shows what the server runs with.
    isHolding = true;
    current = null;
    await page.reload();
    await port.focus();
    await release();
    await expect(sleepMs).toHaveValue('5000');
    await page.keyboard.press('Tab');
    await expect(port).toHaveValue(String(dashboard.bookPort));
    await expect(sleepMs).toHaveValue('1500');
  });
});
