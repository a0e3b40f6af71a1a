// The timeline's text alternative and test hooks: the newest bars in the window as a short list of jobs,
// each placed over its bar and named in words ("#12 GET /sleep on worker 0, burst, status 200, waited 1.5 s,
// ran 1.5 s"), and how the arrow keys move through that list; the lanes' buckets of dense jobs over the
// whole window, a bounded number of them (neighbours joined), each named ("worker 2, 12:00:01.2 to
// 12:00:01.6: 83 % busy, 412 jobs: GET / 400, /sleep 12"); the newest waits of the queue track, the
// markers and the lines between runs, each placed over what the canvas draws for it and named in words.
// Pure and DOM-free; TimelinePanel renders it from the same scene the canvas is painted from.

import { describeAbandonReason, threadNameOf, threadPhraseOf } from '../../shared/pool-model';
import type { Strategy } from '../../shared/settings';
import { queueSpanKeyOf } from '../../shared/wire';
import { formatClockTime, formatDurationMs, pluralize } from './format';
import type { FrameBar, FrameMarker, FrameQueueSpan, MarkerKind } from './timeline-frame';
import { isWorkerMarker, newestStrategyOf, ROUTE_ORDER, strategyOfRun, waitKindOf } from './timeline-frame';
import { LANES_TOP_PX, lanesBottom, laneTop, QUEUE_TOP_PX, QUEUE_TRACK_HEIGHT_PX, type TimelineScene, xOf } from './timeline-geometry';

/** The overlay holds at most this many bars (the newest), and as many waits, so the DOM stays small at any request rate. */
export const MAX_OVERLAY_BARS = 300;
/** Markers and separators are few; a bound all the same. */
const MAX_OVERLAY_MARKERS = 100;
/** Marker and separator elements are this wide, centred on their line, so a pointer can find them. */
const MARKER_WIDTH_PX = 6;

export interface OverlayBar {
  requestId: number;
  runId: number;
  /** False for a job of an earlier run: named, but not hovered or pinned (its request id was reused). */
  isCurrentRun: boolean;
  workerId: number;
  path: string;
  origin: string;
  /** The HTTP status, or '' while the job has none yet. */
  status: string;
  /** The job in words: its accessible name and its tooltip. */
  label: string;
  /** Its run, in whole ms since the Unix epoch (a running job's up to now). */
  fromAt: number;
  toAt: number;
  leftPx: number;
  topPx: number;
  widthPx: number;
  heightPx: number;
}

/** At most this many bucket elements, over the whole window: neighbouring buckets of a lane are joined to fit. */
export const MAX_OVERLAY_BUCKETS = MAX_OVERLAY_BARS;

export interface OverlayBucket {
  workerId: number;
  /** Its lane's name, as the lane's label says it ("Worker 2", "Thread"). */
  laneName: string;
  fromAt: number;
  toAt: number;
  /** The dense jobs' run time over the elapsed part of the stretch, 0–1. */
  busyFraction: number;
  jobs: number;
  /** Of those jobs, the ones answered 4xx and 5xx. */
  clientErrorJobs: number;
  serverErrorJobs: number;
  /** The jobs by route, in ROUTE_ORDER. */
  routeJobs: readonly number[];
  label: string;
  leftPx: number;
  topPx: number;
  widthPx: number;
  heightPx: number;
}

export interface OverlaySpan {
  /** Unique among a frame's spans (queueSpanKeyOf). */
  key: string;
  /** null for a connection's wait whose request is not read (yet). */
  requestId: number | null;
  /** Strategy 'single': the connection that waited, unread, for the one thread; null for a job's wait. */
  connectionId: number | null;
  runId: number;
  isCurrentRun: boolean;
  /** Whole ms from joining the queue until a worker took it (or until now, while it waits). */
  waitMs: number;
  isWaiting: boolean;
  label: string;
  leftPx: number;
  topPx: number;
  widthPx: number;
  heightPx: number;
}

export interface OverlayMarker {
  /** For a marker, its kind; for a run separator, 'run-separator'. */
  kind: MarkerKind | 'run-separator';
  at: number;
  runId: number;
  workerId: number | null;
  label: string;
  leftPx: number;
  topPx: number;
  widthPx: number;
  heightPx: number;
}

