// The stats area's time series: requests/s, p99 latency, queue length and busy workers over the timeline's
// window, drawn with uPlot from the samples the main side takes every 250 ms (never from events in the page).

import { type ReactNode, useMemo, useRef } from 'react';
import type uPlot from 'uplot';
import { threadNounOf } from '../../shared/pool-model';
import { useAppStore } from '../store/use-app-store';
import {
  COUNT_INCREMENTS,
  chartAxis,
  clockTicks,
  countTicks,
  durationTicks,
  measuredSeries,
  sizeFittingLabels,
  theorySeries,
  ticksUpTo,
} from './charts/chart-theme';
import { busyWorkersFigure, liveChartColumns } from './charts/live-chart-data';
import { UPlotChart } from './charts/UPlotChart';
import { formatDurationMs, formatRate } from './format';

const CHART_HEIGHT_PX = 96;

interface LiveChartProps {
  title: string;
  series: string;
  /** The latest value, in words, for the figure's label and the test hook. */
  latest: string;
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  points: number;
}

function LiveChart({ title, series, latest, options, data, points }: LiveChartProps): ReactNode {
  return (
    <figure className="live-chart" data-testid="live-chart" data-series={series} data-points={points} data-latest={latest}>
      <figcaption>
        <span className="live-chart-title">{title}</span> <span className="live-chart-latest">{latest}</span>
      </figcaption>
      <div role="img" aria-label={`${title} over the timeline window, latest ${latest}`}>
        <UPlotChart options={options} data={data} heightPx={CHART_HEIGHT_PX} />
      </div>
    </figure>
  );
}

const COUNT_AXIS: Partial<uPlot.Axis> = { values: countTicks, incrs: COUNT_INCREMENTS };
/** Busy workers: whole numbers, and the pool size (the top of the data, its dashed line) always a tick. */
const BUSY_WORKERS_AXIS: Partial<uPlot.Axis> = {
  ...COUNT_AXIS,
  splits: (chart, _axisIdx, _min, _max, incr) => ticksUpTo(Math.max(1, ...chart.data[2]!.map((workers) => workers ?? 0)), incr),
};

/** The time axis's range, s, read by the charts' x scale at each setData (the options stay made once). */
type XRange = { current: [number, number] };

function timeSeriesOptions(
  isPresenting: boolean,
  xRangeS: XRange,
  series: uPlot.Series[],
  yAxis: Partial<uPlot.Axis> = COUNT_AXIS,
): Omit<uPlot.Options, 'width' | 'height'> {
  return {
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: true, range: () => xRangeS.current },
      y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
    },
    axes: [
      chartAxis(isPresenting, { size: 24, values: clockTicks, space: isPresenting ? 90 : 60 }),
      // At least room for "250 ms" or "1.5K" at the axis's font, wider for a longer label ("0.50 ms"); ticks 20 px
      // apart at least, so a 60 px plot in whole steps shows 0, 2, 4 rather than a lone 0.
      chartAxis(isPresenting, { size: sizeFittingLabels(isPresenting ? 70 : 50), space: isPresenting ? 28 : 20, ...yAxis }),
    ],
    series: [{}, ...series],
  };
}

export function LiveCharts(): ReactNode {
  const samples = useAppStore((s) => s.workload.samples);
  const windowMs = useAppStore((s) => s.view.timelineWindowMs);
  const pausedAt = useAppStore((s) => s.view.timelinePausedAt);
  const isPresenting = useAppStore((s) => s.view.isPresenting);
  const liveThreads = useAppStore((s) => s.wire.threads.live);
  const strategy = useAppStore((s) => s.wire.strategy);
  const xRangeS = useRef<[number, number]>([0, 1]);

  const options = useMemo(
    () => ({
      rate: timeSeriesOptions(isPresenting, xRangeS, [measuredSeries(0, 'requests/s')]),
      p99: timeSeriesOptions(isPresenting, xRangeS, [measuredSeries(1, 'p99 latency ms', { spanGaps: false })], { values: durationTicks }),
      queue: timeSeriesOptions(isPresenting, xRangeS, [measuredSeries(3, 'queue length')]),
      busy: timeSeriesOptions(
        isPresenting,
        xRangeS,
        [measuredSeries(2, 'busy workers'), theorySeries('pool size', { points: { show: false } })],
        BUSY_WORKERS_AXIS,
      ),
    }),
    [isPresenting],
  );

  // Before the first sample the window ends at the frame's moment, so even an empty axis reads the present.
  const emptyAt = useAppStore((s) => (s.workload.samples.length > 0 ? 0 : s.wire.frameAt));
  const endAt = pausedAt ?? (samples.length > 0 ? samples[samples.length - 1]!.at : emptyAt);
  const columns = useMemo(() => liveChartColumns(samples, windowMs, endAt), [samples, windowMs, endAt]);
  // Set while rendering, before the charts' effects hand them the new data and uPlot asks for the range.
  xRangeS.current = [columns.fromS, columns.toS];
  const last = columns.timesS.length - 1;
  const points = columns.timesS.length;
  const latestP99 = last >= 0 ? columns.p99LatencyMs[last] : null;

  return (
    <section
      className="live-charts panel"
      aria-label="Live charts: requests/s, p99 latency, waiting jobs and busy workers"
      data-testid="live-charts"
    >
      <LiveChart
        title="Requests/s"
        series="requests-per-s"
        latest={last >= 0 ? formatRate(columns.responsesPerS[last]!) : '—'}
        options={options.rate}
        data={[columns.timesS, columns.responsesPerS]}
        points={points}
      />
      <LiveChart
        title="p99 latency"
        series="p99-latency"
        latest={formatDurationMs(latestP99)}
        options={options.p99}
        data={[columns.timesS, columns.p99LatencyMs]}
        points={points}
      />
      <LiveChart
        title="Queue length"
        series="queue-length"
        latest={last >= 0 ? columns.meanQueueLength[last]!.toFixed(1) : '—'}
        options={options.queue}
        data={[columns.timesS, columns.meanQueueLength]}
        points={points}
      />
      <LiveChart
        title={`Busy ${threadNounOf(strategy)}s`}
        series="busy-workers"
        latest={busyWorkersFigure(columns, liveThreads)}
        options={options.busy}
        data={[columns.timesS, columns.meanBusyWorkers, columns.workers]}
        points={points}
      />
    </section>
  );
}
