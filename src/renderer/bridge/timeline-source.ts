// The timeline's source in the renderer: the one projection from the timeline the frames carry (the flight
// recorder's answer for the view's window and width: bars where jobs fit, per-bucket summaries where they do
// not, the queue's waits or its length, markers, runs) to the TimelineFrame the drawing reads. The window
// drawn slides with the page's clock between frames; the data is the last frame's.

import { fixedThreadCountOf, type ServerSettings } from '../../shared/settings';
import type { FrameTimeline, FrameWorker, FrameBar as WireBar, FrameMarker as WireMarker, FrameRun as WireRun } from '../../shared/wire';
import { pluralize } from '../components/format';
import {
  type BucketSummaries,
  type FrameBar,
  type FrameLane,
  type FrameMarker,
  type FrameQueueSpan,
  type FrameRun,
  type MarkerKind,
  type RouteKind,
  type RunSeparator,
  routeOf,
  type TimelineFrame,
} from '../components/timeline-frame';

/** What the timeline is asked for: a window, the width it is drawn over, and the newest moment known. */
export interface TimelineQuery {
  fromAt: number;
  toAt: number;
  plotWidthPx: number;
  now: number;
}

/** What the frames say besides the timeline: the runs the history knows and the pool shown now. */
export interface TimelineContext {
  /** Every run the history knows, oldest first. */
  runs: readonly WireRun[];
  /** The run shown now (0 before any). */
  currentRunId: number;
  /** The lanes it has from its start (startingThreadCountOf; 0 before any run). */
  currentWorkerCount: number;
  workers: readonly FrameWorker[];
}

const ROUTE_KINDS: Record<WireBar['route'], RouteKind> = { '/': 'hello', '/sleep': 'sleep', other: 'other' };
/** A wait's path by its route, when the frame names no job for it. */
const ROUTE_PATHS: Record<WireBar['route'], string> = { '/': '/', '/sleep': '/sleep', other: 'other' };

/** The recorder's markers the timeline names (their `data-kind` values are public hooks). */
const MARKER_KINDS: Partial<Record<WireMarker['kind'], MarkerKind>> = {
  'server-listening': 'start',
  'stop-requested': 'stop-requested',
  'worker-joined': 'worker-joined',
  'worker-crashed': 'worker-crashed',
  'worker-replaced': 'worker-replaced',
  'server-stopped': 'stopped',
};

/** A run's threads in words, for the separators between runs. */
function threadsWordsOf(settings: ServerSettings | null): string {
  if (settings === null) return 'no workers';
  if (settings.strategy === 'single') return 'a single thread';
  if (settings.strategy === 'per-request') return 'a thread per request';
  return pluralize(settings.workerCount, 'worker');
}

function runOf(run: WireRun): FrameRun {
  return {
    runId: run.runId,
    listeningAt: run.listeningAt ?? run.startedAt,
    fixedThreadCount: run.settings === null ? 0 : fixedThreadCountOf(run.settings),
    strategy: run.settings?.strategy ?? null,
    threadsWords: threadsWordsOf(run.settings),
    stoppingAt: run.stoppingAt,
    stoppedAt: run.stoppedAt,
  };
}

function barOf(bar: WireBar, currentRunId: number): FrameBar {
  return {
    runId: bar.runId,
    requestId: bar.requestId,
    workerId: bar.workerId,
    method: bar.method,
    target: bar.path,
    path: bar.path,
    route: ROUTE_KINDS[bar.route] ?? routeOf(bar.path),
    origin: bar.origin,
    queuedAt: bar.queuedAt,
    startedAt: bar.startedAt,
    finishedAt: bar.finishedAt,
    status: bar.status,
    waitMs: bar.queuedAt === null ? null : Math.max(0, bar.startedAt - bar.queuedAt),
    isCurrentRun: bar.runId === currentRunId,
  };
}

