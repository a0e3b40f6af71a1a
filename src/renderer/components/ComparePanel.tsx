// Compare…: one scenario against each chosen strategy, each on a fresh server the main side starts and stops;
// progress and Cancel while it runs, then the runs stacked on one time axis (aligned at each run's scenario
// start) over a table of makespan, latency per route, peak threads, peak memory and errors. Save comparison…
// keeps a PNG of both and each run's recording; Open comparison… shows saved recordings stacked again.

import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  type CompareActivity,
  type CompareRow,
  type CompareTimeline,
  compareRowOf,
  compareTimelineOf,
  isComparisonRunning,
} from '../../shared/compare';
import { isSweepRunning, refusalWhileSweeping } from '../../shared/live-metrics';
import { RUN_FILE_EXTENSION } from '../../shared/run-file';
import { BUILT_IN_SCENARIO_IDS, BUILT_IN_SCENARIOS, type BuiltInScenarioId, CUSTOM_SCENARIO_ID } from '../../shared/scenarios';
import { STRATEGIES, type Strategy } from '../../shared/settings';
import { CUSTOM_FIELD_LABELS, comparisonRunFile, customFieldInputId, type ShownComparison, scenarioOfForm } from '../store/compare-slice';
import { useAppStore } from '../store/use-app-store';
import { downloadText, downloadUrl } from '../transport/downloads';
import { COMPARE_LAYOUT, compareTimelineHeightPx, paintCompareTimeline } from './compare-painter';
import { formatCount, formatDurationMs } from './format';
import { GuardedButton } from './workload-form';

const STRATEGY_CAPTIONS: Record<Strategy, string> = {
  single: 'single thread (21-10)',
  'per-request': 'a thread per request (21-11)',
  pool: 'ThreadPool',
  'pool-while-let': 'while let pool (21-21)',
};

function formatBytes(bytes: number | null): string {
  return bytes === null ? '—' : `${formatCount(Math.round(bytes / 1_048_576))} MiB`;
}

function runTitle(row: CompareRow): string {
  const state = row.state === 'done' ? '' : ` (${row.state}${row.error ? `: ${row.error}` : ''})`;
  return `${row.strategy}: makespan ${formatDurationMs(row.makespanMs)}${state}`;
}

/** The width of an element in CSS px, kept by a ResizeObserver. */
function useWidth(fallbackPx: number): [(element: HTMLElement | null) => void, number] {
  const [width, setWidth] = useState(fallbackPx);
  const observer = useRef<ResizeObserver | null>(null);
  const ref = useCallback(
    (element: HTMLElement | null) => {
      observer.current?.disconnect();
      observer.current = null;
      if (element === null) return;
      setWidth(element.clientWidth || fallbackPx);
      observer.current = new ResizeObserver(() => setWidth(element.clientWidth || fallbackPx));
      observer.current.observe(element);
    },
    [fallbackPx],
  );
  return [ref, width];
}

/** ms per CSS px shared by every run: the longest makespan fills the plot. */
function sharedMsPerPx(timelines: readonly CompareTimeline[], widthPx: number): number {
  const longestMs = Math.max(1, ...timelines.map((timeline) => timeline.makespanMs));
  return (longestMs * 1.04) / Math.max(1, widthPx - COMPARE_LAYOUT.gutterPx - 8);
}

function CompareTimelineCanvas({
  timeline,
  row,
  widthPx,
  msPerPx,
}: {
  timeline: CompareTimeline;
  row: CompareRow;
  widthPx: number;
  msPerPx: number;
}): ReactNode {
  const canvas = useRef<HTMLCanvasElement>(null);
  const heightPx = compareTimelineHeightPx(timeline);
  useEffect(() => {
    const element = canvas.current;
    const ctx = element?.getContext('2d');
    if (!element || !ctx) return;
    const scale = window.devicePixelRatio || 1;
    element.width = Math.round(widthPx * scale);
    element.height = Math.round(heightPx * scale);
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    paintCompareTimeline(ctx, timeline, { top: 0, widthPx, msPerPx, title: runTitle(row) });
  }, [timeline, row, widthPx, heightPx, msPerPx]);
  const sleeps = timeline.requests.filter((request) => request.route === '/sleep').length;
  return (
    <div
      className="compare-timeline"
      data-testid="compare-timeline"
      data-strategy={row.strategy}
      data-makespan-ms={row.makespanMs === null ? '' : Math.round(row.makespanMs)}
      data-ms-per-px={msPerPx.toFixed(3)}
      data-lanes={timeline.workerIds.length}
      role="img"
      aria-label={`${runTitle(row)}; ${timeline.requests.length} requests (${sleeps} to /sleep) on ${timeline.workerIds.length} threads`}
    >
      <canvas ref={canvas} style={{ width: `${widthPx}px`, height: `${heightPx}px` }} />
    </div>
  );
}

