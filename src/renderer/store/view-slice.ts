// View state that never comes from the wire: the settings form as typed, burst sizes, timeline
// window and pause, and the request being inspected; with the actions that change it.

import type { StateCreator } from 'zustand/vanilla';
import {
  DEFAULT_HELLO_BURST_COUNT,
  DEFAULT_SLEEP_BURST_COUNT,
  type ServerSettings,
  type Validation,
  validateSettings,
} from '../../shared/commands';
import type { AppState } from './app-store';

/** The settings inputs exactly as typed: validation turns them into numbers or a reason. */
export interface SettingsForm {
  host: string;
  port: string;
  workerCount: string;
  sleepMs: string;
}

export type EditableSettingsField = Exclude<keyof SettingsForm, 'host'>;
export type BurstKind = 'sleep' | 'hello';

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
export function parseField(text: string): number | string {
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
    timelineWindowMs: DEFAULT_TIMELINE_WINDOW_MS,
    timelinePausedAt: null,
    timelineScrollBackMs: 0,
    selectedRequestId: null,
    hoveredRequestId: null,
  };
}

export interface ViewActions {
  editSettingsField(field: EditableSettingsField, text: string): void;
  /** Shows the server's settings in the form until the person edits it. */
  adoptServerSettings(settings: ServerSettings): void;
  editBurstCount(kind: BurstKind, text: string): void;
  pauseTimeline(atMs: number): void;
  resumeTimeline(): void;
  setTimelineWindow(windowMs: number): void;
  setTimelineScrollBack(scrollBackMs: number): void;
  selectRequest(requestId: number | null): void;
  hoverRequest(requestId: number | null): void;
}

export interface ViewSlice {
  view: ViewState;
  viewActions: ViewActions;
}

export function createViewSlice(initialSettings: ServerSettings): StateCreator<AppState, [], [], ViewSlice> {
  return (set, get) => {
    const setView = (patch: Partial<ViewState>): void => set((state) => ({ view: { ...state.view, ...patch } }));
    return {
      view: initialViewState(initialSettings),
      viewActions: {
        editSettingsField(field, text) {
          const form = { ...get().view.form, [field]: text };
          setView({ form, isFormEdited: true, formValidation: validateForm(form) });
        },
        adoptServerSettings(settings) {
          const view = get().view;
          if (view.isFormEdited) return;
          const form = formFromSettings(settings);
          const current = view.form;
          if (
            form.host === current.host &&
            form.port === current.port &&
            form.workerCount === current.workerCount &&
            form.sleepMs === current.sleepMs
          )
            return;
          setView({ form, formValidation: validateForm(form) });
        },
        editBurstCount(kind, text) {
          setView(kind === 'sleep' ? { sleepBurstCount: text } : { helloBurstCount: text });
        },
        pauseTimeline(atMs) {
          if (get().view.timelinePausedAt === null) setView({ timelinePausedAt: atMs, timelineScrollBackMs: 0 });
        },
        resumeTimeline() {
          setView({ timelinePausedAt: null, timelineScrollBackMs: 0 });
        },
        setTimelineWindow(timelineWindowMs) {
          setView({ timelineWindowMs });
        },
        setTimelineScrollBack(scrollBackMs) {
          setView({ timelineScrollBackMs: Math.max(0, scrollBackMs) });
        },
        selectRequest(selectedRequestId) {
          if (get().view.selectedRequestId !== selectedRequestId) setView({ selectedRequestId });
        },
        hoverRequest(hoveredRequestId) {
          if (get().view.hoveredRequestId !== hoveredRequestId) setView({ hoveredRequestId });
        },
      },
    };
  };
}
