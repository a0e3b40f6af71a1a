// Flags of `npm run dashboard`: the serve flags (which become the controller's initial settings) plus
// where the dashboard itself listens. Same parser and same one-line errors as `npm run serve`.

import { parseServeFlags, parseWholeNumber, UsageError } from '../server/cli-args';
import { SETTINGS_LIMITS, type ServerSettings, validateSettings } from '../shared/commands';
import { DEFAULT_UI_HOST, DEFAULT_UI_PORT, isLoopbackHost } from './dashboard-server';

export interface DashboardArgs {
  /** What the Start button starts with until the page changes it. */
  initialSettings: ServerSettings;
  uiHost: string;
  uiPort: number;
  /** Start the book server at once instead of waiting for the Start button. */
  shouldStartServer: boolean;
  isHelp: boolean;
}

export const DASHBOARD_HELP = `Usage: npm run dashboard -- [options]

Serves the Poolscope UI on a loopback address; the book server starts from the page's Start button.

  --host HOST        interface the book server binds (default 127.0.0.1)
  --port N           the book server's TCP port, 0 for any free one (default 7878)
  --workers N        thread pool size, ${SETTINGS_LIMITS.minWorkerCount}..${SETTINGS_LIMITS.maxWorkerCount} (default 4)
  --sleep-ms N       how long GET /sleep blocks its worker (default 5000)
  --start            start the book server at once
  --ui-host HOST     where the dashboard listens: loopback only (default ${DEFAULT_UI_HOST})
  --ui-port N        the dashboard's port, 0 for any free one (default ${DEFAULT_UI_PORT})
  --help             show this help`;

const DASHBOARD_OPTIONS = {
  'ui-host': { type: 'string' },
  'ui-port': { type: 'string' },
  start: { type: 'boolean' },
} as const;

/** Throws UsageError with one line naming the problem. */
export function parseDashboardArgs(argv: string[]): DashboardArgs {
  const { flags, extra } = parseServeFlags(argv, DASHBOARD_OPTIONS);
  if (flags.stopAfterRequests !== undefined)
    throw new UsageError('--stop-after is not available in the dashboard; stop the server from the page');
  const settings = validateSettings({ host: flags.host, port: flags.port, workerCount: flags.workerCount, sleepMs: flags.sleepMs });
  if (!settings.ok) throw new UsageError(settings.error);
  const uiHost = (extra['ui-host'] as string | undefined) ?? DEFAULT_UI_HOST;
  if (!isLoopbackHost(uiHost)) throw new UsageError(`--ui-host must be a loopback address (127.0.0.1, ::1 or localhost), got "${uiHost}"`);
  return {
    initialSettings: settings.value,
    uiHost,
    uiPort: parseWholeNumber('ui-port', extra['ui-port'] as string | undefined, DEFAULT_UI_PORT, 0, SETTINGS_LIMITS.maxPort),
    shouldStartServer: extra.start === true,
    isHelp: flags.isHelp,
  };
}
