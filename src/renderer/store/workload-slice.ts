// Run load and Sweep…: their forms as typed, each checked as it is typed (the reason shown by the field it
// names), the commands and their pending state, and what the main side reports about them and the queue
// (the `metrics` messages: queueing window, chart samples, load and sweep activity). DOM-free.

import type { StateCreator } from 'zustand/vanilla';
import type { CommandField, CommandResult, LoadRunSettings } from '../../shared/commands';
import { type LiveMetrics, type LiveSample, type LoadActivity, MAX_LIVE_SAMPLES, type SweepActivity } from '../../shared/live-metrics';
import {
  type ArrivalProcess,
  DEFAULT_LOAD_SETTINGS,
  DEFAULT_SWEEP_WORKER_COUNTS,
  type SweepSettings,
  validateOwnServerLoad,
  validateSweepSettings,
} from '../../shared/load-settings';
import type { QueueingWindowSnapshot } from '../../shared/queueing-window';
import { DEFAULT_SETTINGS } from '../../shared/settings';
import type { PoolscopeApi } from '../../shared/wire';
import type { AppState } from './app-store';

/** The Run load form as typed. */
export interface LoadForm {
  ratePerS: string;
  durationS: string;
  mix: string;
  arrivals: ArrivalProcess;
  connections: string;
}

export type LoadFormField = keyof LoadForm;

/** The Sweep… form as typed. */
export interface SweepForm extends LoadForm {
  workerCounts: string;
  sleepMs: string;
}

export type SweepFormField = keyof SweepForm;

export interface FormFieldError<F extends string> {
  field: F;
  text: string;
}

export type WorkloadPending = 'start-load' | 'cancel-load' | 'start-sweep' | 'cancel-sweep' | null;

export interface WorkloadState {
  loadForm: LoadForm;
  sweepForm: SweepForm;
  /** A refusal from the main side pinned to a field, until that field is edited. */
  loadRefusal: FormFieldError<LoadFormField> | null;
  sweepRefusal: FormFieldError<SweepFormField> | null;
  /** A refusal that names no field (the server is not running, a sweep runs), shown under the form. */
  loadError: string | null;
  sweepError: string | null;
  pending: WorkloadPending;
  isSweepOpen: boolean;
  queueing: QueueingWindowSnapshot | null;
  /** Chart samples, oldest first, at most MAX_LIVE_SAMPLES. */
  samples: LiveSample[];
  load: LoadActivity | null;
  sweep: SweepActivity | null;
}

export function initialWorkloadState(): WorkloadState {
  const load: LoadForm = {
    ratePerS: String(DEFAULT_LOAD_SETTINGS.ratePerS),
    durationS: String(DEFAULT_LOAD_SETTINGS.durationS),
    mix: DEFAULT_LOAD_SETTINGS.mix,
    arrivals: DEFAULT_LOAD_SETTINGS.arrivals,
    connections: String(DEFAULT_LOAD_SETTINGS.connections),
  };
  return {
    loadForm: load,
    sweepForm: {
      ...load,
      durationS: '5',
      mix: '/sleep?ms=20',
      workerCounts: DEFAULT_SWEEP_WORKER_COUNTS,
      sleepMs: String(DEFAULT_SETTINGS.sleepMs),
    },
    loadRefusal: null,
    sweepRefusal: null,
    loadError: null,
    sweepError: null,
    pending: null,
    isSweepOpen: false,
    queueing: null,
    samples: [],
    load: null,
    sweep: null,
  };
}

export type FormCheck<T, F extends string> = { ok: true; value: T } | { ok: false; error: string; field: F };

/** The Run load form checked by the validator the main side uses too. */
export function checkLoadForm(form: LoadForm): FormCheck<LoadRunSettings, LoadFormField> {
  const checked = validateOwnServerLoad(form);
  if (!checked.ok) return { ok: false, error: checked.error, field: checked.field as LoadFormField };
  return { ok: true, value: checked.value };
}

export function checkSweepForm(form: SweepForm): FormCheck<SweepSettings, SweepFormField> {
  const checked = validateSweepSettings(form);
  if (!checked.ok) return { ok: false, error: checked.error, field: checked.field as SweepFormField };
  return { ok: true, value: checked.value };
}

