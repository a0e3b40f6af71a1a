// View state that never comes from the wire: the settings form as typed, burst sizes, timeline
// window and pause, the request being inspected, and the person's preferences (the book's terms,
// presentation mode); with the actions that change it.

import type { StateCreator } from 'zustand/vanilla';
import { DEFAULT_HELLO_BURST_COUNT, DEFAULT_SLEEP_BURST_COUNT } from '../../shared/commands';
import {
  SETTING_NAMES,
  type ServerSettings,
  type SettingName,
  type SettingsText,
  type SettingsValidation,
  settingsFromText,
  settingsToText,
} from '../../shared/settings';
import type { AppState } from './app-store';
import { DEFAULT_PREFERENCES, type Preferences } from './preferences';
import type { BucketRef } from './wire-slice';

/** The settings inputs exactly as typed, one per setting: validation turns them into values or a reason naming the field. */
export type SettingsForm = SettingsText;

/** Any setting the form shows (FORM_SETTING_NAMES). */
export type EditableSettingsField = SettingName;
export type BurstKind = 'sleep' | 'hello';

export const TIMELINE_WINDOW_CHOICES_MS = [10_000, 30_000, 60_000, 300_000] as const;
export const DEFAULT_TIMELINE_WINDOW_MS = 30_000;

export interface ViewState {
  form: SettingsForm;
  /** True once the person edits a field: from then on the server's settings no longer overwrite it. */
  isFormEdited: boolean;
  /**
   * True while a settings field has the focus. The server's settings then wait in heldServerSettings until it leaves:
   * a page that connects as the person clicks into Port must not replace the text they are about to type over.
   */
  isFormFocused: boolean;
  heldServerSettings: ServerSettings | null;
  /** What settingsFromText says about the form right now (shown inline as the person types, on the field it names). */
  formValidation: SettingsValidation;
  sleepBurstCount: string;
  helloBurstCount: string;
  timelineWindowMs: number;
  /** Epoch ms the timeline froze at, or null while it follows the present. */
  timelinePausedAt: number | null;
  /** While paused: how far before timelinePausedAt the window ends. */
  timelineScrollBackMs: number;
  /** Width of the timeline's plot in CSS px, once laid out: the frames' level of detail follows it. */
  timelinePlotWidthPx: number | null;
  selectedRequestId: number | null;
  hoveredRequestId: number | null;
  /** A bucket of the timeline pinned or under the pointer: its requests are listed in the details. */
  selectedBucket: BucketRef | null;
  hoveredBucket: BucketRef | null;
  /** Captions and tooltips in the book's words. */
  showBookTerms: boolean;
  /** Presentation mode: larger type, the timeline taking the free height, compact controls. */
  isPresenting: boolean;
}

/** Whether two bucket references name the same stretch of the same lane. */
export function isSameBucket(a: BucketRef | null, b: BucketRef | null): boolean {
  return a === b || (a !== null && b !== null && a.workerId === b.workerId && a.fromAt === b.fromAt && a.toAt === b.toAt);
}

export function formFromSettings(settings: ServerSettings): SettingsForm {
  return settingsToText(settings);
}

export function validateForm(form: SettingsForm): SettingsValidation {
  return settingsFromText(form);
}

export function initialViewState(settings: ServerSettings, preferences: Preferences = DEFAULT_PREFERENCES): ViewState {
  const form = formFromSettings(settings);
  return {
    form,
    isFormEdited: false,
    isFormFocused: false,
    heldServerSettings: null,
    formValidation: validateForm(form),
    sleepBurstCount: String(DEFAULT_SLEEP_BURST_COUNT),
    helloBurstCount: String(DEFAULT_HELLO_BURST_COUNT),
    timelineWindowMs: DEFAULT_TIMELINE_WINDOW_MS,
    timelinePausedAt: null,
    timelineScrollBackMs: 0,
    timelinePlotWidthPx: null,
    selectedRequestId: null,
    hoveredRequestId: null,
    selectedBucket: null,
    hoveredBucket: null,
    showBookTerms: preferences.showBookTerms,
    isPresenting: preferences.isPresenting,
  };
}

