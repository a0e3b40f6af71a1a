// Sweep…: the same open-loop load on each pool size, the app's own server restarted for each (by the main
// side, which then restores it), with progress, Cancel, the charts of latency, throughput and ρ against pool
// size beside the M/M/c (Erlang C) prediction, the table they are drawn from, and CSV and PNG export.

import { type ReactNode, useCallback, useMemo, useRef } from 'react';
import type uPlot from 'uplot';
import { isComparisonRunning, refusalWhileComparing } from '../../shared/compare';
import { isSweepRunning, refusalWhileSweeping, type SweepActivity } from '../../shared/live-metrics';
import { formatMix } from '../../shared/load-settings';
import { clientLimitNote, type SweepTableRow, scheduleDrawNote, sweepTableCsv } from '../../shared/sweep-table';
import { useAppStore } from '../store/use-app-store';
import { checkSweepForm, type SweepFormField } from '../store/workload-slice';
import { downloadUrl } from '../transport/downloads';
import { CHART_COLORS, chartAxis, measuredSeries, sizeFittingLabels, theorySeries } from './charts/chart-theme';
import { sweepChartColumns } from './charts/sweep-chart-data';
import { UPlotChart } from './charts/UPlotChart';
import { formatCount, formatDurationMs, formatRate } from './format';
import { GuardedButton, type WorkloadFieldSpec, WorkloadForm } from './workload-form';

const CHART_HEIGHT_PX = 200;

const SWEEP_FIELDS: ReadonlyArray<WorkloadFieldSpec<Exclude<SweepFormField, 'arrivals'>>> = [
  { field: 'workerCounts', id: 'sweep-worker-counts', label: 'Pool sizes', isWide: true, hint: 'e.g. 1,2,4,8' },
  { field: 'ratePerS', id: 'sweep-rate', label: 'Rate (req/s)' },
  { field: 'durationS', id: 'sweep-duration', label: 'Duration (s each)' },
  { field: 'mix', id: 'sweep-mix', label: 'Mix', isWide: true, hint: 'PATH:WEIGHT,… weights summing to 1' },
  { field: 'connections', id: 'sweep-connections', label: 'Connections' },
  { field: 'sleepMs', id: 'sweep-sleep-ms', label: '/sleep (ms)', hint: 'How long /sleep without ?ms= sleeps on the sweep’s servers' },
];

interface ChartSpec {
  key: string;
  title: string;
  series: uPlot.Series[];
  /** Log scale for latency, whose pool sizes differ by orders of magnitude. */
  isLog?: boolean;
  yMax?: number;
}

const CHART_SPECS: readonly ChartSpec[] = [
  {
    key: 'latency',
    title: 'Latency (ms, log scale) against pool size',
    series: [measuredSeries(0, 'p50 measured'), measuredSeries(1, 'p99 measured'), theorySeries('M/M/c mean W (theory)')],
    isLog: true,
  },
  {
    key: 'throughput',
    title: 'Throughput (req/s) against pool size',
    series: [measuredSeries(2, 'done/s measured'), measuredSeries(3, 'sent/s'), theorySeries('M/M/c min(λ, c/S) (theory)')],
  },
  {
    key: 'utilization',
    title: 'ρ and P(wait) against pool size',
    series: [measuredSeries(0, 'ρ = λS/c measured'), measuredSeries(1, 'P(wait) measured'), theorySeries('Erlang C P(wait) (theory)')],
    yMax: 1.2,
  },
];

function chartOptions(spec: ChartSpec, isPresenting: boolean): Omit<uPlot.Options, 'width' | 'height'> {
  return {
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: false, range: (_u, min, max) => [Math.max(0, min - 0.5), max + 0.5] },
      y: spec.isLog ? { distr: 3, log: 10 } : { range: (_u, _min, max) => [0, Math.max(spec.yMax ?? 1, max * 1.1)] },
    },
    axes: [
      chartAxis(isPresenting, { label: 'workers', size: 40, incrs: [1, 2, 4, 8, 16] }),
      chartAxis(isPresenting, { size: sizeFittingLabels(56) }),
    ],
    series: [{}, ...spec.series],
  };
}

