// What each command button can do in the server's phase (stopped, starting, listening, stopping) and, when it
// cannot act, why, in words: the button stays focusable with aria-disabled and that reason as its tooltip, and a
// click says it; while a replay is shown, or a comparison or a sweep runs, none acts. Also which settings the form has changed
// from the running ones ("applies on restart"), and a server's settings in one line (the status line, the replay bar).
// Pure.

import type { BurstPath } from '../../shared/commands';
import { refusalWhileComparing } from '../../shared/compare';
import { refusalWhileSweeping } from '../../shared/live-metrics';
import {
  FORM_SETTING_NAMES,
  hasPool,
  isSettingOff,
  type ServerSettings,
  type SettingName,
  type SettingsValidation,
  STRATEGY_TITLES,
  settingDefinition,
  settingValueFromText,
} from '../../shared/settings';
import type { ControllerPhase } from '../../shared/wire';
import type { PendingCommand, RestartStep } from '../store/commands-slice';
import type { SettingsForm } from '../store/view-slice';
import { pluralize } from './format';

export type ButtonLook = 'primary' | 'secondary' | 'danger' | 'accent-sleep' | 'accent-hello';

export interface ControlState {
  /** Null when the button can act; else why not, in words (its tooltip, and what a click says). */
  reason: string | null;
  look: ButtonLook;
  isBusy: boolean;
}

export interface RestartState extends ControlState {
  /** Offered only while a running server's settings differ from the form's (or while it restarts). */
  isShown: boolean;
  label: string;
}

export interface ControlStates {
  start: ControlState;
  stop: ControlState;
  restart: RestartState;
  fire: Record<BurstPath, ControlState>;
  /** The strategy select: it changes only while no server runs (a running server keeps the strategy it started with). */
  strategy: ControlState;
  /** "Pool size applies on restart" while the form differs from the running server's settings, else null. */
  restartHint: string | null;
}

export interface ControlsInput {
  phase: ControllerPhase;
  pending: PendingCommand;
  restartStep: RestartStep | null;
  /** The running server's address, while it listens. */
  url: string | null;
  /** Jobs a stop still has to finish. */
  inFlightJobs: number;
  /** The settings the form shows that differ from the running server's (changedSettings). */
  changed: readonly SettingName[];
  formValidation: SettingsValidation;
}

/** What the strategy select says while a server runs (starting and stopping included). */
export const STRATEGY_LOCKED_REASON = 'Stop the server to change strategy: a running server keeps the one it started with.';

/** What the Fire buttons say while the server stops. */
export const SHUTTING_DOWN_REASON = 'The server is shutting down: no new connections are accepted.';
export const RESTART_LABEL = 'Restart with these settings';

/** The name a person reads for a setting: the form's caption, else its label. */
export function settingCaption(name: SettingName): string {
  const definition = settingDefinition(name);
  return definition.form?.label ?? definition.label;
}

/**
 * A server's settings in one line, in the form's order: the strategy by its title; the pool size only where there is
 * a pool, the thread limit only where it bounds something; the port (it is in the address) and a setting that is off
 * (Stop after: never) say nothing worth the room.
 */
export function settingsSummaryOf(settings: ServerSettings): string {
  return FORM_SETTING_NAMES.filter(
    (name) =>
      name !== 'port' &&
      !isSettingOff(name, settings[name]) &&
      (name !== 'workerCount' || hasPool(settings.strategy)) &&
      (name !== 'maxThreads' || settings.strategy === 'per-request'),
  )
    .map((name) =>
      name === 'strategy'
        ? STRATEGY_TITLES[settings.strategy]
        : // A max wait of 0 lifts the limit: "Max wait (ms) 0" would read as no waiting allowed at all.
          name === 'maxWaitMs' && settings.maxWaitMs === 0
          ? 'No max wait'
          : `${settingCaption(name)} ${settings[name]}`,
    )
    .join(' · ');
}

/** The form's settings whose typed value differs from what the server runs with (compared as values where they parse). */
export function changedSettings(form: SettingsForm, running: ServerSettings): SettingName[] {
  return FORM_SETTING_NAMES.filter((name) => {
    const typed = settingValueFromText(name, form[name]);
    return typeof typed === 'string' ? typed.trim() !== String(running[name]) : typed !== running[name];
  });
}