/** What a marker is called in the strip above the queue. */
export function markerName(marker: FrameMarker): string {
  switch (marker.kind) {
    case 'start':
      return marker.runId > 1 ? `Start · run ${marker.runId}` : 'Start';
    case 'stop-requested':
      return 'Stop';
    case 'worker-joined':
      return `W${marker.workerId} joined`;
    case 'worker-crashed':
      return `W${marker.workerId} crashed`;
    case 'worker-replaced':
      return `W${marker.workerId} replaced`;
    case 'stopped':
      return 'Stopped';
  }
}

/** What a person needs to know about one job, in the order they would ask; `strategy`: its run's. */
export function jobLabel(bar: FrameBar, now: number, strategy: Strategy | null): string {
  const runTo = bar.finishedAt ?? now;
  const waitMs = bar.waitMs ?? (bar.queuedAt === null ? 0 : bar.startedAt - bar.queuedAt);
  const runMs = runTo - bar.startedAt;
  const outcome = bar.status === null ? 'running' : `status ${bar.status}`;
  const ran = bar.finishedAt === null ? `running for ${formatDurationMs(runMs)}` : `ran ${formatDurationMs(runMs)}`;
  const thread = threadPhraseOf(strategy, bar.workerId);
  const where = bar.isCurrentRun ? thread : `${thread} of run ${bar.runId}`;
  return `#${bar.requestId} ${bar.method} ${bar.target} on ${where}, ${bar.origin}, ${outcome}, waited ${formatDurationMs(waitMs)}, ${ran}`;
}

/** The last `max` items `make` returns something for, oldest first, without holding more than `max` at once. */
function newest<T, R>(items: Iterable<T>, max: number, make: (item: T) => R | null): R[] {
  const ring: R[] = [];
  let next = 0;
  for (const item of items) {
    const made = make(item);
    if (made === null) continue;
    if (ring.length < max) ring.push(made);
    else ring[next] = made;
    next = (next + 1) % max;
  }
  return ring.length < max ? ring : [...ring.slice(next), ...ring.slice(0, next)];
}

/** The newest MAX_OVERLAY_BARS jobs that ran in the window, oldest first, each over its bar. */
export function overlayBars(scene: TimelineScene): OverlayBar[] {
  const { layout, frame } = scene;
  const plotLeft = xOf(layout, layout.startAt);
  // Arrival order is close enough to start order.
  return newest(scene.bars, MAX_OVERLAY_BARS, (box): OverlayBar => {
    const { bar } = box;
    const left = Math.max(box.x, plotLeft);
    const right = Math.min(box.x + box.w, layout.widthPx);
    return {
      requestId: bar.requestId,
      runId: bar.runId,
      isCurrentRun: bar.isCurrentRun,
      workerId: bar.workerId,
      path: bar.path,
      origin: bar.origin,
      status: bar.status === null ? '' : String(bar.status),
      label: jobLabel(bar, frame.now, strategyOfRun(frame.runs, bar.runId)),
      fromAt: Math.floor(bar.startedAt),
      toAt: Math.ceil(bar.finishedAt ?? frame.now),
      leftPx: left,
      topPx: laneTop(layout, bar.workerId),
      widthPx: Math.max(4, right - left),
      heightPx: layout.laneHeightPx,
    };
  });
}

const ROUTE_NAMES = { hello: 'GET /', sleep: '/sleep', other: 'other' } as const;

/** A lane's stretch of dense jobs in words. */
export function bucketLabel(
  bucket: Pick<OverlayBucket, 'laneName' | 'fromAt' | 'toAt' | 'busyFraction' | 'jobs' | 'clientErrorJobs' | 'serverErrorJobs'>,
  routeJobs: readonly number[],
): string {
  const mix = ROUTE_ORDER.map((route, r) => (routeJobs[r]! > 0 ? `${ROUTE_NAMES[route]} ${routeJobs[r]}` : null))
    .filter((part) => part !== null)
    .join(', ');
  const failed = [
    bucket.serverErrorJobs > 0 ? `${bucket.serverErrorJobs} answered 5xx` : null,
    bucket.clientErrorJobs > 0 ? `${bucket.clientErrorJobs} answered 4xx` : null,
  ]
    .filter((part) => part !== null)
    .join(', ');
  return (
    `${bucket.laneName}, ${formatClockTime(bucket.fromAt)} to ${formatClockTime(bucket.toAt)}: ` +
    `${Math.round(bucket.busyFraction * 100)} % busy, ${pluralize(bucket.jobs, 'job')}${mix === '' ? '' : ` (${mix})`}` +
    (failed === '' ? '' : `; ${failed}`)
  );
}