function chartData(spec: ChartSpec, rows: readonly SweepTableRow[]): uPlot.AlignedData {
  const c = sweepChartColumns(rows);
  switch (spec.key) {
    case 'latency':
      return [c.workers, c.p50Ms, c.p99Ms, c.theoryMeanLatencyMs];
    case 'throughput':
      return [c.workers, c.throughputPerS, c.sentPerS, c.theoryThroughputPerS];
    default:
      return [c.workers, c.utilization, c.measuredProbabilityOfWait, c.theoryProbabilityOfWait];
  }
}

function seriesColor(series: uPlot.Series): string {
  return typeof series.stroke === 'string' ? series.stroke : CHART_COLORS.axis;
}

/** One PNG of every chart, each with its title and its series' names in their colours, on the panel's colour. */
export function composeChartsPng(charts: ReadonlyArray<{ spec: ChartSpec; chart: uPlot }>, title: string): string {
  const scale = window.devicePixelRatio || 1;
  const headerPx = 44 * scale;
  const titlePx = 36 * scale;
  const width = Math.max(...charts.map(({ chart }) => chart.ctx.canvas.width));
  const height = titlePx + charts.reduce((sum, { chart }) => sum + headerPx + chart.ctx.canvas.height, 0);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('This browser cannot draw a PNG');
  ctx.fillStyle = '#121820';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#e6edf3';
  ctx.font = `${14 * scale}px system-ui, sans-serif`;
  ctx.fillText(title, 12 * scale, 24 * scale);
  let y = titlePx;
  for (const { spec, chart } of charts) {
    ctx.fillStyle = '#e6edf3';
    ctx.font = `${13 * scale}px system-ui, sans-serif`;
    ctx.fillText(spec.title, 12 * scale, y + 18 * scale);
    let x = 12 * scale;
    ctx.font = `${12 * scale}px system-ui, sans-serif`;
    for (const series of spec.series) {
      ctx.fillStyle = seriesColor(series);
      ctx.fillRect(x, y + 30 * scale, 14 * scale, 3 * scale);
      x += 18 * scale;
      ctx.fillText(String(series.label ?? ''), x, y + 36 * scale);
      x += ctx.measureText(String(series.label ?? '')).width + 16 * scale;
    }
    ctx.drawImage(chart.ctx.canvas, 0, y + headerPx);
    y += headerPx + chart.ctx.canvas.height;
  }
  return canvas.toDataURL('image/png');
}

function sweepTitle(activity: SweepActivity): string {
  const load = activity.settings.load;
  return `Poolscope sweep: ${formatRate(load.ratePerS)} req/s ${load.arrivals} of ${formatMix(load.mix)}, ${formatRate(load.durationS)} s per pool size, seed ${load.seed ?? '—'}`;
}

function SweepProgressView({ activity }: { activity: SweepActivity }): ReactNode {
  const count = activity.settings.workerCounts.length;
  const loadShare = activity.load === null ? 0 : Math.min(1, activity.load.elapsedMs / Math.max(1, activity.load.durationMs));
  const done = activity.phase === 'running' ? activity.rows.length + loadShare : count;
  const text =
    activity.phase === 'running'
      ? `Pool size ${activity.workers} (${activity.index + 1} of ${count})${activity.load === null ? ': restarting the server…' : `: ${formatCount(activity.load.sent)} sent, ${formatCount(activity.load.completed)} completed`}`
      : activity.phase === 'restoring'
        ? 'Putting the server back as it was…'
        : activity.error !== null
          ? `Stopped: ${activity.error}`
          : activity.isCancelled
            ? `Cancelled after ${activity.rows.length} of ${count} pool sizes; the server is back as it was.`
            : `Done: ${count} pool sizes measured; the server is back as it was.`;
  return (
    <div
      className="sweep-progress"
      data-testid="sweep-progress"
      data-phase={activity.phase}
      data-index={activity.index}
      data-rows={activity.rows.length}
    >
      <progress max={count} value={done} aria-label="Pool sizes measured" />
      <p aria-live="polite">{text}</p>
    </div>
  );
}