function percentileCells(latency: CompareRow['rootLatencyMs']): ReactNode {
  return (
    <>
      <td>{formatDurationMs(latency?.p50 ?? null)}</td>
      <td>{formatDurationMs(latency?.p99 ?? null)}</td>
    </>
  );
}

const TABLE_COLUMNS = [
  'Strategy',
  'Makespan',
  '/ p50',
  '/ p99',
  '/sleep p50',
  '/sleep p99',
  'Peak threads',
  'Thread start-up',
  'Peak memory',
  'Errors',
] as const;

function tableCells(row: CompareRow): string[] {
  return [
    row.strategy,
    formatDurationMs(row.makespanMs),
    formatDurationMs(row.rootLatencyMs?.p50 ?? null),
    formatDurationMs(row.rootLatencyMs?.p99 ?? null),
    formatDurationMs(row.sleepLatencyMs?.p50 ?? null),
    formatDurationMs(row.sleepLatencyMs?.p99 ?? null),
    formatCount(row.peakThreads),
    formatDurationMs(row.slowestThreadStartupMs),
    formatBytes(row.peakRssBytes),
    formatCount(row.errors),
  ];
}

function CompareTable({ rows }: { rows: readonly CompareRow[] }): ReactNode {
  const ms = (value: number | null | undefined) => (value === null || value === undefined ? '' : Math.round(value));
  return (
    <table className="sweep-table compare-table" data-testid="compare-table">
      <caption>One row per strategy: latency from each request's connection to its answer, as its client waited</caption>
      <thead>
        <tr>
          {TABLE_COLUMNS.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr
            key={row.strategy}
            data-testid="compare-row"
            data-strategy={row.strategy}
            data-state={row.state}
            data-makespan-ms={ms(row.makespanMs)}
            data-root-p50-ms={ms(row.rootLatencyMs?.p50)}
            data-root-p99-ms={ms(row.rootLatencyMs?.p99)}
            data-sleep-p50-ms={ms(row.sleepLatencyMs?.p50)}
            data-sleep-p99-ms={ms(row.sleepLatencyMs?.p99)}
            data-peak-threads={row.peakThreads}
            data-thread-startup-ms={ms(row.slowestThreadStartupMs)}
            data-peak-rss-bytes={row.peakRssBytes ?? ''}
            data-errors={row.errors}
          >
            <th scope="row" title={row.error ?? undefined}>
              {row.strategy}
              {row.state !== 'done' && <span className="compare-state"> ({row.state})</span>}
            </th>
            <td>{formatDurationMs(row.makespanMs)}</td>
            {percentileCells(row.rootLatencyMs)}
            {percentileCells(row.sleepLatencyMs)}
            <td>{formatCount(row.peakThreads)}</td>
            <td title="The slowest request thread's start-up: a fresh V8 isolate per request">
              {formatDurationMs(row.slowestThreadStartupMs)}
            </td>
            <td>{formatBytes(row.peakRssBytes)}</td>
            <td>{formatCount(row.errors)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The PNG: the title, every run's timeline at the shared scale, then the table as text. */
function composeComparisonPng(title: string, timelines: readonly CompareTimeline[], rows: readonly CompareRow[], widthPx: number): string {
  const scale = window.devicePixelRatio || 1;
  const titlePx = 32;
  const rowPx = 20;
  const heights = timelines.map(compareTimelineHeightPx);
  const tableTop = titlePx + heights.reduce((sum, h) => sum + h + 6, 0) + 8;
  const heightPx = tableTop + rowPx * (rows.length + 1) + 12;
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(widthPx * scale);
  canvas.height = Math.round(heightPx * scale);
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('This browser cannot draw a PNG');
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.fillStyle = '#0b0f14';
  ctx.fillRect(0, 0, widthPx, heightPx);
  ctx.fillStyle = '#e6edf3';
  ctx.font = '600 14px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillText(title, 10, titlePx / 2);
  const msPerPx = sharedMsPerPx(timelines, widthPx);
  let top = titlePx;
  timelines.forEach((timeline, i) => {
    paintCompareTimeline(ctx, timeline, { top, widthPx, msPerPx, title: runTitle(rows[i]!) });
    top += heights[i]! + 6;
  });
  const columnPx = (widthPx - 20) / TABLE_COLUMNS.length;
  const drawRow = (cells: readonly string[], y: number, isHead: boolean) => {
    ctx.font = `${isHead ? '600 ' : ''}12px system-ui, sans-serif`;
    ctx.fillStyle = isHead ? '#8b98a5' : '#e6edf3';
    for (const [i, cell] of cells.entries()) ctx.fillText(cell, 10 + i * columnPx, y + rowPx / 2);
  };
  drawRow(TABLE_COLUMNS, tableTop, true);
  for (const [i, row] of rows.entries()) drawRow(tableCells(row), tableTop + rowPx * (i + 1), false);
  return canvas.toDataURL('image/png');
}

function CompareProgressView({ activity }: { activity: CompareActivity }): ReactNode {
  const count = activity.runs.length;
  const current = activity.runs[activity.index];
  const finished = activity.runs.filter((run) => run.state !== 'pending' && run.state !== 'running').length;
  const share = current && current.state === 'running' ? current.closed / Math.max(1, current.total) : 0;
  const text =
    activity.phase !== 'done'
      ? `${current?.strategy ?? ''} (${activity.index + 1} of ${count}): ${activity.phase === 'stopping' ? 'stopping its server…' : `${current?.answered ?? 0} of ${current?.total ?? 0} requests answered`}`
      : activity.isCancelled
        ? `Cancelled after ${activity.runs.filter((run) => run.state === 'done').length} of ${count} strategies; no server is running.`
        : `Done: ${count} ${count === 1 ? 'strategy' : 'strategies'} compared; no server is running.`;
  return (
    <div
      className="sweep-progress compare-progress"
      data-testid="compare-progress"
      data-phase={activity.phase}
      data-index={activity.index}
      data-strategy={current?.strategy ?? ''}
      data-answered={current?.answered ?? 0}
      data-cancelled={activity.isCancelled}
    >
      <progress max={count} value={activity.phase === 'done' ? count : finished + share} aria-label="Strategies compared" />
      <p aria-live="polite">{text}</p>
      {activity.runs.some((run) => run.error !== null) && (
        <ul className="compare-errors">
          {activity.runs
            .filter((run) => run.error !== null)
            .map((run) => (
              <li key={run.strategy}>
                {run.strategy}: {run.error}
              </li>
            ))}
        </ul>
      )}
    </div>
  );
}

function CompareResults({ shown }: { shown: ShownComparison }): ReactNode {
  const explain = useAppStore((s) => s.compareActions.explain);
  const [measure, widthPx] = useWidth(900);
  const timelines = useMemo(() => shown.runs.map((run) => compareTimelineOf(run.events)), [shown.runs]);
  const rows = useMemo(() => shown.runs.map(compareRowOf), [shown.runs]);
  const msPerPx = sharedMsPerPx(timelines, widthPx);
  const save = useCallback(() => {
    const title = `Poolscope comparison: ${shown.title}${shown.isCancelled ? ' (cancelled)' : ''}`;
    try {
      downloadUrl(composeComparisonPng(title, timelines, rows, Math.max(720, widthPx)), 'poolscope-compare.png');
    } catch (error) {
      explain(`Could not make the PNG: ${(error as Error).message}`);
      return;
    }
    shown.runs.forEach((run, i) => {
      const file = comparisonRunFile(run, i);
      if (file !== null) downloadText(file.lines, file.fileName, 'application/x-ndjson');
    });
  }, [shown, timelines, rows, widthPx, explain]);

  return (
    <div className="compare-results" data-testid="compare-results" data-source={shown.source} data-runs={shown.runs.length}>
      <p className="sweep-intro">
        {shown.title}
        {shown.isCancelled ? ' (cancelled: the runs so far)' : ''}. Every run on one time axis, from its scenario's start.
      </p>
      <div className="compare-stack" ref={measure}>
        {timelines.map((timeline, i) => (
          <CompareTimelineCanvas
            key={`${rows[i]!.strategy}@${timeline.startAt}`}
            timeline={timeline}
            row={rows[i]!}
            widthPx={widthPx}
            msPerPx={msPerPx}
          />
        ))}
      </div>
      <CompareTable rows={rows} />
      <div className="buttons">
        <GuardedButton
          label="Save comparison…"
          reason={shown.runs.length === 0 ? 'No run finished yet' : null}
          onAct={save}
          onRefused={explain}
          testId="compare-save"
        />
      </div>
    </div>
  );
}

/** The custom scenario's summary line: what it sends, or what is wrong with the field marked invalid. */
const CUSTOM_SUMMARY_ID = 'compare-custom-summary';

export function ComparePanel(): ReactNode {
  const state = useAppStore((s) => s.compare);
  const actions = useAppStore((s) => s.compareActions);
  const phase = useAppStore((s) => s.wire.status.phase);
  const sweep = useAppStore((s) => s.workload.sweep);
  const fileInput = useRef<HTMLInputElement>(null);
  if (!state.isOpen) return null;

  const scenario = scenarioOfForm(state);
  const isComparing = isComparisonRunning(state.activity);
  const runReason = isComparing
    ? 'A comparison is already running'
    : isSweepRunning(sweep)
      ? refusalWhileSweeping('start-compare')
      : phase !== 'stopped'
        ? 'Stop the server first: Compare starts a fresh server for each strategy'
        : state.strategies.length === 0
          ? 'Choose at least one strategy'
          : !scenario.ok
            ? scenario.error
            : null;

  return (
    <section id="compare-panel" className="sweep-panel compare-panel panel" aria-label="Compare strategies" data-testid="compare-panel">
      <div className="panel-head">
        <h2>Compare strategies</h2>
        <button type="button" className="secondary small" onClick={() => actions.setOpen(false)}>
          Close
        </button>
      </div>
      <p className="sweep-intro">
        The same traffic against each server of the chapter, one after another, each on a fresh server on the same port with the settings
        above (sleep, pool size, limits). Stop the server first.
      </p>
      <div className="compare-form">
        <fieldset>
          <legend>Scenario</legend>
          {[...BUILT_IN_SCENARIO_IDS, CUSTOM_SCENARIO_ID].map((id) => (
            <label key={id} className="compare-choice">
              <input
                type="radio"
                name="compare-scenario"
                value={id}
                data-testid="compare-scenario"
                checked={state.scenarioId === id}
                onChange={() => actions.chooseScenario(id as BuiltInScenarioId | typeof CUSTOM_SCENARIO_ID)}
              />
              {id === CUSTOM_SCENARIO_ID ? 'Custom' : BUILT_IN_SCENARIOS[id as BuiltInScenarioId].label}
            </label>
          ))}
          {state.scenarioId === CUSTOM_SCENARIO_ID && (
            <div className="compare-custom">
              {(['/sleep', '/'] as const).map((path) => (
                <div key={path} className="compare-custom-group">
                  <span className="compare-custom-path">{path}</span>
                  {(['count', 'startMs', 'spacingMs'] as const).map((field) => {
                    const id = customFieldInputId(path, field);
                    const isInvalid = !scenario.ok && scenario.inputId === id;
                    return (
                      <span key={field} className="field workload-field">
                        <label htmlFor={id}>
                          {/* Two fields read "count": a screen reader hears which route each is for. */}
                          <span className="visually-hidden">{path} </span>
                          {CUSTOM_FIELD_LABELS[field]}
                        </label>
                        <input
                          id={id}
                          className="compare-custom-input"
                          inputMode="numeric"
                          value={state.custom[path][field]}
                          aria-invalid={isInvalid || undefined}
                          aria-describedby={isInvalid ? CUSTOM_SUMMARY_ID : undefined}
                          onChange={(event) => actions.editCustom(path, field, event.target.value)}
                        />
                      </span>
                    );
                  })}
                </div>
              ))}
              <p id={CUSTOM_SUMMARY_ID} className="sweep-intro">
                {scenario.ok ? `Sends ${scenario.value.label}` : scenario.error}
              </p>
            </div>
          )}
        </fieldset>
        <fieldset>
          <legend>Strategies</legend>
          {STRATEGIES.map((strategy) => (
            <label key={strategy} className="compare-choice">
              <input
                type="checkbox"
                value={strategy}
                data-testid="compare-strategy"
                checked={state.strategies.includes(strategy)}
                onChange={(event) => actions.toggleStrategy(strategy, event.target.checked)}
              />
              {strategy} <span className="compare-caption">{STRATEGY_CAPTIONS[strategy]}</span>
            </label>
          ))}
        </fieldset>
      </div>
      <div className="buttons">
        <GuardedButton
          label="Run comparison"
          look="primary"
          reason={runReason}
          isBusy={state.pending === 'start'}
          onAct={() => void actions.start()}
          onRefused={actions.explain}
        />
        <GuardedButton
          label="Cancel comparison"
          reason={isComparing ? null : 'No comparison is running'}
          isBusy={state.pending === 'cancel'}
          onAct={() => void actions.cancel()}
          onRefused={actions.explain}
        />
        <button type="button" className="secondary" onClick={() => fileInput.current?.click()}>
          Open comparison…
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          accept={RUN_FILE_EXTENSION}
          data-testid="compare-open-input"
          onChange={(event) => {
            const files = [...(event.target.files ?? [])];
            event.target.value = '';
            void actions.openFiles(files);
          }}
        />
      </div>
      <p className="field-error workload-message" data-testid="compare-message" aria-live="polite">
        {state.error ?? ''}
      </p>
      {state.activity !== null && <CompareProgressView activity={state.activity} />}
      {state.shown !== null && <CompareResults shown={state.shown} />}
    </section>
  );
}