export interface ViewActions {
  editSettingsField(field: EditableSettingsField, text: string): void;
  /** Shows the server's settings in the form until the person edits it (held while a field has the focus). */
  adoptServerSettings(settings: ServerSettings): void;
  /** A settings field gained or lost the focus; losing it adopts what the server said meanwhile, if not edited. */
  setFormFocused(isFocused: boolean): void;
  /** Puts these settings in the form, as a Book step's Try it does: the form then follows the server again. */
  setSettingsForm(settings: ServerSettings): void;
  editBurstCount(kind: BurstKind, text: string): void;
  pauseTimeline(atMs: number): void;
  resumeTimeline(): void;
  setTimelineWindow(windowMs: number): void;
  setTimelineScrollBack(scrollBackMs: number): void;
  setTimelinePlotWidth(plotWidthPx: number): void;
  selectRequest(requestId: number | null): void;
  hoverRequest(requestId: number | null): void;
  selectBucket(bucket: BucketRef | null): void;
  hoverBucket(bucket: BucketRef | null): void;
  setShowBookTerms(showBookTerms: boolean): void;
  setPresenting(isPresenting: boolean): void;
}

export interface ViewSlice {
  view: ViewState;
  viewActions: ViewActions;
}

export function createViewSlice(
  initialSettings: ServerSettings,
  preferences: Preferences = DEFAULT_PREFERENCES,
): StateCreator<AppState, [], [], ViewSlice> {
  return (set, get) => {
    const setView = (patch: Partial<ViewState>): void => set((state) => ({ view: { ...state.view, ...patch } }));
    return {
      view: initialViewState(initialSettings, preferences),
      viewActions: {
        editSettingsField(field, text) {
          const view = get().view;
          // The first edit in a field entered before the server's settings came: the other fields take them.
          const held = view.isFormEdited ? null : view.heldServerSettings;
          const form = { ...(held === null ? view.form : formFromSettings(held)), [field]: text };
          setView({ form, isFormEdited: true, heldServerSettings: null, formValidation: validateForm(form) });
        },
        adoptServerSettings(settings) {
          const view = get().view;
          if (view.isFormEdited) return;
          if (view.isFormFocused) {
            if (view.heldServerSettings !== settings) setView({ heldServerSettings: settings });
            return;
          }
          const form = formFromSettings(settings);
          const current = view.form;
          if (SETTING_NAMES.every((name) => form[name] === current[name])) return;
          setView({ form, formValidation: validateForm(form) });
        },
        setFormFocused(isFocused) {
          const view = get().view;
          if (isFocused) {
            if (!view.isFormFocused) setView({ isFormFocused: true });
            return;
          }
          const held = view.heldServerSettings;
          if (!view.isFormFocused && held === null) return;
          setView({ isFormFocused: false, heldServerSettings: null });
          if (held !== null) get().viewActions.adoptServerSettings(held);
        },
        setSettingsForm(settings) {
          const form = formFromSettings(settings);
          setView({ form, isFormEdited: false, formValidation: validateForm(form) });
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
        setTimelinePlotWidth(plotWidthPx) {
          const timelinePlotWidthPx = Math.max(1, Math.round(plotWidthPx));
          if (get().view.timelinePlotWidthPx !== timelinePlotWidthPx) setView({ timelinePlotWidthPx });
        },
        selectRequest(selectedRequestId) {
          // A job and a bucket are not pinned at once: the details show one of them.
          if (get().view.selectedRequestId !== selectedRequestId)
            setView(selectedRequestId === null ? { selectedRequestId } : { selectedRequestId, selectedBucket: null });
        },
        selectBucket(selectedBucket) {
          if (!isSameBucket(get().view.selectedBucket, selectedBucket))
            setView(selectedBucket === null ? { selectedBucket } : { selectedBucket, selectedRequestId: null });
        },
        hoverBucket(hoveredBucket) {
          if (!isSameBucket(get().view.hoveredBucket, hoveredBucket)) setView({ hoveredBucket });
        },
        hoverRequest(hoveredRequestId) {
          if (get().view.hoveredRequestId !== hoveredRequestId) setView({ hoveredRequestId });
        },
        setShowBookTerms(showBookTerms) {
          if (get().view.showBookTerms !== showBookTerms) setView({ showBookTerms });
        },
        setPresenting(isPresenting) {
          if (get().view.isPresenting !== isPresenting) setView({ isPresenting });
        },
      },
    };
  };
}
