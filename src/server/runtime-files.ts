// Where a program finds the pool's worker program and the book's pages: beside server.ts when it runs from
// source, beside its own bundle when it runs built (electron.vite.config.ts puts both at the top of out/main).

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RuntimeFiles {
  workerScript?: string;
  pagesDir?: string;
}

/**
 * For a program whose entry module is `entryUrl` (its import.meta.url). From source this returns nothing, so
 * the server's own defaults hold; built, the worker is plain JavaScript, loaded with no TypeScript loader.
 */
export function runtimeFilesFor(entryUrl: string): RuntimeFiles {
  if (!entryUrl.endsWith('.js')) return {};
  const bundleDir = dirname(fileURLToPath(entryUrl));
  return { workerScript: join(bundleDir, 'request-worker.js'), pagesDir: join(bundleDir, 'pages') };
}
