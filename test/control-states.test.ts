// Buttons that follow the server: for each phase, which command can act, which look it has and, when it cannot,
// the reason a person reads (a comparison running refusing them all); and which edited settings "apply on restart".
import { describe, expect, it } from 'vitest';
import {
  type ControlsInput,
  changedSettings,
  controlStatesOf,
  duringComparison,
  duringReplay,
  duringSweep,
  REPLAY_OPEN_REASON,
  RESTART_LABEL,
  restartHintFor,
  SHUTTING_DOWN_REASON,
} from '../src/renderer/components/control-states';
import { refusalWhileComparing } from '../src/shared/compare';
import { refusalWhileSweeping } from '../src/shared/live-metrics';
import { DEFAULT_SETTINGS, settingsFromText, settingsToText } from '../src/shared/settings';

function input(overrides: Partial<ControlsInput> = {}): ControlsInput {
  return {
    phase: 'stopped',
    pending: null,
    restartStep: null,
    url: null,
    inFlightJobs: 0,
    changed: [],
    formValidation: { ok: true, value: DEFAULT_SETTINGS },
    ...overrides,
  };
}

describe('controlStatesOf', () => {
  it('stopped: Start is the primary action; Stop and the bursts say why they cannot act', () => {
    const states = controlStatesOf(input());
    expect(states.start).toEqual({ reason: null, look: 'primary', isBusy: false });
    expect(states.stop.reason).toBe('The server is not running.');
    expect(states.fire['/sleep'].reason).toMatch(/^Start the server first/);
    expect(states.restart.isShown).toBe(false);
  });

  it('starting (even before the status says so): nothing fires yet, and Start shows it is busy', () => {
    const states = controlStatesOf(input({ pending: 'start' }));
    expect(states.start).toMatchObject({ reason: 'The server is starting…', isBusy: true, look: 'secondary' });
    expect(states.fire['/'].reason).toBe('The server is still starting.');
    expect(states.stop.reason).toBeNull();
  });

  it('listening: Stop and the bursts act; Start says the server already runs and how to change its settings', () => {
    const states = controlStatesOf(input({ phase: 'listening', url: 'http://127.0.0.1:7878', pending: 'burst-sleep' }));
    expect(states.start.reason).toBe(
      `The server is already running at http://127.0.0.1:7878. To change its settings, edit them and use ${RESTART_LABEL}.`,
    );
    expect(states.start.look).not.toBe('primary');
    expect(states.stop).toEqual({ reason: null, look: 'danger', isBusy: false });
    expect(states.fire['/sleep']).toEqual({ reason: null, look: 'accent-sleep', isBusy: true });
    expect(states.fire['/']).toEqual({ reason: null, look: 'accent-hello', isBusy: false });
    expect(states.restart.isShown).toBe(false);
  });

  it('stopping: Start is not the primary button, and the bursts say no new connections are accepted', () => {
    const states = controlStatesOf(input({ phase: 'stopping', inFlightJobs: 1 }));
    expect(states.start.look).toBe('secondary');
    expect(states.start.reason).toBe('The server is still stopping (1 request in flight); start it again once it has stopped.');
    expect(states.stop).toMatchObject({ reason: 'Already stopping: finishing 1 request, then joining the workers.', isBusy: true });
    expect(states.fire['/sleep'].reason).toBe(SHUTTING_DOWN_REASON);
    expect(states.fire['/'].reason).toBe(SHUTTING_DOWN_REASON);
    expect(SHUTTING_DOWN_REASON).toContain('shutting down: no new connections are accepted');
  });

  it('offers Restart with these settings while edited settings wait, refusing it while they are invalid', () => {
    const edited = controlStatesOf(input({ phase: 'listening', changed: ['workerCount'] }));
    expect(edited.restartHint).toBe('Pool size applies on restart');
    expect(edited.restart).toMatchObject({ isShown: true, reason: null, look: 'primary', label: RESTART_LABEL });

    const invalid = settingsFromText({ ...settingsToText(DEFAULT_SETTINGS), workerCount: '0' });
    const refused = controlStatesOf(input({ phase: 'listening', changed: ['workerCount'], formValidation: invalid }));
    expect(refused.restart.reason).toMatch(/^Not restarted until the settings are fixed: Pool size must be at least 1/);
  });

  it('shows a restart in progress on its button, with every other command waiting for it', () => {
    const states = controlStatesOf(input({ phase: 'stopped', pending: 'restart', restartStep: 'starting', changed: ['sleepMs'] }));
    expect(states.restart).toMatchObject({ isShown: true, isBusy: true, label: 'Restarting: starting…' });
    for (const state of [states.start, states.stop, states.fire['/sleep'], states.fire['/']]) expect(state.reason).toMatch(/^Restarting/);
  });
});