function listOf(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** "Pool size applies on restart", "Pool size and Sleep (ms) apply on restart". */
export function restartHintFor(changed: readonly SettingName[]): string | null {
  if (changed.length === 0) return null;
  return `${listOf(changed.map(settingCaption))} ${changed.length === 1 ? 'applies' : 'apply'} on restart`;
}

const able = (look: ButtonLook, isBusy = false): ControlState => ({ reason: null, look, isBusy });
const unable = (reason: string, look: ButtonLook = 'secondary', isBusy = false): ControlState => ({ reason, look, isBusy });

export function controlStatesOf(input: ControlsInput): ControlStates {
  const { pending, changed, formValidation } = input;
  // A start in flight is "starting" at once, before the server's own status says so.
  const phase = input.phase === 'stopped' && pending === 'start' ? 'starting' : input.phase;
  const fireLook: Record<BurstPath, ButtonLook> = { '/sleep': 'accent-sleep', '/': 'accent-hello' };
  const fireAll = (state: (path: BurstPath) => ControlState): Record<BurstPath, ControlState> => ({
    '/sleep': state('/sleep'),
    '/': state('/'),
  });
  const inFlight = pluralize(input.inFlightJobs, 'request');

  if (pending === 'restart') {
    const restarting = 'Restarting with the new settings…';
    return {
      start: unable(restarting),
      stop: unable(restarting),
      restart: {
        ...unable(restarting, 'primary', true),
        isShown: true,
        label: input.restartStep === 'starting' ? 'Restarting: starting…' : 'Restarting: stopping…',
      },
      fire: fireAll(() => unable(restarting)),
      strategy: unable(STRATEGY_LOCKED_REASON),
      restartHint: restartHintFor(changed),
    };
  }

  const hiddenRestart: RestartState = { ...unable('The server is not running.'), isShown: false, label: RESTART_LABEL };
  switch (phase) {
    case 'stopped':
      return {
        start: able('primary'),
        stop: unable('The server is not running.'),
        restart: hiddenRestart,
        fire: fireAll(() => unable('Start the server first: a burst needs a server to send to.')),
        strategy: able('secondary'),
        restartHint: null,
      };
    case 'starting':
      return {
        start: unable('The server is starting…', 'secondary', true),
        stop: able('danger', pending === 'stop'),
        restart: hiddenRestart,
        fire: fireAll(() => unable('The server is still starting.')),
        strategy: unable(STRATEGY_LOCKED_REASON),
        restartHint: null,
      };
    case 'stopping':
      return {
        start: unable(`The server is still stopping (${inFlight} in flight); start it again once it has stopped.`),
        stop: unable(`Already stopping: finishing ${inFlight}, then joining the workers.`, 'secondary', true),
        restart: hiddenRestart,
        fire: fireAll(() => unable(SHUTTING_DOWN_REASON)),
        strategy: unable(STRATEGY_LOCKED_REASON),
        restartHint: null,
      };
    case 'listening': {
      const restartHint = restartHintFor(changed);
      return {
        start: unable(
          `The server is already running${input.url ? ` at ${input.url}` : ''}. To change its settings, edit them and use ${RESTART_LABEL}.`,
        ),
        stop: able('danger', pending === 'stop'),
        restart: {
          ...(formValidation.ok
            ? able('primary')
            : unable(`Not restarted until the settings are fixed: ${formValidation.error}`, 'primary')),
          isShown: restartHint !== null,
          label: RESTART_LABEL,
        },
        fire: fireAll((path) => able(fireLook[path], pending === (path === '/sleep' ? 'burst-sleep' : 'burst-hello'))),
        strategy: unable(STRATEGY_LOCKED_REASON),
        restartHint,
      };
    }
  }
}

/** What the server's buttons say while a replay is shown: they act on the live server, which the page does not show. */
export const REPLAY_OPEN_REASON = 'A replay is shown: these control the live server. Go Back to live to use them.';

/** The server's buttons, none of them acting, each with its reason; the strategy select and the hint as they were. */
function refusingAll(states: ControlStates, reasons: { start: string; stop: string; restart: string; fire: string }): ControlStates {
  const refused = (state: ControlState, reason: string): ControlState => ({ ...state, reason, isBusy: false });
  return {
    start: refused(states.start, reasons.start),
    stop: refused(states.stop, reasons.stop),
    restart: { ...states.restart, ...refused(states.restart, reasons.restart) },
    fire: { '/sleep': refused(states.fire['/sleep'], reasons.fire), '/': refused(states.fire['/'], reasons.fire) },
    // A field of the form, as the others: it follows the live server alone.
    strategy: states.strategy,
    restartHint: states.restartHint,
  };
}

/** The same buttons while a replay is shown: none acts (the page would not show what it did), each says why. */
export function duringReplay(states: ControlStates): ControlStates {
  return refusingAll(states, {
    start: REPLAY_OPEN_REASON,
    stop: REPLAY_OPEN_REASON,
    restart: REPLAY_OPEN_REASON,
    fire: REPLAY_OPEN_REASON,
  });
}

/**
 * The same buttons while a comparison runs: it starts and stops its own servers and sends its own traffic, so none
 * acts, each saying why in the words the controller refuses the command with. The server it runs is not the form's:
 * nothing "applies on restart" then.
 */
export function duringComparison(states: ControlStates): ControlStates {
  return ownedBy(states, refusalWhileComparing);
}

/** The same while a sweep runs: it restarts the server at each pool size and its load alone must reach it. */
export function duringSweep(states: ControlStates): ControlStates {
  return ownedBy(states, refusalWhileSweeping);
}

function ownedBy(states: ControlStates, refusalOf: (type: 'start-server' | 'stop-server' | 'fire-burst') => string | null): ControlStates {
  const starts = refusalOf('start-server')!;
  const refused = refusingAll(states, { start: starts, stop: refusalOf('stop-server')!, restart: starts, fire: refusalOf('fire-burst')! });
  return { ...refused, restart: { ...refused.restart, isShown: false }, restartHint: null };
}
