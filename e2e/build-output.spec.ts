// The build holds everything the desktop app reads at run time: a packaged app has no src/, so the book
// server must run from out/ alone. Checked under plain Node (no Electron binary needed) right after the
// build `npm run test:e2e` makes: the built worker program serves the built pages.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startServer } from '../src/server';
import { httpGet } from '../test/support/http-client';
import { PROJECT_ROOT } from '../test/support/processes';

const OUT_MAIN = join(PROJECT_ROOT, 'out/main');
const PAGES_SOURCE = join(PROJECT_ROOT, 'src/server/pages');

test('out/main carries the book pages and the worker program, and the server runs from them alone', async () => {
  for (const name of readdirSync(PAGES_SOURCE)) {
    expect(readFileSync(join(OUT_MAIN, 'pages', name), 'utf8'), `out/main/pages/${name}`).toBe(
      readFileSync(join(PAGES_SOURCE, name), 'utf8'),
    );
  }
  // The Electron main finds them next to itself, never through the source tree.
  expect(readFileSync(join(OUT_MAIN, 'index.js'), 'utf8')).not.toMatch(/src\/server\/pages/);

  const server = await startServer({
    port: 0,
    workerCount: 1,
    pagesDir: join(OUT_MAIN, 'pages'),
    workerScript: join(OUT_MAIN, 'request-worker.js'),
  });
  try {
    const hello = await httpGet(server.port, '/');
    expect(hello.status).toBe(200);
    expect(hello.body).toBe(readFileSync(join(PAGES_SOURCE, 'hello.html'), 'utf8'));
    expect((await httpGet(server.port, '/nowhere')).status).toBe(404);
  } finally {
    await server.shutdown();
  }
});