describe('while a comparison runs', () => {
  it('none of the server buttons acts, each saying why in the words the controller refuses with; nothing applies on restart', () => {
    const listening = controlStatesOf(input({ phase: 'listening', url: 'http://127.0.0.1:7878', changed: ['strategy'], pending: 'stop' }));
    expect(listening.restart.isShown).toBe(true);
    const states = duringComparison(listening);
    expect(states.start.reason).toBe(refusalWhileComparing('start-server'));
    expect(states.stop).toMatchObject({ reason: refusalWhileComparing('stop-server'), isBusy: false });
    expect(states.fire['/sleep'].reason).toBe(refusalWhileComparing('fire-burst'));
    expect(states.fire['/'].reason).toBe(refusalWhileComparing('fire-burst'));
    expect(states.fire['/sleep'].reason).toMatch(/^A comparison is running: a burst would mix with its scenario's traffic/);
    // The server running is the comparison's, not the form's: Restart is not offered, nor a hint.
    expect(states.restart.isShown).toBe(false);
    expect(states.restartHint).toBeNull();
    // Between two strategies no server runs: still nothing acts.
    const between = duringComparison(controlStatesOf(input()));
    expect(between.start.reason).toBe(refusalWhileComparing('start-server'));
    expect(between.fire['/'].reason).toBe(refusalWhileComparing('fire-burst'));
    // A replay shown over it says the replay's reason, as it does for everything live.
    expect(duringReplay(states).fire['/sleep'].reason).toBe(REPLAY_OPEN_REASON);
  });
});

describe('while a sweep runs', () => {
  it("none of the server buttons acts either, each saying why in the sweep's words", () => {
    const listening = controlStatesOf(input({ phase: 'listening', url: 'http://127.0.0.1:7878', changed: ['workerCount'] }));
    const states = duringSweep(listening);
    expect(states.start.reason).toBe(refusalWhileSweeping('start-server'));
    expect(states.stop.reason).toBe(refusalWhileSweeping('stop-server'));
    expect(states.fire['/sleep'].reason).toMatch(/^A sweep is running: a burst would mix with its load/);
    expect(states.fire['/'].reason).toBe(refusalWhileSweeping('fire-burst'));
    // The pool size it runs is the sweep's, not the form's.
    expect(states.restart.isShown).toBe(false);
    expect(states.restartHint).toBeNull();
  });
});

describe('settings that apply on restart', () => {
  it('are the form fields whose value differs from the running one, compared as numbers where they are', () => {
    const form = settingsToText(DEFAULT_SETTINGS);
    expect(changedSettings(form, DEFAULT_SETTINGS)).toEqual([]);
    expect(changedSettings({ ...form, workerCount: ' 04 ' }, DEFAULT_SETTINGS)).toEqual([]);
    expect(changedSettings({ ...form, workerCount: '8', sleepMs: 'soon' }, DEFAULT_SETTINGS)).toEqual(['workerCount', 'sleepMs']);
    // The host is not on the form: it never "applies on restart".
    expect(changedSettings({ ...form, host: '::1' }, DEFAULT_SETTINGS)).toEqual([]);
  });

  it('are named in one phrase', () => {
    expect(restartHintFor([])).toBeNull();
    expect(restartHintFor(['workerCount', 'sleepMs'])).toBe('Pool size and Sleep (ms) apply on restart');
    expect(restartHintFor(['port', 'workerCount', 'sleepMs'])).toBe('Port, Pool size and Sleep (ms) apply on restart');
  });
});