/** Whether two bucket elements say and place the same: one may stand for the other. */
function isSameBucket(a: OverlayBucket, b: OverlayBucket): boolean {
  return (
    a.laneName === b.laneName &&
    a.toAt === b.toAt &&
    a.busyFraction === b.busyFraction &&
    a.jobs === b.jobs &&
    a.clientErrorJobs === b.clientErrorJobs &&
    a.serverErrorJobs === b.serverErrorJobs &&
    a.routeJobs.every((jobs, r) => b.routeJobs[r] === jobs) &&
    a.leftPx === b.leftPx &&
    a.topPx === b.topPx &&
    a.widthPx === b.widthPx &&
    a.heightPx === b.heightPx
  );
}

/**
 * The lanes' buckets of dense jobs over the whole window, at most MAX_OVERLAY_BUCKETS: when the grid has more,
 * each element joins a run of neighbouring buckets (aligned to absolute time, so they stay put as the window
 * slides). A stretch's busy fraction is its buckets' mean over their elapsed time; its jobs their sum (a job
 * crossing buckets counts in each, as the recorder counts it). A bucket that has not changed since `previous` (the
 * last refresh's) is that same object: its label is not written again (300 labels cost about 3 ms) and its element
 * is not rendered again.
 */
export function overlayBuckets(scene: TimelineScene, previous: readonly OverlayBucket[] = []): OverlayBucket[] {
  const { layout, buckets, frame } = scene;
  if (buckets.length === 0) return [];
  const grid = frame.buckets;
  const lanesWithBuckets = new Set(buckets.map((box) => box.workerId)).size;
  const visibleBuckets = Math.ceil((layout.endAt - layout.startAt) / grid.bucketMs) + 1;
  const group = Math.max(1, Math.ceil((visibleBuckets * lanesWithBuckets) / MAX_OVERLAY_BUCKETS));
  const spanMs = group * grid.bucketMs;
  const plotLeft = xOf(layout, layout.startAt);
  // Nothing is summed before the grid: a stretch that starts before it is as busy as its part inside.
  const gridFromAt = grid.firstBucketIndex * grid.bucketMs;
  const strategy = newestStrategyOf(frame.runs);
  const previousByKey = new Map<string, OverlayBucket>();
  for (const bucket of previous) previousByKey.set(`${bucket.workerId}:${bucket.fromAt}`, bucket);
  const elements: OverlayBucket[] = [];
  let current: (OverlayBucket & { busyMs: number; routeJobs: number[] }) | null = null;
  const close = () => {
    if (current === null) return;
    const { busyMs, ...element } = current;
    // Over the stretch's elapsed time, its empty buckets included: a stretch half empty is half as busy.
    const elapsedMs = Math.max(0, Math.min(element.toAt, frame.now) - Math.max(element.fromAt, gridFromAt));
    element.busyFraction = elapsedMs > 0 ? Math.min(1, busyMs / elapsedMs) : 0;
    const same = previousByKey.get(`${element.workerId}:${element.fromAt}`);
    if (same !== undefined && isSameBucket(same, element)) elements.push(same);
    else {
      element.label = bucketLabel(element, element.routeJobs);
      elements.push(element);
    }
    current = null;
  };
  for (const box of buckets) {
    const fromAt = Math.floor(box.fromAt / spanMs) * spanMs;
    if (current === null || current.workerId !== box.workerId || current.fromAt !== fromAt) {
      close();
      const left = Math.max(xOf(layout, fromAt), plotLeft);
      current = {
        workerId: box.workerId,
        laneName: threadNameOf(strategy, box.workerId),
        fromAt,
        toAt: fromAt + spanMs,
        busyFraction: 0,
        jobs: 0,
        clientErrorJobs: 0,
        serverErrorJobs: 0,
        label: '',
        leftPx: left,
        topPx: laneTop(layout, box.workerId),
        widthPx: Math.max(4, Math.min(xOf(layout, fromAt + spanMs), layout.widthPx) - left),
        heightPx: layout.laneHeightPx,
        busyMs: 0,
        routeJobs: [0, 0, 0],
      };
    }
    current.busyMs += box.busyFraction * Math.max(0, Math.min(box.toAt, frame.now) - box.fromAt);
    current.jobs += box.jobs;
    current.clientErrorJobs += box.clientErrorJobs;
    current.serverErrorJobs += box.serverErrorJobs;
    for (let r = 0; r < ROUTE_ORDER.length; r++) current.routeJobs[r]! += box.routeJobs[r]!;
  }
  close();
  return elements;
}

