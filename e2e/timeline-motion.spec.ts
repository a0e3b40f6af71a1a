// The timeline's data layer while the server is saturated: it steps with each frame instead of sliding between them
// (no compositor animation a device pixel at a time, whose frames would take CPU from a server with none to spare), as
// the status's "Server saturated" note says; at the usual pace it slides again, and paused it stands still. The frames'
// pace is rewritten on their way to the page (otherwise the dashboard's own frames): saturating this machine's server
// on purpose would make the story as slow and as uncertain as the machine.
import type { Page } from '@playwright/test';
import { DASHBOARD_WS_PATH, type FramePace } from '../src/shared/wire';
import { expect, test } from './support/dashboard';

test.use({ dashboardArgs: ['--start', '--workers', '4'], viewport: { width: 1280, height: 800 } });

const SATURATED_PACE: FramePace = { reason: 'saturated', intervalMs: 500, serverBusyFraction: 0.93 };

/** What the page's element offers here (this project's Node-side types know no Web Animations). */
interface AnimatedElement {
  getAnimations(options: { subtree: boolean }): Array<{ playState: string }>;
}

/** The Web Animations running on the timeline's data layer (its slide, while there is one). */
function runningSlides(page: Page): Promise<number> {
  return page
    .getByTestId('timeline-data')
    .evaluate(
      (layer) =>
        (layer as unknown as AnimatedElement).getAnimations({ subtree: true }).filter((animation) => animation.playState === 'running')
          .length,
    );
}

test('while the server is saturated the timeline steps with each frame instead of sliding, and slides again after', async ({
  dashboard,
  context,
}) => {
  const page = await context.newPage();
  let isSaturated = true;
  await page.routeWebSocket(`**${DASHBOARD_WS_PATH}`, (socket) => {
    const server = socket.connectToServer();
    server.onMessage((message) => {
      if (isSaturated && typeof message === 'string') {
        const frame = JSON.parse(message);
        if (frame.kind === 'frame' && frame.pace !== undefined) {
          socket.send(JSON.stringify({ ...frame, pace: SATURATED_PACE }));
          return;
        }
      }
      socket.send(message);
    });
  });
  await page.goto(dashboard.dashboardUrl);
  const layer = page.getByTestId('timeline-data');

  // Saturated: the note says why the view updates less often, and the data layer steps, with no slide running.
  await expect(page.getByTestId('frame-pace')).toHaveAttribute('data-pace', 'saturated');
  await expect(layer).toHaveAttribute('data-motion', 'step');
  // Over several frames (they come at least once a second at rest), it never starts sliding.
  for (let look = 0; look < 6; look++) {
    expect(await runningSlides(page)).toBe(0);
    await page.waitForTimeout(500);
  }
  await expect(layer).toHaveAttribute('data-motion', 'step');

  // The server's own pace again: the note goes, and the layer slides between its paints as before.
  isSaturated = false;
  await expect(page.getByTestId('frame-pace')).toHaveCount(0);
  await expect(layer).toHaveAttribute('data-motion', 'slide');
  await expect.poll(() => runningSlides(page)).toBe(1);

  // Paused, the picture stands still: no slide.
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(layer).toHaveAttribute('data-motion', 'repaint');
  await expect.poll(() => runningSlides(page)).toBe(0);
});
