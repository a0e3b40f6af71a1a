// The Compare… panel's state in the store, without React, fed the way the page feeds it: the bridge hands each
// frame's `metrics` panel (the main side's progress) to the store, the slice asks for the comparison with a
// `comparison` query each time a run finishes, and Open comparison… reads the run files Save comparison… writes.

import { describe, expect, it, vi } from 'vitest';
import { PoolBridge } from '../src/renderer/bridge/pool-bridge';
import { createAppStore } from '../src/renderer/store/app-store';
import { comparisonRunFile, scenarioOfForm } from '../src/renderer/store/compare-slice';
import type { CommandResult } from '../src/shared/commands';
import {
  type CompareActivity,
  type CompareRunState,
  type CompareSettings,
  type Comparison,
  type ComparisonRun,
  compareRowOf,
  recordedRun,
} from '../src/shared/compare';
import type { LiveMetrics } from '../src/shared/live-metrics';
import { QueueingWindow } from '../src/shared/queueing-window';
import { BUILT_IN_SCENARIOS } from '../src/shared/scenarios';
import { DEFAULT_SETTINGS, type Strategy } from '../src/shared/settings';
import type { PoolscopeApi, QueryResult, ViewerFrame, ViewerQuery } from '../src/shared/wire';
import { quietFrame } from './support/frame-workers';
import { T0 } from './support/sample-events';
import { simulateRun } from './support/simulated-run';
import { acceptingCommands, unwatchedFrames } from './support/unwatched-api';

const SCENARIO = BUILT_IN_SCENARIOS['sleep-burst-8'];
const SLEEP_MS = 400;

/** A run of "8 × /sleep" as its recording holds it: one thread for `single`, four for the pool. */
function runOf(strategy: Strategy, state: CompareRunState, startAt: number): ComparisonRun {
  const workerCount = strategy === 'single' ? 1 : 4;
  const jobs = Array.from({ length: 8 }, () => ({ gapMs: 0, runMs: SLEEP_MS, path: '/sleep' }));
  const settings = { ...DEFAULT_SETTINGS, strategy, workerCount, sleepMs: SLEEP_MS };
  return {
    ...recordedRun(strategy, settings, state, simulateRun({ workerCount, jobs, startAt })),
    scenarioStartedAt: startAt,
    outcome: state === 'cancelled' ? 'cancelled' : 'completed',
    peakRssBytes: 150 * 1_048_576,
  };
}

function activityOf(compareId: number, fields: Partial<CompareActivity> & Pick<CompareActivity, 'runs'>): CompareActivity {
  return { compareId, scenario: SCENARIO, phase: 'running', index: 0, isCancelled: false, finishedRunCount: 0, ...fields };
}

function progressOf(strategy: Strategy, state: CompareRunState, answered = state === 'pending' ? 0 : 8) {
  return { strategy, state, closed: answered, answered, total: 8, error: null };
}

/**
 * The main side as the page sees it: a frame stream the test pushes `metrics` panels into, a `comparison` query
 * answered with what the main side holds now, and the two commands, answered with `answer` (changeable mid-test).
 */
interface MainSide {
  /** What the `comparison` query answers. */
  comparison: Comparison | null;
  /** Answers the query instead, when set. */
  queryAnswer: QueryResult | null;
  queries: ViewerQuery[];
  started: CompareSettings[];
  cancels: number;
  answer: CommandResult;
  api: PoolscopeApi;
  send(compare: CompareActivity | null): void;
}

function mainSide(): MainSide {
  let deliver: ((frame: ViewerFrame) => void) | null = null;
  let seq = 0;
  const side: MainSide = {
    comparison: null,
    queryAnswer: null,
    queries: [],
    started: [],
    cancels: 0,
    answer: { ok: true },
    api: {
      ...acceptingCommands,
      runScenario: unwatchedFrames.runScenario,
      startCompare: async (settings: CompareSettings) => {
        side.started.push(settings);
        return side.answer;
      },
      cancelCompare: async () => {
        side.cancels++;
        return side.answer;
      },
      watch: (_view, listener) => {
        deliver = listener;
        return { setView: () => {}, ack: () => {}, close: () => {} };
      },
      query: async (query: ViewerQuery): Promise<QueryResult> => {
        side.queries.push(query);
        // A copy, as the wire carries it: the store never holds the main side's own objects.
        return side.queryAnswer ?? { ok: true, kind: 'comparison', comparison: structuredClone(side.comparison) };
      },
    },
    /** One frame carrying the metrics panel with this progress (null: no comparison yet), as the publisher sends it. */
    send(compare: CompareActivity | null): void {
      const metrics: LiveMetrics = {
        at: T0,
        queueing: new QueueingWindow().snapshot(T0),
        samples: [],
        isHistory: false,
        load: null,
        sweep: null,
        compare: structuredClone(compare),
      };
      deliver?.(quietFrame(++seq, T0, { panels: { metrics } }));
    },
  };
  return side;
}

