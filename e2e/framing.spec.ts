// Story: another site cannot show the dashboard inside a frame of its own, so it cannot trick a person into
// clicking Start server through a disguised page (clickjacking). The dashboard's pages say frame-ancestors 'none'.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './support/dashboard';

test('a page on another origin that frames the dashboard gets an empty, blocked frame', async ({ page, dashboard }) => {
  const hostile = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Win a prize</title><iframe id="bait" src="${dashboard.dashboardUrl}" width="1200" height="800"></iframe>`,
    );
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = hostile.address() as AddressInfo;
    // 'load' waits for the frame too, blocked or not, so what follows is its final state, not an early one.
    await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load' });
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame, 'the iframe exists').toBeDefined();
    expect(frame!.url()).not.toBe(dashboard.dashboardUrl);
    await expect(page.frameLocator('#bait').getByRole('button', { name: 'Start server' })).toHaveCount(0);
  } finally {
    await new Promise<void>((resolve) => hostile.close(() => resolve()));
  }
});
