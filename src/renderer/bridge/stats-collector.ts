// The stats strip's and the stats panel's numbers for the store: the shared RequestStats (src/shared/request-stats.ts)
// fed one finished request at a time, with HdrHistogram as its histogram, read out as plain StatsState.
// HDR histograms (plain JS, no wasm) hold every sample at 3 significant digits in bounded memory.

import type { Histogram } from 'hdr-histogram-js';
// The builder alone: the package's main and browser entries also load its log encoder, which probes
// for zlib with eval() at load time, and the page's Content-Security-Policy forbids eval.
import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import type { PoolModel, RequestRecord, WorkerState } from '../../shared/pool-model';
import { RequestStats } from '../../shared/request-stats';
import type { StatsState } from '../store/stats-slice';

function newHistogram(): Histogram {
  return build({ useWebAssembly: false, numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });
}

export class StatsCollector {
  private stats = new RequestStats(newHistogram);

  /** A new server run starts from zero (burst summaries stay, to compare pool sizes). */
  reset(runStartedAt: number | null, workerCount: number | null = null): void {
    this.stats.reset(runStartedAt, workerCount);
  }

  /** The server stopped: requests per second fall to 0 at once. */
  serverStopped(): void {
    this.stats.serverStopped();
  }

  /** Recomputes from a snapshot's retained requests (the ones of the current run), bursts included. */
  rebuild(model: PoolModel): void {
    this.stats = new RequestStats(newHistogram);
    this.stats.reset(model.listeningAt, model.phase === 'stopped' ? null : model.workerCount);
    for (const record of model.requests.values()) this.stats.recordFinished(record);
    if (model.phase === 'stopped') this.stats.serverStopped();
  }

  /** Counts a request whose response has been sent; ignores one that is unfinished or from an earlier run. */
  recordFinished(record: RequestRecord): void {
    this.stats.recordFinished(record);
  }

  requestsPerSecond(nowMs: number): number {
    return this.stats.requestsPerSecond(nowMs);
  }

  summary(nowMs: number, workers: ReadonlyArray<WorkerState | undefined> = []): StatsState {
    const overall = this.stats.overallStats();
    return {
      requestsPerSecond: this.stats.requestsPerSecond(nowMs),
      latencyMs: overall.latencyMs,
      waitMs: overall.waitMs,
      finishedCount: overall.count,
      serverErrors: overall.serverErrors,
      clientErrors: overall.clientErrors,
      waitedTooLong: overall.waitedTooLong,
      routes: this.stats.routeStats(),
      bursts: this.stats.burstSummaries(),
      workerBusyPercent: this.stats.busyShares(nowMs, workers).map((share) => Math.round(share * 100)),
    };
  }
}
