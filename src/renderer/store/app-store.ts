// The one zustand store, made of three slices: `wire` (written only by the bridge), `stats` (written
// only by the bridge's stats collector) and `view` (written by the view actions below). DOM-free, so
// it runs under plain Node in tests; React reaches it through use-app-store.ts.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { DEFAULT_SETTINGS, type ServerSettings } from '../../shared/commands';
import { initialStatsState, type StatsState } from './stats-slice';
import {
  formFromSettings,
  initialViewState,
  type PendingCommand,
  type SettingsForm,
  type UiMessage,
  type ViewState,
  validateForm,
} from './view-slice';
import { initialWireState, type WireState } from './wire-slice';

export type EditableSettingsField = Exclude<keyof SettingsForm, 'host'>;
export type BurstKind = 'sleep' | 'hello';

export interface ViewActions {
  editSettingsField(field: EditableSettingsField, text: string): void;
  /** Shows the server's settings in the form until the person edits it. */
  adoptServerSettings(settings: ServerSettings): void;
  editBurstCount(kind: BurstKind, text: string): void;
  setPendingCommand(command: PendingCommand): void;
  showMessage(tone: UiMessage['tone'], text: string): void;
  clearMessage(): void;
  pauseTimeline(atMs: number): void;
  resumeTimeline(): void;
  setTimelineWindow(windowMs: number): void;
  setTimelineScrollBack(scrollBackMs: number): void;
  selectRequest(requestId: number | null): void;
  hoverRequest(requestId: number | null): void;
}

export interface AppState {
  wire: WireState;
  stats: StatsState;
  view: ViewState;
  viewActions: ViewActions;
}

export type AppStore = StoreApi<AppState>;

export function createAppStore(initialSettings: ServerSettings = DEFAULT_SETTINGS): AppStore {
  return createStore<AppState>()((set, get) => {
    const setView = (patch: Partial<ViewState>): void => set((state) => ({ view: { ...state.view, ...patch } }));
    let messageSerial = 0;
    return {
      wire: initialWireState(),
      stats: initialStatsState(),
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
        setPendingCommand(pendingCommand) {
          setView({ pendingCommand });
        },
        showMessage(tone, text) {
          setView({ message: { tone, text, serial: ++messageSerial } });
        },
        clearMessage() {
          if (get().view.message !== null) setView({ message: null });
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
  });
}