export interface WorkloadActions {
  editLoadForm(field: LoadFormField, value: string): void;
  editSweepForm(field: SweepFormField, value: string): void;
  startLoad(): Promise<void>;
  cancelLoad(): Promise<void>;
  startSweep(): Promise<void>;
  cancelSweep(): Promise<void>;
  setSweepOpen(isOpen: boolean): void;
  /** A click on a button that cannot act now: the reason goes under its form. */
  explain(form: 'load' | 'sweep', reason: string): void;
  /** The bridge hands every `metrics` message here. */
  receiveMetrics(metrics: LiveMetrics): void;
}

export interface WorkloadSlice {
  workload: WorkloadState;
  workloadActions: WorkloadActions;
}

function isFieldOf<F extends string>(form: object, field: CommandField | undefined): field is CommandField & F {
  return field !== undefined && field in form;
}

export function createWorkloadSlice(api: PoolscopeApi): StateCreator<AppState, [], [], WorkloadSlice> {
  return (set, get) => {
    const patch = (changes: Partial<WorkloadState>): void => set((state) => ({ workload: { ...state.workload, ...changes } }));

    async function call(command: () => Promise<CommandResult>): Promise<CommandResult> {
      try {
        return await command();
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    }

    /** Runs a command with its button busy; a refusal lands by the field it names, or under the form. */
    async function run(pending: Exclude<WorkloadPending, null>, form: 'load' | 'sweep', command: () => Promise<CommandResult>) {
      patch({ pending });
      const result = await call(command);
      if (get().workload.pending === pending) patch({ pending: null });
      const formState = form === 'load' ? get().workload.loadForm : get().workload.sweepForm;
      if (result.ok) {
        patch(form === 'load' ? { loadError: null, loadRefusal: null } : { sweepError: null, sweepRefusal: null });
      } else if (isFieldOf(formState, result.field)) {
        // The form names the field: a sweep's fields include every one of the load's.
        const refusal = { field: result.field as SweepFormField, text: result.error };
        if (form === 'load') patch({ loadRefusal: refusal as FormFieldError<LoadFormField>, loadError: null });
        else patch({ sweepRefusal: refusal, sweepError: null });
      } else {
        patch(form === 'load' ? { loadError: result.error } : { sweepError: result.error });
      }
    }

    return {
      workload: initialWorkloadState(),
      workloadActions: {
        editLoadForm(field, value) {
          const { loadForm, loadRefusal } = get().workload;
          patch({ loadForm: { ...loadForm, [field]: value }, loadRefusal: loadRefusal?.field === field ? null : loadRefusal });
        },
        editSweepForm(field, value) {
          const { sweepForm, sweepRefusal } = get().workload;
          patch({ sweepForm: { ...sweepForm, [field]: value }, sweepRefusal: sweepRefusal?.field === field ? null : sweepRefusal });
        },
        async startLoad() {
          const checked = checkLoadForm(get().workload.loadForm);
          if (!checked.ok) return; // the field already shows why
          await run('start-load', 'load', () => api.startLoad(checked.value));
        },
        async cancelLoad() {
          await run('cancel-load', 'load', () => api.cancelLoad());
        },
        async startSweep() {
          const checked = checkSweepForm(get().workload.sweepForm);
          if (!checked.ok) return;
          await run('start-sweep', 'sweep', () => api.startSweep(checked.value));
        },
        async cancelSweep() {
          await run('cancel-sweep', 'sweep', () => api.cancelSweep());
        },
        setSweepOpen(isOpen) {
          if (get().workload.isSweepOpen !== isOpen) patch({ isSweepOpen: isOpen });
        },
        explain(form, reason) {
          patch(form === 'load' ? { loadError: reason } : { sweepError: reason });
        },
        receiveMetrics(metrics) {
          const previous = get().workload.samples;
          let samples = metrics.isHistory ? metrics.samples : previous;
          if (!metrics.isHistory && metrics.samples.length > 0) {
            samples = previous.concat(metrics.samples);
            if (samples.length > MAX_LIVE_SAMPLES) samples = samples.slice(samples.length - MAX_LIVE_SAMPLES);
          }
          patch({ queueing: metrics.queueing, samples, load: metrics.load, sweep: metrics.sweep });
          // Compare… progress rides in the same message; its own slice keeps it.
          get().compareActions.receiveActivity(metrics.compare ?? null);
        },
      },
    };
  };
}
