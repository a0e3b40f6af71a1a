// The Compare… panel's state: the form (scenario, custom groups, strategies), the main side's progress (from the
// `metrics` frames), the comparison shown — the live one, asked for with a `comparison` query each time a run
// finishes, or one reopened from its run files — the run files Save comparison… writes, and the actions that change
// them. DOM-free.

import type { StateCreator } from 'zustand/vanilla';
import { APP_INFO } from '../../shared/app-info';
import type { CommandResult } from '../../shared/commands';
import {
  type CompareActivity,
  type CompareSettings,
  type ComparisonRun,
  DEFAULT_COMPARE_STRATEGIES,
  recordedRun,
} from '../../shared/compare';
import { createRunFileHeader, RUN_FILE_EXTENSION, serializeRunFileHeader, serializeServerEvent } from '../../shared/run-file';
import {
  BUILT_IN_SCENARIOS,
  type BuiltInScenarioId,
  CUSTOM_SCENARIO_ID,
  isBuiltInScenarioId,
  type RequestGroup,
  SCENARIO_LIMITS,
  type Scenario,
  validateScenario,
} from '../../shared/scenarios';
import { checkWholeNumber, STRATEGIES, type Strategy, wholeNumberFromText } from '../../shared/settings';
import type { PoolscopeApi } from '../../shared/wire';
import { loadRecording, type RunFileSource } from '../recording/load-recording';
import type { AppState } from './app-store';

/** A custom scenario's form: a group of /sleep and a group of /, each as typed (count 0 leaves it out). */
export interface CustomGroupForm {
  count: string;
  startMs: string;
  spacingMs: string;
}
export type CustomScenarioForm = Record<'/sleep' | '/', CustomGroupForm>;
export type CustomGroupField = keyof CustomGroupForm;

/** The comparison the panel shows. */
export interface ShownComparison {
  /** The scenario's label, or the files it was opened from. */
  title: string;
  /** 'live': the main side's latest; 'files': reopened from run files. */
  source: 'live' | 'files';
  runs: ComparisonRun[];
  isCancelled: boolean;
}

export interface CompareState {
  isOpen: boolean;
  scenarioId: BuiltInScenarioId | typeof CUSTOM_SCENARIO_ID;
  custom: CustomScenarioForm;
  strategies: Strategy[];
  activity: CompareActivity | null;
  shown: ShownComparison | null;
  /** A refusal or a failure, shown under the form. */
  error: string | null;
  pending: 'start' | 'cancel' | null;
}

export interface CompareActions {
  setOpen(isOpen: boolean): void;
  chooseScenario(id: BuiltInScenarioId | typeof CUSTOM_SCENARIO_ID): void;
  editCustom(path: '/sleep' | '/', field: CustomGroupField, value: string): void;
  toggleStrategy(strategy: Strategy, isChosen: boolean): void;
  start(): Promise<void>;
  cancel(): Promise<void>;
  explain(reason: string): void;
  /** The bridge hands each `metrics` message's compare activity here. */
  receiveActivity(activity: CompareActivity | null): void;
  /** Opens several run files (one per strategy) as a comparison. */
  openFiles(sources: readonly RunFileSource[]): Promise<void>;
}

export interface CompareSlice {
  compare: CompareState;
  compareActions: CompareActions;
}

export function initialCompareState(): CompareState {
  return {
    isOpen: false,
    scenarioId: 'sleep-burst-8',
    custom: {
      '/sleep': { count: '2', startMs: '0', spacingMs: '0' },
      '/': { count: '10', startMs: '500', spacingMs: '100' },
    },
    strategies: [...DEFAULT_COMPARE_STRATEGIES],
    activity: null,
    shown: null,
    error: null,
    pending: null,
  };
}

/** The custom form's fields as the panel labels them: the words a message about one uses. */
export const CUSTOM_FIELD_LABELS: Record<CustomGroupField, string> = { count: 'count', startMs: 'from (ms)', spacingMs: 'every (ms)' };

/** A custom field's input id (a test hook): `compare-sleep-count`, `compare-root-spacingMs`. */
export function customFieldInputId(path: '/sleep' | '/', field: CustomGroupField): string {
  return `compare-${path === '/' ? 'root' : 'sleep'}-${field}`;
}

/**
 * The scenario the form describes, checked by the shared validator. A field out of its range is named as the panel
 * labels it ("/sleep count must be between 0 and 256"), with its input's id, not as the validator's "Group 1".
 */
export function scenarioOfForm(
  state: Pick<CompareState, 'scenarioId' | 'custom'>,
): { ok: true; value: Scenario } | { ok: false; error: string; inputId?: string } {
  if (isBuiltInScenarioId(state.scenarioId)) return { ok: true, value: BUILT_IN_SCENARIOS[state.scenarioId] };
  const groups: unknown[] = [];
  for (const path of ['/sleep', '/'] as const) {
    const form = state.custom[path];
    const values = {} as Record<CustomGroupField, number>;
    for (const field of ['count', 'startMs', 'spacingMs'] as const) {
      const value = wholeNumberFromText(form[field]);
      // A count of 0 leaves the route out: the form's count starts at 0, the group's at 1.
      const max =
        field === 'count' ? SCENARIO_LIMITS.maxRequests : field === 'startMs' ? SCENARIO_LIMITS.maxStartMs : SCENARIO_LIMITS.maxSpacingMs;
      const error = checkWholeNumber(`${path} ${CUSTOM_FIELD_LABELS[field]}`, value, 0, max);
      if (error !== null) return { ok: false, error, inputId: customFieldInputId(path, field) };
      values[field] = value as number;
    }
    if (values.count === 0) continue;
    groups.push({ path, ...values } satisfies Record<keyof RequestGroup, unknown>);
  }
  if (groups.length === 0) return { ok: false, error: 'A custom scenario needs at least one request: give /sleep or / a count' };
  return validateScenario({ id: CUSTOM_SCENARIO_ID, groups });
}