function SweepTable({ rows }: { rows: readonly SweepTableRow[] }): ReactNode {
  const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);
  const drawNote = scheduleDrawNote(rows, formatRate);
  const hasClientLimitedRow = rows.some((row) => row.isClientLimited);
  return (
    <table className="sweep-table">
      <caption>Measured beside M/M/c (Erlang C), one row per pool size</caption>
      <thead>
        <tr>
          <th scope="col">Workers</th>
          <th scope="col">Sent/s</th>
          <th scope="col">Done/s</th>
          <th scope="col">p50</th>
          <th scope="col">p99</th>
          <th scope="col">Errors</th>
          <th scope="col">S</th>
          <th scope="col">ρ</th>
          <th scope="col">P(wait)</th>
          <th scope="col">Erlang C P(wait)</th>
          <th scope="col">Wq</th>
          <th scope="col">M/M/c Wq</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr
            key={row.workers}
            data-testid="sweep-row"
            data-workers={row.workers}
            data-p50-ms={row.p50Ms ?? ''}
            data-p99-ms={row.p99Ms ?? ''}
            data-throughput={row.throughputPerS.toFixed(2)}
            data-rho={row.utilization ?? ''}
            data-client-limited={row.isClientLimited ? '1' : undefined}
            data-p-wait={row.measuredProbabilityOfWait ?? ''}
            data-theory-p-wait={row.predictedProbabilityOfWait ?? ''}
          >
            <th scope="row">{row.workers}</th>
            <td
              className={row.isClientLimited ? 'tone-warn' : undefined}
              title={row.isClientLimited ? `of ${formatRate(row.dueRatePerS)}/s due: see the note under the table` : undefined}
            >
              {formatRate(row.achievedRatePerS)}
              {row.isClientLimited && '*'}
            </td>
            <td>{formatRate(row.throughputPerS)}</td>
            <td>{formatDurationMs(row.p50Ms)}</td>
            <td>{formatDurationMs(row.p99Ms)}</td>
            <td>{formatCount(row.errors)}</td>
            <td>{formatDurationMs(row.meanServiceMs)}</td>
            <td>{row.utilization === null ? '—' : row.utilization.toFixed(2)}</td>
            <td>{percent(row.measuredProbabilityOfWait)}</td>
            <td>{percent(row.predictedProbabilityOfWait)}</td>
            <td>{formatDurationMs(row.measuredMeanWaitMs)}</td>
            <td>
              {row.predictedQueueGrowthPerS !== null
                ? `∞ (+${formatRate(row.predictedQueueGrowthPerS)}/s)`
                : formatDurationMs(row.predictedMeanWaitMs)}
            </td>
          </tr>
        ))}
      </tbody>
      {(drawNote !== null || hasClientLimitedRow) && (
        <tfoot>
          {drawNote !== null && (
            <tr>
              <td colSpan={12} className="sweep-note" data-testid="sweep-schedule-draw">
                <p>{drawNote}</p>
              </td>
            </tr>
          )}
          {hasClientLimitedRow && (
            <tr>
              <td colSpan={12} className="sweep-note" data-testid="sweep-client-limited">
                {rows.map((row) => clientLimitNote(row, formatRate)).map((note) => note !== null && <p key={note}>* {note}</p>)}
              </td>
            </tr>
          )}
        </tfoot>
      )}
    </table>
  );
}

