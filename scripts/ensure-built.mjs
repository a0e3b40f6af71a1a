// Builds out/ (electron-vite build) when it is missing or older than any source it is built from, so
// `npm run serve` and `npm run dashboard` always run the JavaScript of the tree they are in, and skip the
// build when nothing changed. One build at a time: programs started together wait for the first one's build.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What the build reads: a change to any of these makes out/ stale. */
const INPUTS = [
  'src',
  'electron.vite.config.ts',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.base.json',
  'tsconfig.node.json',
  'tsconfig.web.json',
];
/** The build's outputs the npm scripts run; the oldest of them is the build's age. */
const OUTPUTS = ['out/main/serve.js', 'out/main/dashboard.js', 'out/main/request-worker.js', 'out/renderer/index.html'];
const LOCK_DIR = join(ROOT, 'out', '.build-lock');
/** A lock this old was left by a build that died: take it over. */
const STALE_LOCK_MS = 5 * 60_000;
const POLL_MS = 250;

function newestMtimeMs(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name)));
  return newest;
}

function isFresh() {
  let builtAtMs = Number.POSITIVE_INFINITY;
  for (const output of OUTPUTS) {
    try {
      builtAtMs = Math.min(builtAtMs, statSync(join(ROOT, output)).mtimeMs);
    } catch {
      return false;
    }
  }
  return INPUTS.every((input) => newestMtimeMs(join(ROOT, input)) <= builtAtMs);
}

function tryLock() {
  try {
    mkdirSync(LOCK_DIR, { recursive: false });
    return true;
  } catch (error) {
    if (error.code === 'ENOENT') {
      mkdirSync(join(ROOT, 'out'), { recursive: true });
      return tryLock();
    }
    if (error.code !== 'EEXIST') throw error;
    if (Date.now() - statSync(LOCK_DIR).mtimeMs > STALE_LOCK_MS) {
      rmSync(LOCK_DIR, { recursive: true, force: true });
      return tryLock();
    }
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

if (!isFresh()) {
  while (!tryLock()) await sleep(POLL_MS);
  try {
    // Another program may have built while this one waited.
    if (!isFresh()) {
      const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'electron-vite'), ['build', '--logLevel', 'warn'], {
        cwd: ROOT,
        stdio: 'inherit',
      });
      if (result.status !== 0) {
        process.stderr.write('poolscope: the build failed (see above)\n');
        process.exitCode = 1;
      }
    }
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}
