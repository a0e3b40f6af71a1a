// A run opened from a file (Open run…, or a file dropped on the page): loading it, the one hand-off to the rest
// of the app (openRecording, which starts its replay: replay-slice.ts), and what the page knows of it. A broken
// file leaves one message and changes nothing else; a newer load supersedes one still in progress.

import type { StateCreator } from 'zustand/vanilla';
import { formatRunSpanMs } from '../../shared/durations';
import { countOf } from '../../shared/plural';
import type { RunFileHeader } from '../../shared/run-file';
import { loadRecording, type Recording, type RunFileSource } from '../recording/load-recording';
import type { AppState } from './app-store';
import type { UiMessage } from './commands-slice';

/** What the page says about the open recording. */
export interface OpenedRecording {
  fileName: string;
  header: RunFileHeader;
  eventCount: number;
  /** From the start of its history (header.historyStartsAt, or its first event if earlier) to its last event; 0 without events. */
  spanMs: number;
}

export interface RecordingState {
  /**
   * The recording last opened, or null. Its events are not kept here: the replay (replay-slice.ts) holds them once,
   * in its flight recorder, for as long as it is open.
   */
  opened: OpenedRecording | null;
  /** The file being read now, or null. */
  loadingFileName: string | null;
}

export interface RecordingActions {
  /** Reads a run file and opens it, or says in one message which line is wrong and why. */
  openRunFile(source: RunFileSource): Promise<void>;
  /** The hand-off: a recording read from a file becomes the open one, the page says so, and replays it. */
  openRecording(recording: Recording): void;
}

export interface RecordingSlice {
  recording: RecordingState;
  recordingActions: RecordingActions;
}

export function initialRecordingState(): RecordingState {
  return { opened: null, loadingFileName: null };
}

export function summarizeRecording(recording: Recording): OpenedRecording {
  const { events, header } = recording;
  const first = events[0];
  const last = events.at(-1);
  const spanMs = first === undefined || last === undefined ? 0 : last.at - Math.min(header.historyStartsAt, first.at);
  return { fileName: recording.fileName, header, eventCount: events.length, spanMs };
}

/**
 * "Loaded run.poolscope.jsonl: 1,284 events over 12.5 s", "… over 420 ms": the span in the replay bar's words,
 * so the message and the bar's "0 ms / 420 ms" name one run's length alike (never "0.4 s" beside "420 ms").
 */
export function describeOpenedRecording(opened: OpenedRecording): string {
  const count = countOf(opened.eventCount, 'event');
  return `Loaded ${opened.fileName}: ${count} over ${formatRunSpanMs(opened.spanMs)}`;
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function createRecordingSlice(): StateCreator<AppState, [], [], RecordingSlice> {
  return (set, get) => {
    const setRecording = (patch: Partial<RecordingState>): void => set((state) => ({ recording: { ...state.recording, ...patch } }));
    /** Each load's number: only the latest one may open or report. */
    let latestLoad = 0;

    /**
     * What earlier loads said that a new outcome makes stale: an opened run replaces everything they said; a
     * refused file replaces earlier refusals only, since the run that is open stays open.
     */
    const clearOpenRunMessages = (tones: ReadonlyArray<UiMessage['tone']>): void => {
      const { commands, commandActions } = get();
      for (const message of commands.messages) {
        if (message.source === 'open-run' && tones.includes(message.tone)) commandActions.dismissMessage(message.id);
      }
    };

    const actions: RecordingActions = {
      async openRunFile(source) {
        const load = ++latestLoad;
        setRecording({ loadingFileName: source.name });
        const result = await loadRecording(source);
        if (load !== latestLoad) return;
        setRecording({ loadingFileName: null });
        if (!result.ok) {
          clearOpenRunMessages(['error']);
          get().commandActions.showMessage('error', result.error, 'open-run');
          return;
        }
        actions.openRecording(result.recording);
      },
      openRecording(recording) {
        const opened = summarizeRecording(recording);
        setRecording({ opened });
        clearOpenRunMessages(['error', 'info']);
        const { showMessage } = get().commandActions;
        for (const notice of recording.notices) showMessage('info', `${recording.fileName}: ${capitalized(notice)}`, 'open-run');
        showMessage('info', describeOpenedRecording(opened), 'open-run');
        void get().replayActions.open(recording);
      },
    };
    return { recording: initialRecordingState(), recordingActions: actions };
  };
}
