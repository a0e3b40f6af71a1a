// The Book panel's state: which step is open, and each step's Try it — where it is (stopping the running server,
// starting the step's, firing its traffic, measuring), what it said on the way, and the verdict the main side
// measured from the run's events (the `book-verdict` query). One Try it at a time, none while a comparison runs;
// components only read this.

import type { StateCreator } from 'zustand/vanilla';
import { BOOK_STEP_IDS, type BookStepId, type BookVerdict, bookStep, settingsForStep } from '../../shared/book';
import { isComparisonRunning, refusalWhileComparing } from '../../shared/compare';
import { isSweepRunning, refusalWhileSweeping } from '../../shared/live-metrics';
import { scenarioRequestCount } from '../../shared/scenarios';
import type { PoolscopeApi } from '../../shared/wire';
import type { AppState } from './app-store';

export type BookStepPhase = 'idle' | 'stopping' | 'starting' | 'firing' | 'measuring' | 'done' | 'failed';

export interface BookStepRun {
  phase: BookStepPhase;
  /** What Try it did or is doing, in words ("Stopped the running server first (strategy pool)."); null before. */
  notes: string[];
  /** Why Try it could not go on; null unless phase is 'failed'. */
  error: string | null;
  /** The server run the verdict is measured on, once known. */
  runId: number | null;
  verdict: BookVerdict | null;
}

export interface BookState {
  /** The step whose text is shown (one at a time, so the panel stays short); Try it opens its step. */
  openStep: BookStepId;
  /** The step whose Try it runs now, or null. */
  activeStep: BookStepId | null;
  runs: Record<BookStepId, BookStepRun>;
}

export interface BookActions {
  openStep(step: BookStepId): void;
  /** Sets the step's strategy and settings, (re)starts the server with them, fires its traffic and measures the run. */
  tryStep(step: BookStepId): Promise<void>;
}

export interface BookSlice {
  book: BookState;
  bookActions: BookActions;
}

/** How often the verdict is asked for while the traffic is answered. */
export const VERDICT_POLL_INTERVAL_MS = 250;
/** A verdict not measured within this long (beyond the traffic's own time) is given up on, saying so. */
export const VERDICT_GRACE_MS = 30_000;

function idleRun(): BookStepRun {
  return { phase: 'idle', notes: [], error: null, runId: null, verdict: null };
}

export function initialBookState(): BookState {
  return {
    openStep: BOOK_STEP_IDS[0],
    activeStep: null,
    runs: Object.fromEntries(BOOK_STEP_IDS.map((id) => [id, idleRun()])) as Record<BookStepId, BookStepRun>,
  };
}

/** Why Try it cannot run now (a replay shown, another step running, a comparison or a sweep owning the server); null when it can. */
export function tryStepRefusal(state: AppState): string | null {
  if (state.replay.phase !== 'off') return 'A replay is shown: Try it runs the live server. Go Back to live first.';
  const busy = state.book.activeStep;
  if (busy !== null) return `Step ${bookStep(busy).listing} is still running: wait for its verdict.`;
  // Try it stops and starts the server: the comparison's own refusal says why it cannot.
  if (isComparisonRunning(state.compare.activity)) return refusalWhileComparing('start-server');
  if (isSweepRunning(state.workload.sweep)) return refusalWhileSweeping('start-server');
  return null;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createBookSlice(api: PoolscopeApi): StateCreator<AppState, [], [], BookSlice> {
  return (set, get) => {
    const setBook = (patch: Partial<BookState>): void => set((state) => ({ book: { ...state.book, ...patch } }));
    const setRun = (id: BookStepId, patch: Partial<BookStepRun>): void =>
      set((state) => ({ book: { ...state.book, runs: { ...state.book.runs, [id]: { ...state.book.runs[id], ...patch } } } }));
    const note = (id: BookStepId, text: string): void => setRun(id, { notes: [...get().book.runs[id].notes, text] });
    const fail = (id: BookStepId, error: string): void => {
      setRun(id, { phase: 'failed', error });
      setBook({ activeStep: null });
    };

    /** Asks for the verdict until it is measured; false when it never was within the bound. */
    async function measure(id: BookStepId, boundMs: number): Promise<boolean> {
      const deadline = Date.now() + boundMs;
      for (;;) {
        const runId = get().book.runs[id].runId ?? undefined;
        const result = await api.query(
          runId === undefined ? { kind: 'book-verdict', step: id } : { kind: 'book-verdict', step: id, runId },
        );
        if (result.ok && result.kind === 'book-verdict' && result.verdict !== null) {
          setRun(id, { runId: result.verdict.runId, verdict: result.verdict });
          if (result.verdict.state === 'measured') return true;
        }
        if (Date.now() > deadline) return false;
        await wait(VERDICT_POLL_INTERVAL_MS);
      }
    }

    return {
      book: initialBookState(),
      bookActions: {
        openStep(step) {
          if (get().book.openStep !== step) setBook({ openStep: step });
        },
        async tryStep(id) {
          const state = get();
          const refusal = tryStepRefusal(state);
          if (refusal !== null) {
            state.commandActions.explain(refusal);
            return;
          }
          const validation = state.view.formValidation;
          if (!validation.ok) {
            setBook({ openStep: id });
            fail(id, `Fix the settings first: ${validation.error}`);
            return;
          }
          const step = bookStep(id);
          const settings = settingsForStep(step, validation.value);
          setBook({ openStep: id, activeStep: id });
          setRun(id, { ...idleRun(), phase: 'starting' });
          state.viewActions.setSettingsForm(settings);
          if (settings.sleepMs > validation.value.sleepMs) {
            note(id, `Sleep raised to ${settings.sleepMs} ms: the \`/\` must find \`/sleep\` still running.`);
          }

          const status = await api.getStatus();
          if (status.phase !== 'stopped') {
            setRun(id, { phase: 'stopping' });
            note(id, `Stopping the running server first (strategy ${status.settings.strategy})…`);
            const stopped = await api.stopServer();
            if (!stopped.ok) return fail(id, `Could not stop the running server: ${stopped.error}`);
            note(id, 'Stopped it.');
          }
          setRun(id, { phase: 'starting' });
          const started = await api.startServer(settings);
          if (!started.ok) return fail(id, `Could not start the step's server: ${started.error}`);
          // The newest run is the one just started: the verdict is measured on it alone from now on.
          const first = await api.query({ kind: 'book-verdict', step: id });
          if (first.ok && first.kind === 'book-verdict' && first.verdict !== null) setRun(id, { runId: first.verdict.runId });

          setRun(id, { phase: 'firing' });
          note(id, `Firing ${step.traffic.label}.`);
          const fired = await api.runScenario(step.traffic);
          if (!fired.ok) return fail(id, `Could not fire the traffic: ${fired.error}`);
          const report = fired.scenario;
          if (report.failedCount > 0) {
            const reason = report.requests.find((request) => request.error !== null)?.error ?? 'no answer';
            note(id, `${report.failedCount} of ${report.requests.length} requests got no answer (${reason}).`);
          }

          setRun(id, { phase: 'measuring' });
          const boundMs = VERDICT_GRACE_MS + scenarioRequestCount(step.traffic) * settings.sleepMs * 2;
          if (!(await measure(id, boundMs))) return fail(id, 'The run was not over in time to measure it: try again.');
          setRun(id, { phase: 'done' });
          setBook({ activeStep: null });
        },
      },
    };
  };
}