function SweepCharts({ activity }: { activity: SweepActivity }): ReactNode {
  const isPresenting = useAppStore((s) => s.view.isPresenting);
  const explain = useAppStore((s) => s.workloadActions.explain);
  const charts = useRef(new Map<string, uPlot>());
  const options = useMemo(() => CHART_SPECS.map((spec) => chartOptions(spec, isPresenting)), [isPresenting]);
  const data = useMemo(() => CHART_SPECS.map((spec) => chartData(spec, activity.rows)), [activity.rows]);
  const onChart = useMemo(
    () =>
      CHART_SPECS.map((spec) => (chart: uPlot | null) => {
        if (chart === null) charts.current.delete(spec.key);
        else charts.current.set(spec.key, chart);
      }),
    [],
  );
  const hasRows = activity.rows.length > 0;
  const exportCsv = useCallback(() => {
    const url = URL.createObjectURL(
      new Blob([sweepTableCsv([...activity.rows].sort((a, b) => a.workers - b.workers))], { type: 'text/csv' }),
    );
    downloadUrl(url, 'poolscope-sweep.csv');
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }, [activity.rows]);
  const exportPng = useCallback(() => {
    const drawn = CHART_SPECS.flatMap((spec) => {
      const chart = charts.current.get(spec.key);
      return chart ? [{ spec, chart }] : [];
    });
    try {
      downloadUrl(composeChartsPng(drawn, sweepTitle(activity)), 'poolscope-sweep.png');
    } catch (error) {
      explain('sweep', `Could not make the PNG: ${(error as Error).message}`);
    }
  }, [activity, explain]);

  return (
    <>
      <div
        className="sweep-chart"
        data-testid="sweep-chart"
        data-rows={activity.rows.length}
        data-workers={activity.rows.map((row) => row.workers).join(',')}
      >
        {CHART_SPECS.map((spec, index) => (
          <figure key={spec.key} className="sweep-chart-figure" data-chart={spec.key}>
            <figcaption>
              {spec.title}
              <span className="chart-legend">
                {spec.series.map((series) => (
                  <span key={String(series.label)} className="chart-legend-item">
                    <span className={`chart-swatch ${series.dash ? 'is-theory' : ''}`} style={{ borderColor: seriesColor(series) }} />
                    {String(series.label)}
                  </span>
                ))}
              </span>
            </figcaption>
            <div role="img" aria-label={`${spec.title}; the numbers are in the table below`}>
              <UPlotChart options={options[index]!} data={data[index]!} heightPx={CHART_HEIGHT_PX} onChart={onChart[index]} />
            </div>
          </figure>
        ))}
      </div>
      <div className="buttons">
        <GuardedButton
          label="Export CSV"
          reason={hasRows ? null : 'No pool size measured yet'}
          onAct={exportCsv}
          onRefused={(r) => explain('sweep', r)}
        />
        <GuardedButton
          label="Export PNG"
          reason={hasRows ? null : 'No pool size measured yet'}
          onAct={exportPng}
          onRefused={(r) => explain('sweep', r)}
        />
      </div>
      {hasRows && <SweepTable rows={[...activity.rows].sort((a, b) => a.workers - b.workers)} />}
    </>
  );
}

export function SweepPanel(): ReactNode {
  const isOpen = useAppStore((s) => s.workload.isSweepOpen);
  const form = useAppStore((s) => s.workload.sweepForm);
  const refusal = useAppStore((s) => s.workload.sweepRefusal);
  const sweepError = useAppStore((s) => s.workload.sweepError);
  const pending = useAppStore((s) => s.workload.pending);
  const activity = useAppStore((s) => s.workload.sweep);
  const load = useAppStore((s) => s.workload.load);
  const isComparing = useAppStore((s) => isComparisonRunning(s.compare.activity));
  const phase = useAppStore((s) => s.wire.status.phase);
  const actions = useAppStore((s) => s.workloadActions);
  if (!isOpen) return null;

  const check = checkSweepForm(form);
  const fieldError = !check.ok ? { field: check.field, text: check.error } : refusal;
  const isSweeping = isSweepRunning(activity);
  const runReason = isSweeping
    ? refusalWhileSweeping('start-sweep')
    : load !== null && load.report === null
      ? 'A load is running: cancel it first'
      : isComparing
        ? refusalWhileComparing('start-sweep')
        : phase === 'starting' || phase === 'stopping'
          ? `The server is ${phase}: try again once it has finished`
          : !check.ok
            ? check.error
            : null;

  return (
    <section id="sweep-panel" className="sweep-panel panel" aria-label="Sweep" data-testid="sweep-panel">
      <div className="panel-head">
        <h2>Sweep: pool size against latency</h2>
        <button type="button" className="secondary small" onClick={() => actions.setSweepOpen(false)}>
          Close
        </button>
      </div>
      <p className="sweep-intro">
        The same load on each pool size. The server restarts at each size on its port, then goes back to the settings it had.
      </p>
      <WorkloadForm
        kind="sweep"
        fields={SWEEP_FIELDS}
        values={form}
        fieldError={fieldError}
        onEdit={(field, value) => actions.editSweepForm(field, value)}
        run={{ label: 'Run sweep', reason: runReason, isBusy: pending === 'start-sweep', onAct: () => void actions.startSweep() }}
        cancel={{
          label: 'Cancel sweep',
          reason: isSweeping && activity?.phase === 'running' ? null : 'No sweep is running',
          isBusy: pending === 'cancel-sweep',
          onAct: () => void actions.cancelSweep(),
        }}
        onRefused={(reason) => actions.explain('sweep', reason)}
      />
      <p className="field-error workload-message" data-testid="sweep-message" aria-live="polite">
        {sweepError ?? ''}
      </p>
      {activity !== null && (
        <>
          <SweepProgressView activity={activity} />
          <SweepCharts activity={activity} />
        </>
      )}
    </section>
  );
}
