// `npm start`: make sure Electron's binary is there (fetching it once if it is not), build with electron-vite,
// then run the app. `npm run dev` (`--dev`): the same check, then electron-vite's dev mode (the renderer from
// Vite's dev server, hot-reloading). Where the binary cannot be had either says so in one line and points to the dashboard.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateElectronBinary } from './electron-binary.mjs';

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** One attempt, bounded: an offline machine must get its answer, not a hang or a retry loop. */
const DOWNLOAD_TIMEOUT_MS = 60_000;
const isDev = process.argv.slice(2).includes('--dev');
const DASHBOARD_HINT = `Run the same UI in your browser instead: npm run ${isDev ? 'dashboard:dev' : 'dashboard'}`;

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

const ELECTRON_VITE = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');

function build() {
  const result = spawnSync(process.execPath, [ELECTRON_VITE, 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Runs `command` in the foreground and exits with its code. */
function runInForeground(command, args, extraEnv = {}) {
  const env = { ...process.env, ...extraEnv };
  // Inherited from a parent that runs Electron as Node, it would turn the app into a bare Node process.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(command, args, { cwd: PROJECT_ROOT, stdio: 'inherit', env });
  // The app quits gracefully on these (it finishes running requests first); pass them on, do not die first.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => fail(`could not run ${command}: ${error.message}. ${DASHBOARD_HINT}`));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const electronBinary = ensureElectronBinary();
if (isDev) {
  // electron-vite reads this before the electron package's path.txt, which knows nothing of ELECTRON_OVERRIDE_DIST_PATH.
  runInForeground(process.execPath, [ELECTRON_VITE, 'dev'], { ELECTRON_EXEC_PATH: electronBinary });
} else {
  build();
  runInForeground(electronBinary, [PROJECT_ROOT]);
}
