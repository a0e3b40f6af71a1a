// Throughput and latency percentiles of the current server run, fed one finished request at a time.
// HDR histograms (plain JS, no wasm) hold every sample at 3 significant digits in bounded memory;
// values are recorded in microseconds because the histogram only takes integers.

import type { Histogram } from 'hdr-histogram-js';
// The builder alone: the package's main and browser entries also load its log encoder, which probes
// for zlib with eval() at load time, and the page's Content-Security-Policy forbids eval.
import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import type { PoolModel, RequestRecord } from '../../shared/pool-model';
import type { PercentilesMs, StatsState } from '../store/stats-slice';

/** Requests per second are averaged over this much recent time. */
export const RATE_WINDOW_MS = 5_000;
const RATE_BUCKET_MS = 250;
const RATE_BUCKET_COUNT = RATE_WINDOW_MS / RATE_BUCKET_MS;
/** Before a run is this old, the rate divides by its age instead of the whole window. */
const MIN_RATE_SPAN_MS = 1_000;
const MICROS_PER_MS = 1_000;

function newHistogram(): Histogram {
  return build({ useWebAssembly: false, numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });
}

function percentiles(histogram: Histogram): PercentilesMs | null {
  if (histogram.totalCount === 0) return null;
  return {
    p50: histogram.getValueAtPercentile(50) / MICROS_PER_MS,
    p95: histogram.getValueAtPercentile(95) / MICROS_PER_MS,
    p99: histogram.getValueAtPercentile(99) / MICROS_PER_MS,
  };
}

export class StatsCollector {
  private readonly latency = newHistogram();
  private readonly wait = newHistogram();
  private runStartedAt: number | null = null;
  private finishedCount = 0;
  private serverErrors = 0;
  private clientErrors = 0;
  /** Ring of per-bucket response counts; bucketIds says which RATE_BUCKET_MS slice each slot holds. */
  private readonly bucketCounts = new Float64Array(RATE_BUCKET_COUNT);
  private readonly bucketIds = new Float64Array(RATE_BUCKET_COUNT).fill(-1);

  /** Forgets everything: a new server run starts from zero. */
  reset(runStartedAt: number | null): void {
    this.latency.reset();
    this.wait.reset();
    this.runStartedAt = runStartedAt;
    this.finishedCount = 0;
    this.serverErrors = 0;
    this.clientErrors = 0;
    this.bucketCounts.fill(0);
    this.bucketIds.fill(-1);
  }

  /** Recomputes from a snapshot's retained requests (the ones of the current run). */
  rebuild(model: PoolModel): void {
    this.reset(model.listeningAt);
    for (const record of model.requests.values()) this.recordFinished(record);
  }

  /** Counts a request whose response has been sent; ignores one that is unfinished or from an earlier run. */
  recordFinished(record: RequestRecord): void {
    if (record.sentAt === null) return;
    if (this.runStartedAt !== null && record.receivedAt < this.runStartedAt) return;
    this.finishedCount++;
    const status = record.status ?? 0;
    if (status >= 500) this.serverErrors++;
    else if (status >= 400) this.clientErrors++;
    this.latency.recordValue(Math.max(0, Math.round((record.sentAt - record.receivedAt) * MICROS_PER_MS)));
    if (record.waitMs !== null) this.wait.recordValue(Math.max(0, Math.round(record.waitMs * MICROS_PER_MS)));
    const bucketId = Math.floor(record.sentAt / RATE_BUCKET_MS);
    const slot = bucketId % RATE_BUCKET_COUNT;
    if (this.bucketIds[slot] !== bucketId) {
      this.bucketIds[slot] = bucketId;
      this.bucketCounts[slot] = 0;
    }
    this.bucketCounts[slot]!++;
  }

  requestsPerSecond(nowMs: number): number {
    const newestBucketId = Math.floor(nowMs / RATE_BUCKET_MS);
    let count = 0;
    for (let slot = 0; slot < RATE_BUCKET_COUNT; slot++) {
      const bucketId = this.bucketIds[slot]!;
      if (bucketId > newestBucketId - RATE_BUCKET_COUNT && bucketId <= newestBucketId) count += this.bucketCounts[slot]!;
    }
    if (count === 0) return 0;
    const runAgeMs = this.runStartedAt === null ? RATE_WINDOW_MS : nowMs - this.runStartedAt;
    const spanMs = Math.min(RATE_WINDOW_MS, Math.max(MIN_RATE_SPAN_MS, runAgeMs));
    return (count * 1_000) / spanMs;
  }

  summary(nowMs: number): StatsState {
    return {
      requestsPerSecond: this.requestsPerSecond(nowMs),
      latencyMs: percentiles(this.latency),
      waitMs: percentiles(this.wait),
      finishedCount: this.finishedCount,
      serverErrors: this.serverErrors,
      clientErrors: this.clientErrors,
    };
  }
}
