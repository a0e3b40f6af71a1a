// Opens a Chrome trace in the DevTools Performance panel itself: Chromium serves its own DevTools
// front end on its remote-debugging port, so the panel a person would use renders the trace offline.

import { type Browser, chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../../test/support/chromium';
import { findFreePort } from '../../test/support/ports';

export interface PerformancePanel {
  page: Page;
  /** The flame chart's track groups as the panel lists them, top to bottom, e.g. "Worker 0 (2)" (the tid in brackets). */
  trackNames(): Promise<string[]>;
  close(): Promise<void>;
}

// Heights of the flame chart's group headers at the default zoom, measured on Chromium 156.
const GROUP_HEADER_PX = 21;
const PROCESS_HEADER_OFFSET_PX = 25;
const FIRST_THREAD_HEADER_OFFSET_PX = 42;

/** Loads `traceJson` in the Performance panel, with the process and its first `threadCount` threads expanded. */
export async function openInPerformancePanel(
  traceJson: string,
  { threadCount, width = 1400, height = 800 }: { threadCount: number; width?: number; height?: number },
): Promise<PerformancePanel> {
  const port = await findFreePort();
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM_EXECUTABLE,
    args: [...CHROMIUM_ARGS, `--remote-debugging-port=${port}`],
  });
  const page = await browser.newPage({ viewport: { width, height } });
  const origin = `http://127.0.0.1:${port}`;
  await page.goto(`${origin}/devtools/trace_app.html`);
  await page.getByRole('tab', { name: 'Performance' }).waitFor();
  // The front end's own modules, as its "Load trace…" button would call them, without a file dialog.
  await page.evaluate(
    async ({ text, frontEnd }) => {
      const ui = await import(`${frontEnd}/devtools/ui/legacy/legacy.js`);
      await ui.ViewManager.ViewManager.instance().showView('timeline');
      const timeline = await import(`${frontEnd}/devtools/panels/timeline/timeline.js`);
      await timeline.TimelinePanel.TimelinePanel.instance().loadFromFile(new File([text], 'trace.json', { type: 'application/json' }));
    },
    { text: traceJson, frontEnd: origin },
  );
  // The panel runs without a page to debug and says so in a dialog; it shows its shortcuts once, a moment
  // after the chart first appears. Both would swallow the clicks that expand the tracks.
  const shortcuts = page.getByRole('dialog').filter({ hasText: 'Keyboard shortcuts for flame chart' });
  await shortcuts.waitFor({ timeout: 5_000 }).catch(() => {});
  const closeButtons = page.getByRole('dialog').getByRole('button', { name: 'Close' });
  for (let open = await closeButtons.count(); open > 0; open = await closeButtons.count()) await closeButtons.first().click();
  await page.getByRole('button', { name: 'Hide sidebar' }).click();
  const chart = await page.getByRole('tree', { name: 'Flame chart' }).boundingBox();
  if (!chart) throw new Error('the Performance panel shows no flame chart');
  const click = async (offsetY: number, x = 20) => {
    await page.mouse.click(chart.x + x, chart.y + offsetY);
    await page.waitForTimeout(400);
  };
  await click(PROCESS_HEADER_OFFSET_PX, 10);
  // Bottom up, so that expanding one thread does not move the headers still to click.
  for (let thread = threadCount - 1; thread >= 0; thread--) await click(FIRST_THREAD_HEADER_OFFSET_PX + thread * GROUP_HEADER_PX);
  // Off the chart, so no tooltip covers a picture taken now.
  await page.mouse.move(width - 1, height - 1);
  const trackNames = (): Promise<string[]> =>
    page.evaluate(async (frontEnd) => {
      const timeline = await import(`${frontEnd}/devtools/panels/timeline/timeline.js`);
      const chart = timeline.TimelinePanel.TimelinePanel.instance().getFlameChart();
      return chart
        .getMainDataProvider()
        .timelineData()
        .groups.map((group: { name: string }) => group.name);
    }, origin);
  return { page, trackNames, close: () => browser.close() };
}