function setup() {
  const side = mainSide();
  const store = createAppStore({ api: side.api });
  // Each frame's paint runs as soon as it is asked for, a second after the one before (so every paint publishes): the
  // metrics panel reaches the store in the publish of the frame that brings it, as in the page.
  let nowMs = T0;
  new PoolBridge(store, { scheduleFrame: (paint) => paint(), now: () => (nowMs += 1_000) }).connect(side.api);
  return { side, store, compare: () => store.getState().compare, actions: store.getState().compareActions };
}

/** A reopened comparison's files, as Save comparison… wrote them. */
function savedFiles(runs: readonly ComparisonRun[]): File[] {
  return runs.map((run, i) => {
    const file = comparisonRunFile(run, i)!;
    return new File(file.lines, file.fileName, { type: 'application/x-ndjson' });
  });
}

describe('Compare… in the store', () => {
  it("sends the form's scenario, strategies and settings, keeps each frame's progress, and asks for the comparison once per finished run", async () => {
    const { side, compare, actions } = setup();
    side.send(null);
    expect(compare().activity).toBeNull();
    actions.setOpen(true);
    actions.toggleStrategy('pool-while-let', true);
    actions.toggleStrategy('single', false);

    const starting = actions.start();
    expect(compare().pending).toBe('start');
    await starting;
    expect(side.started).toEqual([
      { scenario: SCENARIO, strategies: ['per-request', 'pool', 'pool-while-let'], settings: DEFAULT_SETTINGS },
    ] satisfies CompareSettings[]);
    expect(compare()).toMatchObject({ pending: null, error: null, shown: null });

    const pending = [progressOf('per-request', 'running', 3), progressOf('pool', 'pending'), progressOf('pool-while-let', 'pending')];
    side.send(activityOf(1, { runs: pending }));
    expect(compare().activity).toMatchObject({ compareId: 1, phase: 'running', index: 0, runs: [{ answered: 3 }, {}, {}] });
    side.send(activityOf(1, { runs: [progressOf('per-request', 'running', 7), ...pending.slice(1)] }));
    expect(compare().activity?.runs[0]?.answered).toBe(7);
    // No run finished yet: nothing to ask for.
    expect(side.queries).toEqual([]);

    // The first run's recording is complete: asked for once, however many frames say so.
    side.comparison = { compareId: 1, scenario: SCENARIO, runs: [runOf('per-request', 'done', T0)], isCancelled: false };
    const second = [progressOf('per-request', 'done'), progressOf('pool', 'running', 0), pending[2]!];
    side.send(activityOf(1, { index: 1, finishedRunCount: 1, runs: second }));
    side.send(activityOf(1, { index: 1, finishedRunCount: 1, phase: 'stopping', runs: second }));
    await vi.waitFor(() => expect(compare().shown?.runs).toHaveLength(1));
    expect(side.queries).toEqual([{ kind: 'comparison' }]);
    expect(compare().shown).toMatchObject({ title: SCENARIO.label, source: 'live', isCancelled: false });
    expect(compare().activity).toMatchObject({ phase: 'stopping', index: 1 });
  });

  it('shows the result once done: every run, read into the table from its recording', async () => {
    const { side, compare } = setup();
    const runs = [runOf('single', 'done', T0), runOf('pool', 'done', T0 + 60_000)];
    side.comparison = { compareId: 4, scenario: SCENARIO, runs, isCancelled: false };
    side.send(
      activityOf(4, { phase: 'done', index: 1, finishedRunCount: 2, runs: [progressOf('single', 'done'), progressOf('pool', 'done')] }),
    );
    await vi.waitFor(() => expect(compare().shown?.runs).toHaveLength(2));

    const rows = compare().shown!.runs.map(compareRowOf);
    expect(rows.map((row) => [row.strategy, row.state, row.requestCount, row.errors, row.peakThreads])).toEqual([
      ['single', 'done', 8, 0, 1],
      ['pool', 'done', 8, 0, 4],
    ]);
    // Eight sleeps one after another on the single thread, two rounds of four on the pool.
    expect(rows[0]!.makespanMs).toBeGreaterThanOrEqual(8 * SLEEP_MS);
    expect(rows[1]!.makespanMs).toBeGreaterThanOrEqual(2 * SLEEP_MS);
    expect(rows[1]!.makespanMs).toBeLessThan(3 * SLEEP_MS);
    expect(rows[0]!.peakRssBytes).toBe(150 * 1_048_576);
    expect(side.queries).toHaveLength(1);
  });

  it("cancels: the command is sent, the partial run is shown marked cancelled, and a cancel once it is over is refused in the main side's words", async () => {
    const { side, compare, actions } = setup();
    await actions.start();
    side.send(
      activityOf(1, { runs: [progressOf('single', 'running', 2), progressOf('per-request', 'pending'), progressOf('pool', 'pending')] }),
    );

    const cancelling = actions.cancel();
    expect(compare().pending).toBe('cancel');
    await cancelling;
    expect(side.cancels).toBe(1);
    expect(compare()).toMatchObject({ pending: null, error: null });

    side.comparison = { compareId: 1, scenario: SCENARIO, runs: [runOf('single', 'cancelled', T0)], isCancelled: true };
    const cancelled = [progressOf('single', 'cancelled', 2), progressOf('per-request', 'cancelled'), progressOf('pool', 'cancelled')];
    side.send(activityOf(1, { phase: 'done', isCancelled: true, finishedRunCount: 1, runs: cancelled }));
    await vi.waitFor(() => expect(compare().shown?.isCancelled).toBe(true));
    expect(compare().shown?.runs.map((run) => [run.strategy, run.state])).toEqual([['single', 'cancelled']]);
    expect(compare().activity).toMatchObject({ phase: 'done', isCancelled: true });

    // Once over, the main side's refusal is shown as it says it.
    side.answer = { ok: false, error: 'No comparison is running' };
    await actions.cancel();
    expect(compare().error).toBe('No comparison is running');
  });

  it("shows the main side's refusal, a failure to reach it, a form it cannot send and a comparison it cannot read, each in words", async () => {
    const { side, store, compare, actions } = setup();
    side.answer = { ok: false, error: 'Stop the server first: Compare starts a fresh server for each strategy (the server is listening)' };
    await actions.start();
    expect(compare()).toMatchObject({
      pending: null,
      error: 'Stop the server first: Compare starts a fresh server for each strategy (the server is listening)',
    });

    side.api.startCompare = async () => {
      throw new Error('Not connected');
    };
    await actions.start();
    expect(compare().error).toBe('Not connected');

    // Nothing is sent for a form that cannot be right, and editing it clears the message.
    const sent = side.started.length;
    actions.chooseScenario('custom');
    expect(compare().error).toBeNull();
    actions.editCustom('/sleep', 'count', '0');
    actions.editCustom('/', 'count', '0');
    await actions.start();
    expect(compare().error).toBe('A custom scenario needs at least one request: give /sleep or / a count');
    // A field out of its range is named as the panel labels it, with its input, not as the validator's "Group 1".
    actions.editCustom('/', 'count', '3');
    actions.editCustom('/', 'spacingMs', '-1');
    await actions.start();
    expect(compare().error).toBe('/ every (ms) must be between 0 and 10000 (got -1)');
    expect(scenarioOfForm(compare())).toMatchObject({ ok: false, inputId: 'compare-root-spacingMs' });
    actions.editCustom('/', 'spacingMs', '100');
    actions.editCustom('/sleep', 'count', '257');
    await actions.start();
    expect(compare().error).toBe('/sleep count must be between 0 and 256 (got 257)');
    expect(scenarioOfForm(compare())).toMatchObject({ ok: false, inputId: 'compare-sleep-count' });
    actions.editCustom('/sleep', 'count', '0');
    store.getState().viewActions.editSettingsField('workerCount', '0');
    await actions.start();
    expect(compare().error).toMatch(/^The server settings are not valid: Pool size must be at least 1/);
    expect(side.started).toHaveLength(sent);

    // The progress may reach the page before the start's answer: a refusal said meanwhile stays once the answer comes.
    store.getState().viewActions.editSettingsField('workerCount', '4');
    let answer: (result: CommandResult) => void = () => {};
    side.api.startCompare = () => new Promise((resolve) => (answer = resolve));
    const starting = actions.start();
    side.send(activityOf(2, { runs: [progressOf('pool', 'running', 0)] }));
    actions.explain('A comparison is already running');
    answer({ ok: true });
    await starting;
    expect(compare()).toMatchObject({ pending: null, error: 'A comparison is already running' });

    // A refusal said while a comparison ran ("already running") is stale once it is over.
    side.send(activityOf(2, { runs: [progressOf('pool', 'running', 1)] }));
    actions.explain('A comparison is already running');
    side.comparison = { compareId: 2, scenario: SCENARIO, runs: [runOf('pool', 'done', T0)], isCancelled: false };
    side.send(activityOf(2, { phase: 'done', finishedRunCount: 1, runs: [progressOf('pool', 'done')] }));
    expect(compare().error).toBeNull();
    await vi.waitFor(() => expect(compare().shown?.runs).toHaveLength(1));

    // A comparison the main side could not answer for is said, and the one shown stays.
    side.queryAnswer = { ok: false, error: 'Not connected' };
    side.send(activityOf(3, { phase: 'done', finishedRunCount: 1, runs: [progressOf('single', 'done')] }));
    await vi.waitFor(() => expect(compare().error).toBe('Could not read the comparison: Not connected'));
    expect(compare().shown?.runs.map((run) => run.strategy)).toEqual(['pool']);
  });

  it('reopens saved runs with the same figures, keeps them shown over the live comparison they came from, and gives way to a new one', async () => {
    const { side, compare, actions } = setup();
    const runs = [runOf('single', 'done', T0), runOf('per-request', 'done', T0 + 30_000), runOf('pool', 'done', T0 + 60_000)];
    side.comparison = { compareId: 3, scenario: SCENARIO, runs, isCancelled: false };
    side.send(activityOf(3, { phase: 'done', index: 2, finishedRunCount: 3, runs: runs.map((run) => progressOf(run.strategy, 'done')) }));
    await vi.waitFor(() => expect(compare().shown?.source).toBe('live'));
    const liveRows = compare().shown!.runs.map(compareRowOf);

    actions.setOpen(false);
    const files = savedFiles(compare().shown!.runs);
    expect(files.map((file) => file.name)).toEqual([
      'poolscope-compare-1-single.poolscope.jsonl',
      'poolscope-compare-2-per-request.poolscope.jsonl',
      'poolscope-compare-3-pool.poolscope.jsonl',
    ]);
    await actions.openFiles(files);
    const shown = compare().shown!;
    expect(compare()).toMatchObject({ isOpen: true, error: null });
    expect(shown).toMatchObject({ source: 'files', isCancelled: false, title: `Opened ${files.map((file) => file.name).join(', ')}` });
    // The same readings, from the recordings alone; only the memory, which run files do not hold, is unknown.
    expect(shown.runs.map(compareRowOf)).toEqual(liveRows.map((row) => ({ ...row, peakRssBytes: null })));

    // The live comparison's frames go on: the reopened one stays shown until another comparison starts.
    side.send(activityOf(3, { phase: 'done', index: 2, finishedRunCount: 3, runs: runs.map((run) => progressOf(run.strategy, 'done')) }));
    expect(compare().shown?.source).toBe('files');
    side.comparison = { compareId: 4, scenario: SCENARIO, runs: [runOf('pool', 'done', T0 + 90_000)], isCancelled: false };
    side.send(activityOf(4, { phase: 'done', finishedRunCount: 1, runs: [progressOf('pool', 'done')] }));
    await vi.waitFor(() => expect(compare().shown?.source).toBe('live'));
    expect(compare().shown?.runs.map((run) => run.strategy)).toEqual(['pool']);

    // A file that is not a run says which and why, and leaves the comparison shown as it was.
    await actions.openFiles([new File(['hello, world\n'], 'notes.json')]);
    expect(compare().error).toMatch(/^Could not open notes\.json: line 1: not a Poolscope run/);
    expect(compare().shown?.source).toBe('live');
    // An exported trace says what it is.
    await actions.openFiles([new File(['{"traceEvents":[]}\n'], 'trace.json')]);
    expect(compare().error).toMatch(/^Could not open trace\.json: this is an exported trace \(Chrome Trace Event Format\)/);
    expect(compare().shown?.source).toBe('live');
  });
});
