// View state that never comes from the wire: the settings form as typed, burst sizes, timeline
// window and pause, the request being inspected, and the message shown to the person.

import {
  DEFAULT_HELLO_BURST_COUNT,
  DEFAULT_SLEEP_BURST_COUNT,
  type ServerSettings,
  type Validation,
  validateSettings,
} from '../../shared/commands';

/** The settings inputs exactly as typed: validation turns them into numbers or a reason. */
export interface SettingsForm {
  host: string;
  port: string;
  workerCount: string;
  sleepMs: string;
}

export type PendingCommand = 'start' | 'stop' | 'burst-sleep' | 'burst-hello' | null;

export interface UiMessage {
  tone: 'error' | 'info';
  text: string;
  /** Distinguishes two equal texts in a row, so the alert is announced again. */
  serial: number;
}

export const TIMELINE_WINDOW_CHOICES_MS = [10_000, 30_000, 60_000, 300_000] as const;
export const DEFAULT_TIMELINE_WINDOW_MS = 30_000;

export interface ViewState {
  form: SettingsForm;
  /** True once the person edits a field: from then on the server's settings no longer overwrite it. */
  isFormEdited: boolean;
  /** What validateSettings says about the form right now (shown inline as the person types). */
  formValidation: Validation<ServerSettings>;
  sleepBurstCount: string;
  helloBurstCount: string;
  pendingCommand: PendingCommand;
  message: UiMessage | null;
  timelineWindowMs: number;
  /** Epoch ms the timeline froze at, or null while it follows the present. */
  timelinePausedAt: number | null;
  /** While paused: how far before timelinePausedAt the window ends. */
  timelineScrollBackMs: number;
  selectedRequestId: number | null;
  hoveredRequestId: number | null;
}

export function formFromSettings(settings: ServerSettings): SettingsForm {
  return { host: settings.host, port: String(settings.port), workerCount: String(settings.workerCount), sleepMs: String(settings.sleepMs) };
}

/** A field that reads as a whole number becomes one; anything else goes to the validator as typed, so its reason quotes it. */
function parseField(text: string): number | string {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export function validateForm(form: SettingsForm): Validation<ServerSettings> {
  return validateSettings({
    host: form.host,
    port: parseField(form.port),
    workerCount: parseField(form.workerCount),
    sleepMs: parseField(form.sleepMs),
  });
}

export function initialViewState(settings: ServerSettings): ViewState {
  const form = formFromSettings(settings);
  return {
    form,
    isFormEdited: false,
    formValidation: validateForm(form),
    sleepBurstCount: String(DEFAULT_SLEEP_BURST_COUNT),
    helloBurstCount: String(DEFAULT_HELLO_BURST_COUNT),
    pendingCommand: null,
    message: null,
    timelineWindowMs: DEFAULT_TIMELINE_WINDOW_MS,
    timelinePausedAt: null,
    timelineScrollBackMs: 0,
    selectedRequestId: null,
    hoveredRequestId: null,
  };
}
