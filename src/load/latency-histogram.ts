// Latency percentiles for the load generator: an HDR histogram (3 significant digits, bounded memory
// whatever the sample count), recorded in microseconds because it takes integers, read back in ms.

import type { Histogram } from 'hdr-histogram-js';
// The builder alone, as the renderer imports it: the package's main entry also loads a log encoder that
// probes for zlib with eval(), which the app's Content-Security-Policy forbids.
import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import type { LatencySummary } from '../shared/load-report';

const MICROS_PER_MS = 1_000;

export class LatencyHistogram {
  private readonly histogram: Histogram = build({
    useWebAssembly: false,
    numberOfSignificantValueDigits: 3,
    lowestDiscernibleValue: 1,
    autoResize: true,
  });

  recordMs(valueMs: number): void {
    this.histogram.recordValue(Math.max(0, Math.round(valueMs * MICROS_PER_MS)));
  }

  reset(): void {
    this.histogram.reset();
  }

  summary(): LatencySummary | null {
    const h = this.histogram;
    if (h.totalCount === 0) return null;
    // A percentile reads the top of its bucket, which can lie a hair above the largest value recorded.
    const at = (percentile: number) => Math.min(h.getValueAtPercentile(percentile), h.maxValue) / MICROS_PER_MS;
    return {
      count: h.totalCount,
      meanMs: h.mean / MICROS_PER_MS,
      p50Ms: at(50),
      p90Ms: at(90),
      p99Ms: at(99),
      p999Ms: at(99.9),
      maxMs: h.maxValue / MICROS_PER_MS,
    };
  }
}