/**
 * The newest MAX_OVERLAY_BARS waits of the window, oldest first, each over its span: kept after the job
 * left the queue, for as long as the window shows it. When the track shows the queue's length instead,
 * each covers its stretch of time over the whole track.
 */
export function overlaySpans(scene: TimelineScene): OverlaySpan[] {
  const { layout, frame, queue } = scene;
  const plotLeft = xOf(layout, layout.startAt);
  const boxes =
    queue.mode === 'spans'
      ? queue.spans
      : (frame.queue.spans ?? []).map((span) => {
          const x = xOf(layout, span.queuedAt);
          return { span, x, y: QUEUE_TOP_PX, w: xOf(layout, span.leftAt) - x, h: QUEUE_TRACK_HEIGHT_PX };
        });
  const ordered = [...boxes].sort((a, b) => a.span.queuedAt - b.span.queuedAt);
  return newest(ordered, MAX_OVERLAY_BARS, ({ span, x, y, w, h }): OverlaySpan => {
    const waitMs = Math.round(span.leftAt - span.queuedAt);
    // A job not yet run (or abandoned) has no bar in the frame to name its method: its route's path alone, then.
    const request = span.method === '' ? span.target : `${span.method} ${span.target}`;
    const ofRun = span.isCurrentRun ? '' : ` of run ${span.runId}`;
    const job = `#${span.requestId} ${request}${ofRun}`;
    const wait = formatDurationMs(waitMs);
    const label =
      span.connection !== null
        ? connectionWaitLabel(
            span.connection,
            span.isWaiting,
            span.requestId === null ? null : job,
            `connection ${span.connection.connectionId}${ofRun}`,
            wait,
          )
        : jobWaitLabel(span, strategyOfRun(frame.runs, span.runId), job, wait);
    const left = Math.max(x, plotLeft);
    return {
      key: queueSpanKeyOf(span),
      requestId: span.requestId,
      connectionId: span.connection?.connectionId ?? null,
      runId: span.runId,
      isCurrentRun: span.isCurrentRun,
      waitMs,
      isWaiting: span.isWaiting,
      label,
      leftPx: left,
      topPx: y,
      widthPx: Math.max(4, Math.min(x + w, layout.widthPx) - left),
      heightPx: h,
    };
  });
}

/** A job's wait in the queue, or (a thread per request) for its new thread to start, in words. */
function jobWaitLabel(
  span: Pick<FrameQueueSpan, 'isWaiting' | 'abandonReason' | 'workerId'>,
  strategy: Strategy | null,
  job: string,
  wait: string,
): string {
  const thread = span.workerId === null ? 'a thread' : threadPhraseOf(strategy, span.workerId);
  if (waitKindOf(strategy) === 'thread-start') {
    if (span.isWaiting) return `${job} waiting for its new thread to start for ${wait}`;
    if (span.abandonReason !== null)
      return `${job} waited ${wait} for its new thread, then left: ${describeAbandonReason(span.abandonReason)}`;
    return `${job} waited ${wait} for its new thread to start, then ran on ${thread}`;
  }
  if (span.isWaiting) return `${job} waiting in the queue for ${wait}`;
  if (span.abandonReason !== null) return `${job} waited ${wait} in the queue, then left it: ${describeAbandonReason(span.abandonReason)}`;
  return `${job} waited ${wait} in the queue, then ${thread} took it`;
}

/** Strategy 'single': a connection's wait, unread, for the one thread (the book's listen backlog), in words. */
function connectionWaitLabel(connection: { wasRead: boolean }, isWaiting: boolean, job: string | null, name: string, wait: string): string {
  if (isWaiting) return `${name} waiting for ${wait}, not yet read: the single thread is serving another connection`;
  if (!connection.wasRead) return `${name} waited ${wait} for the single thread, then closed unread`;
  return job === null
    ? `${name} waited ${wait} for the single thread, then the thread took it`
    : `${name} waited ${wait} for the single thread, then the thread read its request ${job}`;
}

