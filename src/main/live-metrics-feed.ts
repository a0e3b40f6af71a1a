// The main side's live figures for viewers: a QueueingWindow and the chart sampler (LiveSeries) fed by every
// event of the controller's stream for as long as the controller lives, sampled every LIVE_METRICS_INTERVAL_MS
// and sent to each viewer as one small `metrics` message (history first, then each new sample). Nothing here
// depends on a viewer seeing every event: a viewer that falls behind gets the whole history again.

import type { EventStream } from '../server';
import type { LiveMetrics, LiveSample, LoadActivity, SweepActivity } from '../shared/live-metrics';
import { LIVE_METRICS_INTERVAL_MS, LiveSeries, MAX_LIVE_SAMPLES } from '../shared/live-metrics';
import { QueueingWindow } from '../shared/queueing-window';
import type { ViewerSink } from './publisher';

export interface WorkloadActivity {
  load: LoadActivity | null;
  sweep: SweepActivity | null;
}

export interface LiveMetricsFeedOptions {
  intervalMs?: number;
}

interface MetricsViewer {
  readonly sink: ViewerSink;
  /** The next message must carry the whole history: the viewer is new, or missed samples. */
  needsHistory: boolean;
}

export class LiveMetricsFeed {
  private readonly queueing = new QueueingWindow();
  private readonly series = new LiveSeries();
  /** The last MAX_LIVE_SAMPLES samples, oldest first. */
  private samples: LiveSample[] = [];
  private readonly viewers = new Set<MetricsViewer>();
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

  /** Sends this viewer the whole history at once, then every new sample. Returns remove(). */
  addViewer(sink: ViewerSink): () => void {
    const viewer: MetricsViewer = { sink, needsHistory: true };
    this.viewers.add(viewer);
    this.sendTo(viewer, this.message([]));
    return () => this.viewers.delete(viewer);
  }

  /** The figures right now, with no new samples: what a test or a CLI can read without being a viewer. */
  current(): LiveMetrics {
    return this.message([]);
  }

  dispose(): void {
    clearInterval(this.timer);
    this.unsubscribe();
    this.viewers.clear();
  }

  private tick(): void {
    const sample = this.series.sample(this.events.now());
    this.samples.push(sample);
    if (this.samples.length > MAX_LIVE_SAMPLES) this.samples = this.samples.slice(-MAX_LIVE_SAMPLES);
    if (this.viewers.size === 0) return;
    const message = this.message([sample]);
    for (const viewer of [...this.viewers]) this.sendTo(viewer, message);
  }

  private message(newSamples: LiveSample[]): LiveMetrics {
    const at = this.events.now();
    const { load, sweep } = this.activity();
    return { at, queueing: this.queueing.snapshot(at), samples: newSamples, isHistory: false, load, sweep };
  }

  private sendTo(viewer: MetricsViewer, metrics: LiveMetrics): void {
    if (viewer.sink.isCongested?.() === true) {
      viewer.needsHistory = true;
      return;
    }
    const message = viewer.needsHistory ? { ...metrics, samples: [...this.samples], isHistory: true } : metrics;
    viewer.needsHistory = false;
    try {
      viewer.sink.send({ kind: 'metrics', sentAt: metrics.at, metrics: message });
    } catch {
      // A sink that throws is gone; the publisher removes it too.
      this.viewers.delete(viewer);
    }
  }
}
