// The main side's live figures for viewers: a QueueingWindow and the chart sampler (LiveSeries) fed by every
// event of the controller's stream for as long as the controller lives, sampled every LIVE_METRICS_INTERVAL_MS.
// Viewers pull them: each frame carries the `metrics` panel when a sample was taken since that viewer's last
// one (the whole history to a viewer that is new or lost frames). Nothing here depends on a viewer seeing
// every event, and nothing is done per viewer between frames.

import type { EventStream } from '../server';
import type { CompareActivity } from '../shared/compare';
import type { LiveMetrics, LiveSample, LoadActivity, SweepActivity } from '../shared/live-metrics';
import { LIVE_METRICS_INTERVAL_MS, LiveSeries, MAX_LIVE_SAMPLES } from '../shared/live-metrics';
import { QueueingWindow } from '../shared/queueing-window';

export interface WorkloadActivity {
  load: LoadActivity | null;
  sweep: SweepActivity | null;
  compare: CompareActivity | null;
}

export interface LiveMetricsFeedOptions {
  intervalMs?: number;
}

export class LiveMetricsFeed {
  private readonly queueing = new QueueingWindow();
  private readonly series = new LiveSeries();
  /** The last MAX_LIVE_SAMPLES samples, oldest first. */
  private samples: LiveSample[] = [];
  /** Samples taken so far: a viewer that has seen version v needs the samples after it. */
  private sampleCount = 0;
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly events: Pick<EventStream, 'subscribe' | 'now'>,
    private readonly activity: () => WorkloadActivity,
    options: LiveMetricsFeedOptions = {},
  ) {
    // Both estimators are O(1) per event and bounded: cheap enough for the server's hot path.
    this.unsubscribe = events.subscribe((event) => {
      this.queueing.observe(event);
      this.series.observe(event);
    });
    this.timer = setInterval(() => this.tick(), options.intervalMs ?? LIVE_METRICS_INTERVAL_MS);
    this.timer.unref();
  }

  /** Moves with every sample taken. */
  get version(): number {
    return this.sampleCount;
  }

  /**
   * The figures for a viewer that has seen `seenVersion` (null: none yet, or it lost frames): the samples
   * after it, or the whole history (`isHistory`) when it is new or so far behind that some were dropped.
   */
  since(seenVersion: number | null): LiveMetrics {
    const missed = seenVersion === null ? Number.POSITIVE_INFINITY : this.sampleCount - seenVersion;
    const isHistory = missed > this.samples.length;
    const samples = isHistory ? [...this.samples] : missed > 0 ? this.samples.slice(-missed) : [];
    return { ...this.current(), samples, isHistory };
  }

  /** The figures right now, with no samples: what a test or a CLI can read without being a viewer. */
  current(): LiveMetrics {
    const at = this.events.now();
    const { load, sweep, compare } = this.activity();
    return { at, queueing: this.queueing.snapshot(at), samples: [], isHistory: false, load, sweep, compare };
  }

  dispose(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }

  private tick(): void {
    this.samples.push(this.series.sample(this.events.now()));
    if (this.samples.length > MAX_LIVE_SAMPLES) this.samples = this.samples.slice(-MAX_LIVE_SAMPLES);
    this.sampleCount++;
  }
}