function markerLabel(kind: MarkerKind, at: number, workerId: number | null, runId: number, strategy: Strategy | null): string {
  const when = `at ${formatClockTime(at)}`;
  const thread = workerId === null ? 'a worker' : threadPhraseOf(strategy, workerId);
  switch (kind) {
    case 'start':
      return `Run ${runId}: server started ${when}`;
    case 'stop-requested':
      return `Run ${runId}: stop requested ${when}`;
    case 'worker-joined':
      return `Run ${runId}: ${thread} joined ${when}`;
    case 'worker-crashed':
      return `Run ${runId}: ${thread} crashed ${when}`;
    case 'worker-replaced':
      return `Run ${runId}: ${thread} replaced by a new thread ${when}`;
    case 'stopped':
      return `Run ${runId}: server stopped ${when}`;
  }
}

/** The markers and the lines between runs in the window, oldest first, each over its line. */
export function overlayMarkers(scene: TimelineScene): OverlayMarker[] {
  const { layout, frame } = scene;
  const bottom = lanesBottom(layout);
  const markers = newest(frame.markers, MAX_OVERLAY_MARKERS, (marker): OverlayMarker => {
    const isInLane = isWorkerMarker(marker) && marker.workerId !== null && marker.workerId < layout.laneCount;
    const top = isInLane ? laneTop(layout, marker.workerId!) : 0;
    return {
      kind: marker.kind,
      at: marker.at,
      runId: marker.runId,
      workerId: marker.workerId,
      label: `${markerName(marker)}: ${markerLabel(marker.kind, marker.at, marker.workerId, marker.runId, strategyOfRun(frame.runs, marker.runId))}`,
      leftPx: xOf(layout, marker.at) - MARKER_WIDTH_PX / 2,
      topPx: top,
      widthPx: MARKER_WIDTH_PX,
      heightPx: isInLane ? layout.laneHeightPx : bottom,
    };
  });
  const separators = frame.separators.map(
    (separator): OverlayMarker => ({
      kind: 'run-separator',
      at: separator.at,
      runId: separator.runId,
      workerId: null,
      label:
        `Run ${separator.runId} with ${separator.threadsWords} began at ${formatClockTime(separator.at)}; ` +
        `before it, run ${separator.previousRunId} with ${separator.previousThreadsWords}`,
      leftPx: xOf(layout, separator.at) - MARKER_WIDTH_PX / 2,
      topPx: LANES_TOP_PX,
      widthPx: MARKER_WIDTH_PX,
      heightPx: bottom - LANES_TOP_PX,
    }),
  );
  return [...markers, ...separators];
}

/** The overlay follows the canvas this often: enough to hover and to find bars. */
export const OVERLAY_REFRESH_MS = 250;
/** While the frames jump, the overlay is refreshed at least this often all the same. */
export const JUMPING_OVERLAY_REFRESH_MS = 1_000;

/**
 * Whether the overlay is refreshed now. While the frames jump (a full frame came within the last refresh
 * interval: a replay scrubbed or stepped), each refresh would replace every element, hundreds of them, for a
 * picture gone a moment later: it waits until the frames rest, or JUMPING_OVERLAY_REFRESH_MS at most.
 */
export function isOverlayDue(nowMs: number, lastFullFrameAtMs: number, lastRefreshAtMs: number): boolean {
  const isJumping = nowMs - lastFullFrameAtMs < OVERLAY_REFRESH_MS;
  return !isJumping || nowMs - lastRefreshAtMs >= JUMPING_OVERLAY_REFRESH_MS;
}

/**
 * Where a key moves the active job in a list of `count` (a listbox's keys: arrows step, Home and End jump);
 * null for a key that does not move it.
 */
export function activeIndexAfterKey(key: string, index: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return Math.min(count - 1, index + 1);
    case 'ArrowLeft':
    case 'ArrowUp':
      return Math.max(0, index - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/**
 * The job holding the list's tab stop: the one the keyboard was on while it is still listed; once it has
 * left (bars leave from the old end as the window slides), the next newer one; with none yet, the pinned
 * job, else the newest. Kept by request id (ids grow with arrival), never by position.
 */
export function activeBarId(bars: readonly OverlayBar[], keyboardId: number | null, pinnedId: number | null): number | null {
  if (keyboardId !== null) {
    const next = bars.find((bar) => bar.requestId >= keyboardId);
    if (next) return next.requestId;
  } else if (pinnedId !== null && bars.some((bar) => bar.requestId === pinnedId)) {
    return pinnedId;
  }
  return bars.at(-1)?.requestId ?? null;
}
