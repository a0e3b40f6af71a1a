// `npm start`: make sure Electron's binary is there (fetching it once if it is not), build with
// electron-vite, then run the app. Where the binary cannot be had it says so in one line and points to the dashboard.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** One attempt, bounded: an offline machine must get its answer, not a hang or a retry loop. */
const DOWNLOAD_TIMEOUT_MS = 60_000;
const DASHBOARD_HINT = 'Run the same UI in your browser instead: npm run dashboard';

const require = createRequire(join(PROJECT_ROOT, 'package.json'));

function fail(message) {
  process.stderr.write(`Poolscope: ${message}\n`);
  process.exit(1);
}

/** The first line of the installer's error, so the one line we print says why (e.g. "fetch failed"). */
function firstErrorLine(output) {
  const line = output
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('at ') && !l.startsWith('Downloading'));
  return line ? line.replace(/^[A-Za-z]*Error: /, '').slice(0, 160) : null;
}

/**
 * Where the binary is, by the same rules as node_modules/electron/index.js, but without its side effect:
 * requiring that file downloads synchronously with no time limit when the binary is missing.
 */
function locateElectronBinary(electronPackageDir) {
  const pathFile = join(electronPackageDir, 'path.txt');
  const relativePath = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : null;
  const overrideDir = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (overrideDir) return join(overrideDir, relativePath || 'electron');
  return relativePath ? join(electronPackageDir, 'dist', relativePath) : null;
}

function ensureElectronBinary() {
  let electronPackageDir;
  try {
    electronPackageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    fail(`the electron package is not installed; run npm install. ${DASHBOARD_HINT}`);
  }

  const found = locateElectronBinary(electronPackageDir);
  if (found && existsSync(found)) return found;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    fail(`ELECTRON_OVERRIDE_DIST_PATH is set but ${found} does not exist. ${DASHBOARD_HINT}`);
  }

  // Electron's package fetches its binary on first use; that is this one attempt. The progress note is
  // shown only on a terminal and erased afterwards, so the outcome is always exactly one line.
  const showsProgress = process.stderr.isTTY === true;
  if (showsProgress) process.stderr.write('Poolscope: fetching the Electron binary (first launch)…');
  const install = spawnSync(process.execPath, [join(electronPackageDir, 'install.js')], {
    cwd: electronPackageDir,
    encoding: 'utf8',
    timeout: DOWNLOAD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  if (showsProgress) process.stderr.write('\r\x1b[2K');
  const installed = locateElectronBinary(electronPackageDir);
  if (install.status === 0 && installed && existsSync(installed)) return installed;

  const reason =
    install.error?.code === 'ETIMEDOUT'
      ? `no answer within ${DOWNLOAD_TIMEOUT_MS / 1000} s`
      : (firstErrorLine(`${install.stderr ?? ''}\n${install.stdout ?? ''}`) ?? install.error?.message ?? 'unknown error');
  fail(`the Electron binary could not be downloaded (offline? ${reason}). ${DASHBOARD_HINT}`);
}

function build() {
  const electronVite = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  const result = spawnSync(process.execPath, [electronVite, 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function launch(electronBinary) {
  const env = { ...process.env };
  // Inherited from a parent that runs Electron as Node, it would turn the app into a bare Node process.
  delete env.ELECTRON_RUN_AS_NODE;
  const app = spawn(electronBinary, [PROJECT_ROOT], { cwd: PROJECT_ROOT, stdio: 'inherit', env });
  // The app quits gracefully on these (it finishes running requests first); pass them on, do not die first.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => app.kill(signal));
  app.on('error', (error) => fail(`could not run ${electronBinary}: ${error.message}. ${DASHBOARD_HINT}`));
  app.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const electronBinary = ensureElectronBinary();
build();
launch(electronBinary);