/**
 * A run as Save comparison… writes it and Open comparison… reads it back: the run file format, the header's strategy
 * set, named by its place and strategy (poolscope-compare-1-single.poolscope.jsonl); null for a run with no events.
 */
export function comparisonRunFile(run: ComparisonRun, index: number): { fileName: string; lines: string[] } | null {
  if (run.events.length === 0) return null;
  const header = createRunFileHeader({
    app: APP_INFO,
    settings: run.settings,
    strategy: run.strategy,
    historyStartsAt: run.events[0]!.at,
    droppedEventCount: 0,
  });
  return {
    fileName: `poolscope-compare-${index + 1}-${run.strategy}${RUN_FILE_EXTENSION}`,
    lines: [serializeRunFileHeader(header), ...run.events.map(serializeServerEvent)],
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createCompareSlice(api: PoolscopeApi): StateCreator<AppState, [], [], CompareSlice> {
  return (set, get) => {
    const patch = (changes: Partial<CompareState>): void => set((state) => ({ compare: { ...state.compare, ...changes } }));
    /** The finished-run count the shown live comparison was asked at, so each finished run is asked for once. */
    let askedAt: { compareId: number; finished: number } | null = null;

    async function call(command: () => Promise<CommandResult>): Promise<CommandResult> {
      try {
        return await command();
      } catch (error) {
        return { ok: false, error: messageOf(error) };
      }
    }

    async function fetchComparison(): Promise<void> {
      const result = await api.query({ kind: 'comparison' }).catch((error: unknown) => ({ ok: false as const, error: messageOf(error) }));
      if (!result.ok) {
        patch({ error: `Could not read the comparison: ${result.error}` });
        return;
      }
      if (result.kind !== 'comparison' || result.comparison === null) return;
      const { comparison } = result;
      // A comparison reopened from files meanwhile stays shown until the next live one starts.
      if (get().compare.shown?.source === 'files' && get().compare.activity?.compareId !== comparison.compareId) return;
      patch({ shown: { title: comparison.scenario.label, source: 'live', runs: comparison.runs, isCancelled: comparison.isCancelled } });
    }

    const actions: CompareActions = {
      setOpen(isOpen) {
        if (get().compare.isOpen !== isOpen) patch({ isOpen });
      },
      chooseScenario(scenarioId) {
        patch({ scenarioId, error: null });
      },
      editCustom(path, field, value) {
        const custom = get().compare.custom;
        patch({ custom: { ...custom, [path]: { ...custom[path], [field]: value } }, error: null });
      },
      toggleStrategy(strategy, isChosen) {
        const chosen = new Set(get().compare.strategies);
        if (isChosen) chosen.add(strategy);
        else chosen.delete(strategy);
        // Run order is the chapter's order, whatever order they were ticked in.
        patch({ strategies: STRATEGIES.filter((s) => chosen.has(s)), error: null });
      },
      async start() {
        const state = get().compare;
        const scenario = scenarioOfForm(state);
        if (!scenario.ok) return patch({ error: scenario.error });
        const settings = get().view.formValidation;
        if (!settings.ok) return patch({ error: `The server settings are not valid: ${settings.error}` });
        const compareSettings: CompareSettings = { scenario: scenario.value, strategies: state.strategies, settings: settings.value };
        patch({ pending: 'start', error: null });
        const result = await call(() => api.startCompare(compareSettings));
        // The answer says only a refusal: the comparison's progress may come before it, and with it a message said
        // since (a second Run comparison's "already running"), which this answer must not wipe.
        patch(result.ok ? { pending: null, shown: null } : { pending: null, error: result.error });
      },
      async cancel() {
        patch({ pending: 'cancel', error: null });
        const result = await call(() => api.cancelCompare());
        patch(result.ok ? { pending: null } : { pending: null, error: result.error });
      },
      explain(reason) {
        patch({ error: reason });
      },
      receiveActivity(activity) {
        const previous = get().compare.activity;
        // A refusal said while it ran ("already running") is stale once it has ended.
        if (previous !== null && previous.phase !== 'done' && activity?.phase === 'done') patch({ error: null });
        if (activity !== previous) patch({ activity });
        if (activity === null) return;
        const isNew = askedAt === null || askedAt.compareId !== activity.compareId || askedAt.finished !== activity.finishedRunCount;
        if (!isNew) return;
        askedAt = { compareId: activity.compareId, finished: activity.finishedRunCount };
        if (activity.finishedRunCount > 0) void fetchComparison();
      },
      async openFiles(sources) {
        if (sources.length === 0) return;
        const runs: ComparisonRun[] = [];
        for (const source of sources) {
          const load = await loadRecording(source);
          if (!load.ok) return patch({ error: load.error, isOpen: true });
          const { header, events } = load.recording;
          const strategy = (STRATEGIES as readonly string[]).includes(header.strategy ?? '')
            ? (header.strategy as Strategy)
            : header.settings.strategy;
          runs.push(recordedRun(strategy, header.settings, 'done', events));
        }
        const names = sources.map((source) => source.name).join(', ');
        patch({ shown: { title: `Opened ${names}`, source: 'files', runs, isCancelled: false }, isOpen: true, error: null });
      },
    };
    return { compare: initialCompareState(), compareActions: actions };
  };
}
