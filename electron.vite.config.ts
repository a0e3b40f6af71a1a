// Build layout for the Electron app and the browser dashboard: main (plus the pool's worker program, the
// book's pages and the `serve` and `dashboard` programs), preload (CommonJS, as sandboxed preloads must be)
// and the React renderer, all under out/.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

/** Where the server's pages live in the source tree, and where the built app finds them (next to its main bundle). */
const PAGES_SOURCE_DIR = resolve('src/server/pages');
const PAGES_OUT_DIR = 'pages';

/**
 * Emits the book's pages (hello.html, 404.html) into out/main/pages, so the app reads nothing from src/ at run
 * time (a packaged app has no src/). Rollup's own asset emission: no copy step, and a page edit rebuilds in watch mode.
 */
function bookPages(): Plugin {
  return {
    name: 'poolscope:book-pages',
    buildStart() {
      for (const name of readdirSync(PAGES_SOURCE_DIR)) {
        const file = join(PAGES_SOURCE_DIR, name);
        this.addWatchFile(file);
        this.emitFile({ type: 'asset', fileName: `${PAGES_OUT_DIR}/${name}`, source: readFileSync(file) });
      }
    },
  };
}

export default defineConfig({
  main: {
    plugins: [bookPages()],
    build: {
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          // The worker thread's program is its own entry: Worker() needs a file it can load by path.
          'request-worker': resolve('src/server/request-worker.ts'),
          // `npm run serve` and `npm run dashboard` run these, so no TypeScript loader runs in any thread.
          serve: resolve('src/server/cli.ts'),
          dashboard: resolve('src/main/dashboard-cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    build: {
      // POOLSCOPE_MINIFY=0 keeps the names readable in a profile (bench:ui --cpu-prof).
      minify: process.env.POOLSCOPE_MINIFY !== '0',
      // The charting library in its own file: it changes far less often than the app.
      rollupOptions: { input: resolve('src/renderer/index.html'), output: { manualChunks: { uplot: ['uplot'] } } },
    },
    plugins: [react()],
  },
});