/** The data of a TimelineFrame, from the held timeline; its window is set per query (timelineFrameAt). */
export function projectTimeline(timeline: FrameTimeline | null, context: TimelineContext): TimelineFrame {
  const { currentRunId } = context;
  const bars: FrameBar[] = [];
  const barsByKey = new Map<string, FrameBar>();
  const summaries: BucketSummaries = {
    bucketMs: timeline?.bucketMs ?? 1,
    firstBucketIndex: timeline?.firstBucketIndex ?? 0,
    bucketCount: timeline?.bucketCount ?? 0,
    lanes: [],
  };
  let maxWorkerId = -1;
  for (const lane of timeline?.lanes ?? []) {
    maxWorkerId = Math.max(maxWorkerId, lane.workerId);
    for (const wireBar of lane.bars) {
      const bar = barOf(wireBar, currentRunId);
      bars.push(bar);
      barsByKey.set(`${bar.runId}:${bar.requestId}`, bar);
    }
    summaries.lanes.push({ workerId: lane.workerId, ...lane.buckets });
  }
  // Lane by lane from the recorder; the overlay keeps the newest, so across lanes in start order.
  bars.sort((a, b) => a.startedAt - b.startedAt);

  const spans: FrameQueueSpan[] | null =
    timeline?.queue.spans?.map((span): FrameQueueSpan => {
      const bar = span.requestId === null ? undefined : barsByKey.get(`${span.runId}:${span.requestId}`);
      return {
        runId: span.runId,
        requestId: span.requestId,
        connection: span.connection,
        method: bar?.method ?? '',
        target: bar?.target ?? ROUTE_PATHS[span.route],
        route: ROUTE_KINDS[span.route],
        origin: span.origin,
        queuedAt: span.queuedAt,
        leftAt: span.leftAt,
        workerId: span.workerId,
        abandonReason: span.abandonReason,
        isWaiting: span.isWaiting,
        isCurrentRun: span.runId === currentRunId,
      };
    }) ?? null;
  const queueBuckets = timeline?.queue.buckets;
  let peakLength = 0;
  for (const length of queueBuckets?.maxLength ?? []) peakLength = Math.max(peakLength, length);
  // The spans list every wait of a pixel or more, so their longest is the window's longest; with none listed (all
  // shorter than a pixel, or too many to list) the buckets know only each one's mean.
  let longestWaitMs: number | null = spans === null || (spans.length === 0 && peakLength > 0) ? null : 0;
  if (spans !== null && longestWaitMs !== null) {
    for (const span of spans) longestWaitMs = Math.max(longestWaitMs, span.leftAt - span.queuedAt);
  }
  let waitMsSum = 0;
  let waitCount = 0;
  const dequeued = queueBuckets?.dequeued ?? [];
  (queueBuckets?.meanWaitMs ?? []).forEach((waitMs, i) => {
    if (waitMs === null || !(dequeued[i]! > 0)) return;
    waitMsSum += waitMs * dequeued[i]!;
    waitCount += dequeued[i]!;
  });
  const meanWaitMs = waitCount === 0 ? null : waitMsSum / waitCount;

  const allRuns = context.runs.map(runOf);
  const shownRunIds = new Set((timeline?.runs ?? []).map((run) => run.runId));
  const runs = (timeline?.runs ?? []).map(runOf);
  const separators: RunSeparator[] = [];
  for (let i = 1; i < allRuns.length; i++) {
    const run = allRuns[i]!;
    const previous = allRuns[i - 1]!;
    if (!shownRunIds.has(run.runId) || !shownRunIds.has(previous.runId)) continue;
    separators.push({
      at: run.listeningAt,
      runId: run.runId,
      threadsWords: run.threadsWords,
      previousRunId: previous.runId,
      previousThreadsWords: previous.threadsWords,
      previousStoppedAt: previous.stoppedAt,
    });
  }

  const markers: FrameMarker[] = [];
  for (const marker of timeline?.markers ?? []) {
    const kind = MARKER_KINDS[marker.kind];
    if (kind !== undefined) markers.push({ at: marker.at, kind, runId: marker.runId, workerId: marker.workerId });
  }

  let laneCount = Math.max(1, context.currentWorkerCount, context.workers.length, maxWorkerId + 1);
  for (const run of runs) laneCount = Math.max(laneCount, run.fixedThreadCount ?? 0);
  const lanes: FrameLane[] = [];
  for (let workerId = 0; workerId < laneCount; workerId++) {
    const isInCurrentRun = workerId < Math.max(context.currentWorkerCount, context.workers.length);
    const isExited = context.workers.find((worker) => worker.id === workerId)?.phase === 'exited';
    lanes.push({ workerId, isInCurrentRun, isDimmed: !isInCurrentRun || isExited });
  }

  return {
    fromAt: timeline?.fromAt ?? 0,
    toAt: timeline?.toAt ?? 0,
    now: timeline?.now ?? 0,
    lanes,
    bars,
    buckets: summaries,
    queue: {
      spans,
      steps: {
        bucketMs: summaries.bucketMs,
        firstBucketIndex: summaries.firstBucketIndex,
        meanLength: queueBuckets?.meanLength ?? [],
        maxLength: queueBuckets?.maxLength ?? [],
        rejected: queueBuckets?.rejected ?? [],
      },
      peakLength,
      longestWaitMs,
      meanWaitMs,
    },
    markers,
    runs,
    separators,
  };
}

/**
 * The frame placed on the window asked for: the page's window slides with its clock between frames, and a
 * job still running at the last frame grows to `now`.
 */
export function timelineFrameAt(frame: TimelineFrame, query: TimelineQuery): TimelineFrame {
  return { ...frame, fromAt: query.fromAt, toAt: query.toAt, now: Math.max(frame.now, Math.min(query.now, query.toAt)) };
}
