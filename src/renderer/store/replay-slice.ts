// The replay of an opened recording: preparing it (its events into a flight recorder, in steps, the page staying
// responsive), the replay source the bridge shows instead of live while it is open (bridge/pool-bridge.ts switches
// on `source`), the cursor's position as the replay bar shows it, and the actions of the bar: play, pause, speed,
// seek, step, Back to live. Opening another recording replaces the replay; Back to live closes it.

import type { StateCreator } from 'zustand/vanilla';
import type { Recording } from '../recording/load-recording';
import type { ReplayPosition, ReplaySpeed } from '../replay/replay-position';
import type { ReplaySource } from '../replay/replay-source';
import type { AppState } from './app-store';

export type ReplayPhase = 'off' | 'preparing' | 'open';

export interface ReplayState {
  phase: ReplayPhase;
  /** The recording's file name while preparing or open. */
  fileName: string | null;
  /** While preparing: the share of its events read into the history, 0–1. */
  preparedFraction: number;
  /** The replay shown while open (the bridge watches it instead of live). */
  source: ReplaySource | null;
  /** Where the cursor stood at the last play, pause, speed change or seek (the frames show where it is now). */
  position: ReplayPosition | null;
}

export interface ReplayActions {
  /** Prepares a replay of the recording and shows it (the cursor at its start, paused). */
  open(recording: Recording): Promise<void>;
  /** Closes the replay: the page shows the live server again. */
  backToLive(): void;
  play(): void;
  pause(): void;
  setSpeed(speed: ReplaySpeed): void;
  /** Moves the cursor to `at` (epoch ms, clamped to the recording). */
  seek(at: number): void;
  stepNext(): void;
  stepPrevious(): void;
}

export interface ReplaySlice {
  replay: ReplayState;
  replayActions: ReplayActions;
}

export function initialReplayState(): ReplayState {
  return { phase: 'off', fileName: null, preparedFraction: 0, source: null, position: null };
}

/** Progress is told at most this often while preparing (a re-render per step would slow the steps). */
const PROGRESS_STEP = 0.05;

/** A macrotask: lets the page paint and handle input between preparing steps. */
const yieldToPage = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export function createReplaySlice(): StateCreator<AppState, [], [], ReplaySlice> {
  return (set, get) => {
    const setReplay = (patch: Partial<ReplayState>): void => set((state) => ({ replay: { ...state.replay, ...patch } }));
    let preparing: AbortController | null = null;
    let unsubscribePosition: (() => void) | null = null;

    const close = (): void => {
      preparing?.abort();
      preparing = null;
      unsubscribePosition?.();
      unsubscribePosition = null;
      get().replay.source?.dispose();
    };
    const withSource = (act: (source: ReplaySource) => void): void => {
      const source = get().replay.source;
      if (source !== null) act(source);
    };

    return {
      replay: initialReplayState(),
      replayActions: {
        async open(recording) {
          close();
          const controller = new AbortController();
          preparing = controller;
          setReplay({ phase: 'preparing', fileName: recording.fileName, preparedFraction: 0, source: null, position: null });
          let told = 0;
          let source: ReplaySource;
          try {
            // Loaded when first needed: the flight recorder's code is not part of the page until a run is opened.
            const { ReplaySource } = await import('../replay/replay-source');
            source = await ReplaySource.prepare(recording, {
              signal: controller.signal,
              yieldToPage,
              onProgress: (fraction) => {
                if (fraction - told < PROGRESS_STEP && fraction < 1) return;
                told = fraction;
                setReplay({ preparedFraction: fraction });
              },
            });
          } catch (error) {
            // Closed or replaced meanwhile: the newer state stands.
            if (controller.signal.aborted) return;
            preparing = null;
            setReplay(initialReplayState());
            const reason = error instanceof Error ? error.message : String(error);
            get().commandActions.showMessage('error', `Could not replay ${recording.fileName}: ${reason}`, 'open-run');
            return;
          }
          if (preparing !== controller) return source.dispose();
          preparing = null;
          unsubscribePosition = source.onPositionChange((position) => setReplay({ position }));
          setReplay({ phase: 'open', preparedFraction: 1, source, position: source.position });
        },
        backToLive() {
          close();
          setReplay(initialReplayState());
        },
        play: () => withSource((source) => source.play()),
        pause: () => withSource((source) => source.pause()),
        setSpeed: (speed) => withSource((source) => source.setSpeed(speed)),
        seek: (at) => withSource((source) => source.seek(at)),
        stepNext: () => withSource((source) => source.stepNext()),
        stepPrevious: () => withSource((source) => source.stepPrevious()),
      },
    };
  };
}
