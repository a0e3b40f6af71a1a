// Flags of `npm run dashboard`: the server settings' flags (which become the controller's initial settings)
// plus where the dashboard itself listens. Same parser, help layout and one-line errors as `npm run serve`.

import {
  type FlagHelp,
  formatFlagHelp,
  HELP_FLAG,
  parseFlags,
  parseRecorderFlags,
  parseWholeNumberFlag,
  RECORDER_FLAG_OPTIONS,
  recorderFlagHelp,
  settingsFlagHelp,
  UsageError,
} from '../cli/flags';
import { RECORD_FLAG_HELP } from '../cli/run-recorder';
import { DEFAULT_RECORDER_SETTINGS, type RecorderSettings, SETTINGS, type ServerSettings } from '../shared/settings';
import { DEFAULT_UI_HOST, DEFAULT_UI_PORT, isLoopbackHost } from './dashboard-server';

export interface DashboardArgs {
  /** What the Start button starts with until the page changes it. */
  initialSettings: ServerSettings;
  /** The flight recorder's bounds (--history-s, --history-events). */
  recorder: RecorderSettings;
  uiHost: string;
  uiPort: number;
  /** Start the book server at once instead of waiting for the Start button. */
  shouldStartServer: boolean;
  /** --record FILE: every event of every server run streamed to FILE; null when absent. */
  recordFile: string | null;
  isHelp: boolean;
}

const DASHBOARD_FLAGS: FlagHelp[] = [
  { flag: 'start', help: 'start the book server at once' },
  { flag: 'ui-host', valueName: 'HOST', help: `where the dashboard listens: loopback only (default ${DEFAULT_UI_HOST})` },
  { flag: 'ui-port', valueName: 'N', help: `the dashboard's port, 0 for any free one (default ${DEFAULT_UI_PORT})` },
  RECORD_FLAG_HELP,
];

export const DASHBOARD_HELP = `Usage: npm run dashboard -- [options]

Serves the Poolscope UI on a loopback address; the book server starts from the page's Start button.
The server's settings fill the page's form:

${formatFlagHelp([...settingsFlagHelp(), ...recorderFlagHelp(), ...DASHBOARD_FLAGS, HELP_FLAG])}`;

const DASHBOARD_OPTIONS = {
  ...RECORDER_FLAG_OPTIONS,
  'ui-host': { type: 'string' },
  'ui-port': { type: 'string' },
  start: { type: 'boolean' },
  record: { type: 'string' },
  // Declared only to refuse it with a reason rather than as an unknown flag.
  'stop-after': { type: 'string' },
} as const;

/** Throws UsageError with one line naming the problem. */
export function parseDashboardArgs(argv: string[]): DashboardArgs {
  const { settings, extra, isHelp } = parseFlags(argv, DASHBOARD_OPTIONS);
  if (isHelp)
    return {
      initialSettings: settings,
      recorder: { ...DEFAULT_RECORDER_SETTINGS },
      uiHost: DEFAULT_UI_HOST,
      uiPort: DEFAULT_UI_PORT,
      shouldStartServer: false,
      recordFile: null,
      isHelp,
    };
  if (extra['stop-after'] !== undefined)
    throw new UsageError('--stop-after is not available in the dashboard; stop the server from the page');
  const uiHost = (extra['ui-host'] as string | undefined) ?? DEFAULT_UI_HOST;
  if (!isLoopbackHost(uiHost)) throw new UsageError(`--ui-host must be a loopback address (127.0.0.1, ::1 or localhost), got "${uiHost}"`);
  return {
    initialSettings: settings,
    recorder: parseRecorderFlags(extra),
    uiHost,
    uiPort: parseWholeNumberFlag('ui-port', extra['ui-port'], DEFAULT_UI_PORT, SETTINGS.port.min, SETTINGS.port.max),
    shouldStartServer: extra.start === true,
    recordFile: (extra.record as string | undefined) ?? null,
    isHelp: false,
  };
}
