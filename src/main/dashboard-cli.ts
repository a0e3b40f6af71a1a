// `npm run dashboard`: the Poolscope UI in any browser. Runs the server controller headless and serves the
// built renderer on a loopback port. Exit codes: 0 after a graceful stop, 1 when the UI port is taken, 2 for a bad flag.

import { fileURLToPath } from 'node:url';
import { runCli, stopOnSignals } from '../cli/program';
import { countOf } from '../shared/plural';
import { DASHBOARD_HELP, parseDashboardArgs } from './dashboard-args';
import { startDashboard } from './dashboard-server';
import { EventPublisher } from './publisher';
import { ServerController } from './server-controller';

const PROGRAM = 'poolscope dashboard';
const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer/', import.meta.url));

async function main(): Promise<number> {
  const args = parseDashboardArgs(process.argv.slice(2));
  if (args.isHelp) {
    process.stdout.write(`${DASHBOARD_HELP}\n`);
    return 0;
  }

  const controller = new ServerController({ initialSettings: args.initialSettings });
  const publisher = new EventPublisher(controller);
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  try {
    dashboard = await startDashboard({ controller, publisher, uiHost: args.uiHost, uiPort: args.uiPort, rendererDir: RENDERER_DIR });
  } catch (error) {
    const message = (error as Error).message;
    const hint = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ' (choose another with --ui-port)' : '';
    process.stderr.write(`${message}${hint}\n`);
    return 1;
  }

  /** The url last announced as listening, until the server stops. */
  let announcedUrl: string | null = null;
  controller.onStatusChange((status) => {
    if (status.phase === 'listening' && status.url !== announcedUrl) {
      announcedUrl = status.url;
      process.stdout.write(`Book server listening on ${status.url} with ${countOf(status.settings.workerCount, 'worker')}\n`);
    } else if (status.phase === 'stopped' && announcedUrl !== null) {
      announcedUrl = null;
      process.stdout.write('Book server stopped.\n');
    }
  });

  process.stdout.write(`Poolscope dashboard: ${dashboard.url}\nOpen it in a browser; Ctrl-C stops the dashboard and the server.\n`);

  const stopped = new Promise<void>((resolve) => {
    stopOnSignals(
      PROGRAM,
      () => {
        void (async () => {
          await controller.dispose();
          publisher.dispose();
          await dashboard.close();
          resolve();
        })();
      },
      { whatItWaitsFor: 'running requests finish first' },
    );
  });

  if (args.shouldStartServer) {
    const result = await controller.execute({ type: 'start-server', settings: args.initialSettings });
    if (!result.ok) process.stderr.write(`${PROGRAM}: the book server did not start: ${result.error}\n`);
  }

  await stopped;
  return 0;
}

runCli(PROGRAM, main);
