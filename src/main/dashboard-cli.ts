// `npm run dashboard`: the Poolscope UI in any browser. Runs the server controller headless and serves the
// built renderer on a loopback port; with --record FILE, streams every event of every server run to FILE.
// Exit codes: 0 after a graceful stop, 1 when the UI port is taken or the recording stopped early, 2 for a bad flag
// or a FILE that cannot be written.

import { fileURLToPath } from 'node:url';
import { runCli, stopOnSignals } from '../cli/program';
import { describeRecording, describeRecordingAtExit, RunRecorder, writeLineAtExit } from '../cli/run-recorder';
import { runtimeFilesFor } from '../server';
import { describeThreads } from '../shared/pool-model';
import { DASHBOARD_HELP, parseDashboardArgs } from './dashboard-args';
import { startDashboard } from './dashboard-server';
import { ServerController } from './server-controller';

const PROGRAM = 'poolscope dashboard';
const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer/', import.meta.url));

async function main(): Promise<number> {
  const args = parseDashboardArgs(process.argv.slice(2));
  if (args.isHelp) {
    process.stdout.write(`${DASHBOARD_HELP}\n`);
    return 0;
  }

  const controller = new ServerController({
    initialSettings: args.initialSettings,
    recorder: args.recorder,
    ...runtimeFilesFor(import.meta.url),
    warn: (line) => process.stderr.write(`${PROGRAM}: ${line}\n`),
  });
  // Opened first: a FILE that cannot be written is refused (exit 2) before anything listens.
  const recorder =
    args.recordFile === null
      ? null
      : RunRecorder.open(
          args.recordFile,
          { settings: controller.status.settings, startedAt: controller.events.now() },
          {
            onStop: (summary) => process.stderr.write(`${PROGRAM}: ${describeRecording(summary)}\n`),
            onExitFlushed: (summary) => writeLineAtExit(describeRecordingAtExit(summary)),
          },
        );
  const stopRecording = recorder === null ? null : controller.events.subscribe(recorder.record);
  const finishRecording = async (): Promise<number> => {
    if (recorder === null) return 0;
    stopRecording!();
    const recording = await recorder.close();
    process.stdout.write(`${describeRecording(recording)}\n`);
    return recording.stoppedBecause === null ? 0 : 1;
  };

  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  try {
    dashboard = await startDashboard({ controller, uiHost: args.uiHost, uiPort: args.uiPort, rendererDir: RENDERER_DIR });
  } catch (error) {
    const message = (error as Error).message;
    const hint = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ' (choose another with --ui-port)' : '';
    process.stderr.write(`${PROGRAM}: ${message}${hint}\n`);
    // Nothing was written: a FILE that held another run keeps it.
    stopRecording?.();
    recorder?.discard();
    return 1;
  }
  recorder?.begin();

  /** The url last announced as listening, until the server stops. */
  let announcedUrl: string | null = null;
  controller.onStatusChange((status) => {
    if (status.phase === 'listening' && status.url !== announcedUrl) {
      announcedUrl = status.url;
      process.stdout.write(`Book server listening on ${status.url} with ${describeThreads(status.settings)}\n`);
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
  return finishRecording();
}

runCli(PROGRAM, main);
