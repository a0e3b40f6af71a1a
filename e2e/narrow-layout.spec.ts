// Story 9: a learner on a small laptop window, 800 px wide (the narrowest at which the README keeps the side column).
// The queue and the request details stay beside the workers and the timeline: scrolled down to the timeline and
// hovering a job, both are still on screen, and the details show the job under the pointer. axe stays clean.
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { expectBusyAndQueued, fireSleepBurst, screenshotPath, startFromUi } from './support/ui';

test.use({ viewport: { width: 800, height: 700 } });

test('at 800 px wide the queue and the request details stay in view beside the timeline', async ({ page, dashboard }) => {
  // The second wave waits a whole first one: long enough to scroll, hover and look while jobs still wait, even on a
  // heavily loaded 2-core machine, where these steps took over 6 s.
  await startFromUi(page, { port: dashboard.bookPort, poolSize: 4, sleepMs: 15_000 });
  await fireSleepBurst(page, 8);
  await expectBusyAndQueued(page, { busy: 4, queued: 4 });

  const timelineJob = page.locator('[data-testid=timeline-bar][data-path="/sleep"]').first();
  await timelineJob.scrollIntoViewIfNeeded();
  await timelineJob.hover();
  const requestId = await timelineJob.getAttribute('data-request-id');
  const details = page.getByTestId('request-details');
  await expect(details.getByRole('heading')).toHaveText(`Request #${requestId}`);
  // Its burst named in words: the User-Agent's "(burst 1 of 8)" is the first burst, of eight requests.
  await expect(details.getByTestId('detail-burst')).toHaveText("the app's burst #1, 8 requests");
  await expect(page.getByTestId('queue-item')).toHaveCount(4);

  const viewport = page.viewportSize()!;
  const onScreen = async (name: string, box: { x: number; y: number; width: number; height: number } | null) => {
    expect(box, `${name} is rendered`).not.toBeNull();
    expect(box!.y, `${name} starts on screen`).toBeGreaterThanOrEqual(0);
    // Within a pixel: a box scrolled to the viewport's edge may end a fraction of a pixel past it (subpixel layout).
    expect(box!.y + Math.min(box!.height, 120), `${name} shows on screen`).toBeLessThanOrEqual(viewport.height + 1);
    expect(box!.x + box!.width, `${name} is not cut off on the right`).toBeLessThanOrEqual(viewport.width);
  };
  await onScreen('the timeline job', await timelineJob.boundingBox());
  await onScreen('the queue', await page.getByRole('region', { name: 'Queue' }).boundingBox());
  await onScreen('the request details', await details.boundingBox());
  // Beside, not below: the queue is to the right of the timeline.
  const queue = (await page.getByRole('region', { name: 'Queue' }).boundingBox())!;
  const timeline = (await page.getByRole('region', { name: 'Timeline' }).boundingBox())!;
  expect(queue.x).toBeGreaterThanOrEqual(timeline.x + timeline.width);

  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: screenshotPath('9-narrow-900') });
});
