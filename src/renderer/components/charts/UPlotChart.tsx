// One uPlot chart as a React component: created once per options object, fed new data without re-creating
// it (uPlot redraws its canvas itself), and sized to its container. Its canvas is reachable through
// `onChart` (the sweep's PNG export draws from it).

import { memo, type ReactNode, useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface UPlotChartProps {
  /** Everything but the size, which follows the container. Made once (useMemo): a new object re-creates the chart. */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  heightPx: number;
  /** Called with the chart once made, and with null when it goes. */
  onChart?: (chart: uPlot | null) => void;
}

const MIN_WIDTH_PX = 120;

function UPlotChartImpl({ options, data, heightPx, onChart }: UPlotChartProps): ReactNode {
  const hostRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<uPlot | null>(null);
  const dataRef = useRef(data);
  dataRef.current = data;
  const onChartRef = useRef(onChart);
  onChartRef.current = onChart;

  useEffect(() => {
    const host = hostRef.current;
    if (host === null) return;
    const width = Math.max(MIN_WIDTH_PX, host.clientWidth);
    const chart = new uPlot({ ...options, width, height: heightPx }, dataRef.current, host);
    chartRef.current = chart;
    onChartRef.current?.(chart);
    const resize = new ResizeObserver(() => {
      const nextWidth = Math.max(MIN_WIDTH_PX, host.clientWidth);
      if (nextWidth !== chart.width) chart.setSize({ width: nextWidth, height: heightPx });
    });
    resize.observe(host);
    return () => {
      resize.disconnect();
      chart.destroy();
      chartRef.current = null;
      onChartRef.current?.(null);
    };
  }, [options, heightPx]);

  useEffect(() => {
    chartRef.current?.setData(data);
  }, [data]);

  return <div ref={hostRef} className="uplot-host" />;
}

export const UPlotChart = memo(UPlotChartImpl);
