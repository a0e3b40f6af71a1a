// `npm run dashboard:dev`: the browser dashboard while the renderer is being worked on. Vite rebuilds the renderer
// into out/renderer on every change (electron-vite's own renderer config, in watch mode) and the dashboard serves
// that folder uncached, so reloading the page shows the change. Takes the dashboard's flags
// (`npm run dashboard:dev -- --workers 2 --start`); Ctrl-C or SIGTERM stops the dashboard as `npm run dashboard` would.

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from 'electron-vite';
import { build } from 'vite';

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROGRAM = 'poolscope dashboard:dev';
/**
 * One Ctrl-C can reach this process twice: from the terminal, and again from npm, which forwards signals to the
 * script's shell (a shell that hands over to this process with exec passes them on). Copies closer together than
 * this are one keypress; the dashboard takes a second, later SIGINT as "stop now".
 */
const SIGNAL_ECHO_MS = 500;

function fail(message) {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(1);
}

/** Builds the renderer and keeps rebuilding it on change; resolves once the first build is over, failed or not. */
async function watchRenderer() {
  // Unminified: rebuilds are faster and stack traces readable. Everything else is the shipped build's config.
  const { config } = await resolveConfig({ build: { watch: {}, minify: false } }, 'build', 'production');
  if (!config?.renderer) fail('electron.vite.config.ts has no renderer build');
  const watcher = await build(config.renderer);
  let isFirstBuild = true;
  await new Promise((firstBuildOver) => {
    watcher.on('event', (event) => {
      if (event.code === 'BUNDLE_END' || event.code === 'ERROR') event.result?.close();
      if (event.code === 'END' && !isFirstBuild) process.stdout.write(`${PROGRAM}: renderer rebuilt; reload the page to see it\n`);
      if (event.code === 'END' || event.code === 'ERROR') {
        isFirstBuild = false;
        firstBuildOver();
      }
    });
  });
  return watcher;
}

/**
 * The dashboard in its own process group, so that it gets each signal once, from here: a terminal's Ctrl-C would
 * otherwise reach it directly as well as through this process.
 */
function runDashboard(args, watcher) {
  const dashboard = spawn(process.execPath, ['--import', 'tsx', 'src/main/dashboard-cli.ts', ...args], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    detached: true,
  });
  const lastForwardedAt = new Map();
  const forward = (signal) => {
    const now = Date.now();
    if (now - (lastForwardedAt.get(signal) ?? -Infinity) < SIGNAL_ECHO_MS) return;
    lastForwardedAt.set(signal, now);
    dashboard.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => forward(signal));
  // A closed terminal ends the dashboard as SIGTERM would, gracefully.
  process.on('SIGHUP', () => forward('SIGTERM'));
  // Whatever ends this process ends the dashboard too: it must not hold its ports as an orphan.
  process.on('exit', () => dashboard.kill('SIGKILL'));
  dashboard.on('error', (error) => fail(`could not run the dashboard: ${error.message}`));
  dashboard.on('exit', async (code, signal) => {
    await watcher.close();
    process.exit(code ?? (signal ? 1 : 0));
  });
}

const watcher = await watchRenderer();
runDashboard(process.argv.slice(2), watcher);
