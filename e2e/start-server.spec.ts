// Story 1: a person starts the server from the UI; the status says where it listens, and a plain HTTP
// client gets the book's hello page — and shows up in the UI as an external request.
import { existsSync } from 'node:fs';
import { BUILT_DASHBOARD, DASHBOARD_READY_LINE, ensureBuilt } from '../test/support/dashboard-process';
import { httpGet } from '../test/support/http-client';
import { findFreePort } from '../test/support/ports';
import { ChildProgram } from '../test/support/processes';
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

test('Live charts right after Start server: a time axis in whole seconds, and Busy workers of the pool from the first frame', async ({
  page,
  dashboard,
}) => {
  // What the charts' canvases draw, from here on: uPlot writes its tick labels with fillText. (The spec runs under
  // Node's types, so the page code is text.)
  await page.evaluate(`(() => {
    const drawn = [];
    window.drawnTexts = drawn;
    const fillText = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
      if (drawn.length < 20000) drawn.push(String(text));
      return fillText.call(this, text, ...rest);
    };
  })()`);
  const busy = page.getByTestId('live-chart').and(page.locator('[data-series=busy-workers]'));
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4 });
  // The moment the status says it listens, the figure counts the pool (not "of —" until the next sample).
  expect(await busy.getAttribute('data-latest')).toMatch(/^\d+\.\d of 4$/);
  await expect(busy.locator('figcaption')).toHaveText(/^Busy workers \d+\.\d of 4$/);

  const points = Number(await busy.getAttribute('data-points'));
  await expect.poll(async () => Number(await busy.getAttribute('data-points'))).toBeGreaterThan(points + 2);
  const drawn = (await page.evaluate('window.drawnTexts')) as string[];
  const timeLabels = drawn.filter((text) => /^(\d{1,2}:)?\d{0,2}:\d{2}/.test(text));
  expect(timeLabels.length).toBeGreaterThan(0);
  // Whole seconds (":35", "10:23:40am"), never sub-second ticks (":34.200").
  expect(timeLabels.filter((text) => /:\d{2}\.\d/.test(text))).toEqual([]);
  await page.screenshot({ path: screenshotPath('1-live-charts-after-start') });
});

test("the p99 chart's tick labels are drawn whole: a sub-millisecond tick reads 0.50 ms, not 50 ms", async ({ page }) => {
  // Every text the p99 chart's canvas draws, with where its left end falls (uPlot writes its ticks with fillText).
  await page.addInitScript(`(() => {
    const drawn = [];
    window.drawnLabels = drawn;
    const fillText = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (text, x, ...rest) {
      const chart = this.canvas.closest('[data-series]');
      if (chart && chart.dataset.series === 'p99-latency' && drawn.length < 20000) {
        const width = this.measureText(String(text)).width;
        const align = this.textAlign;
        const left = align === 'right' || align === 'end' ? x - width : align === 'center' ? x - width / 2 : x;
        drawn.push({ text: String(text), left });
      }
      return fillText.call(this, text, x, ...rest);
    };
  })()`);
  await page.reload();
  // At rest the chart's scale runs from 0 to 1 ms: its middle tick is half a millisecond.
  await expect
    .poll(async () => ((await page.evaluate('window.drawnLabels')) as Array<{ text: string }>).map((label) => label.text))
    .toContain('0.50 ms');
  const labels = (await page.evaluate('window.drawnLabels')) as Array<{ text: string; left: number }>;
  expect(labels.filter((label) => label.left < 0)).toEqual([]);
});

// The server past its open-file limit holds fewer connections than it was asked to and answers the rest 503. A terminal
// shows that in one line; a person at the page (the Electron app has no terminal) reads it there, a late viewer too.
test.describe(() => {
  test.skip(!existsSync('/proc/self/limits'), 'the open-file limit is read from /proc on Linux only');

  test('a server started under a low open-file limit says at the page how many connections it holds', async ({ browser }) => {
    await ensureBuilt();
    const bookPort = await findFreePort();
    const args = [BUILT_DASHBOARD, '--ui-port', '0', '--port', String(bookPort), '--start'];
    const program = new ChildProgram(BUILT_DASHBOARD, '/bin/sh', ['-c', 'ulimit -n 256 && exec "$@"', 'sh', process.execPath, ...args]);
    try {
      const [, url] = await program.waitForOutput(DASHBOARD_READY_LINE, { stream: 'stdout' });
      const page = await browser.newPage();
      await page.goto(url!);
      await expect(page.getByTestId('server-status')).toContainText(`Listening on http://127.0.0.1:${bookPort}`);
      const notice = page.getByTestId('ui-message').filter({ hasText: 'open-file limit' });
      await expect(notice).toHaveText(
        /^The open-file limit \(ulimit -n\) is 256, so at most \d+ connections are held at once \(not 10,000\) and those past them get 503; raise the limit before starting to hold more\.$/,
      );
      await expect(notice).toHaveAttribute('role', 'status');
      await page.screenshot({ path: screenshotPath('1-open-file-limit') });
      // Once stopped, a viewer that opens the page is told nothing: the notice was the run's.
      await page.getByRole('button', { name: 'Stop server' }).click();
      await expect(page.getByTestId('server-status')).toContainText('Stopped');
      await page.reload();
      await expect(page.getByTestId('server-status')).toContainText('Stopped');
      await expect(page.getByTestId('ui-message')).toHaveCount(0);
      await page.close();
    } finally {
      await program.stop();
    }
  });
});
