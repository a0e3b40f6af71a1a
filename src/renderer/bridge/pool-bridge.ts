// The one place frames enter the renderer: it tells the main side what the page shows (the view: the
// timeline's window, its plot width, paused or live), applies each frame it gets and acks it on the next
// animation frame (one frame in flight at most: a busy page gets fewer frames, never a backlog), and asks for
// details on demand (the request inspected, the requests of a bucket). The timeline canvas reads the frames
// it holds on every paint; the store (and so React) gets them at most once per STORE_PUBLISH_INTERVAL_MS.
// Nothing is reduced from events here: every number is the server's. DOM-free: the frame scheduler and the
// clock are passed in, so tests drive it under plain Node.
// Its source is live (the main side's frames) or a replay of a recording (replay-source.ts, the same API): while
// a replay is shown, the live frames keep coming for a view held still, for the controller's status alone.

import type { LiveMetrics } from '../../shared/live-metrics';
import { startingThreadCountOf } from '../../shared/settings';
import type { FrameSubscription, PoolscopeApi, QueriedRequest, ViewerFrame, ViewerView } from '../../shared/wire';
import { MAX_QUERY_REQUESTS } from '../../shared/wire';
import type { TimelineFrame } from '../components/timeline-frame';
import type { ReplaySource } from '../replay/replay-source';
import type { AppState, AppStore } from '../store/app-store';
import { isSameBucket } from '../store/view-slice';
import type { BucketRef, BucketRequests } from '../store/wire-slice';
import type { ConnectionState } from '../transport/transport';
import { HeldFrames } from './held-frames';
import { isLogBehind, projectWire } from './projections';
import { projectTimeline, type TimelineQuery, timelineFrameAt } from './timeline-source';

/** The part of the API the bridge uses: the frames, and details on demand. */
export type FrameApi = Pick<PoolscopeApi, 'watch' | 'query'>;

/** Runs the callback before the next paint (requestAnimationFrame in the page). */
export type FrameScheduler = (callback: () => void) => void;

/**
 * Under a steady stream of frames the store is updated at most this often: numbers that move on every frame
 * cannot be read faster, and each update re-renders and re-lays out the panels that show them. A change after
 * a quiet spell shows on the next paint, and so does a full frame: the answer to something the person did (a
 * replay's scrub or step, a new view), which must follow the hand within a frame or two.
 */
export const STORE_PUBLISH_INTERVAL_MS = 100;
/** Nobody reads log lines faster than this, and re-laying out the log every frame is costly under load. */
export const LOG_PUBLISH_INTERVAL_MS = 250;
/** While the frames leave lines out (more than a frame can carry), the log is a sample: replaced this often. */
export const BUSY_LOG_PUBLISH_INTERVAL_MS = 1_000;
/**
 * A busy server's log lines come with one frame a second, about BUSY_LOG_PUBLISH_INTERVAL_MS after the last: they are
 * shown with the frame that brings them when it comes at most this early, in the store publish (and the page's one
 * rendering) of that frame, instead of in a publish of their own a moment later (a second style, layout and paint of
 * the page for each second of load).
 */
export const BUSY_LOG_EARLY_MS = 250;
/**
 * Once a frame left log lines out, the log stays a sample until none has been left out for this long. A busy server's
 * log comes once a second: without the hold, the publishes between showed all the lines the page holds and the next
 * busy one the sample again, hundreds of rows mounted, laid out and removed twice a second (the page's largest layouts
 * under load). Then, with nothing left out, it shows all its lines.
 */
export const LOG_REST_MS = 2_000;
/**
 * A request still open is asked for again this often while it is inspected, so its times stay current; not while
 * the timeline is paused (its picture is one moment, and a finish after it would move the times), but on Resume.
 * When the page's present is not the live now (paused, scrolled back, a replay) the request is asked for as it was
 * then, and again when that moment moves (a scroll-back, a replay's scrub, step or play): at most this often while
 * it keeps moving, and once where it stops.
 */
export const OPEN_REQUEST_REFRESH_MS = 500;
/** A bucket lists at most this many of its requests. */
export const MAX_BUCKET_REQUESTS = 50;
/** Before the timeline has been laid out, the view asks for this width. */
const DEFAULT_PLOT_WIDTH_PX = 1_000;

export interface PoolBridgeOptions {
  scheduleFrame: FrameScheduler;
  /** Epoch ms; the server stamps events on the same machine's clock. */
  now?: () => number;
  /** Timers for refreshing an open request (tests pass fakes). */
  setTimer?: (callback: () => void, delayMs: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/** The view the store's view state asks for (the id is set when it is sent). */
export function viewOf(state: AppState): Omit<ViewerView, 'id'> {
  const view = state.view;
  const isPaused = view.timelinePausedAt !== null;
  return {
    windowMs: view.timelineWindowMs,
    plotWidthPx: Math.max(1, Math.round(view.timelinePlotWidthPx ?? DEFAULT_PLOT_WIDTH_PX)),
    paused: isPaused,
    // Scrolled back while paused: the history as it was at the window's end.
    cursor: isPaused && view.timelineScrollBackMs > 0 ? { at: view.timelinePausedAt! - view.timelineScrollBackMs } : 'live',
  };
}

function isSameView(a: Omit<ViewerView, 'id'>, b: Omit<ViewerView, 'id'>): boolean {
  const cursorOf = (view: Omit<ViewerView, 'id'>) => (view.cursor === 'live' ? 'live' : view.cursor.at);
  return a.windowMs === b.windowMs && a.plotWidthPx === b.plotWidthPx && a.paused === b.paused && cursorOf(a) === cursorOf(b);
}

export class PoolBridge {
  private readonly scheduleFrame: FrameScheduler;
  private readonly now: () => number;
  private readonly setTimer: (callback: () => void, delayMs: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;
  private connection: ConnectionState | null = null;
  /** The source shown: the live API, or the replay open. */
  private api: FrameApi | null = null;
  private subscription: FrameSubscription | null = null;
  private liveApi: FrameApi | null = null;
  private liveSubscription: FrameSubscription | null = null;
  private replay: ReplaySource | null = null;
  private held = new HeldFrames();
  private sentView: Omit<ViewerView, 'id'> | null = null;
  private nextViewId = 1;
  /** Frames applied but not acked yet: acked once the store has them (the next publish). */
  private unackedSeqs: number[] = [];
  /**
   * The main side's figures of the frames received since the last publish, in order: they go to the store in that
   * publish, so a message is one React commit, not one as it arrives and another for its frame on the next paint.
   */
  private heldMetrics: LiveMetrics[] = [];
  private isFrameScheduled = false;
  /** While a publish waits out its interval, the timer that asks for the paint after it (none: no paint is wasted meanwhile). */
  private publishTimer: unknown = null;
  private isWireDirty = false;
  /** A full frame came since the last publish: it is shown on the next paint, whatever the interval. */
  private hasFullFrame = false;
  private lastFullFrameAtMs = Number.NEGATIVE_INFINITY;
  /** A full frame replaced the log held since the log was last published (a scrub replaces it at every step). */
  private hasLogJumped = false;
  private lastLogPublishAt = -Infinity;
  private lastStorePublishAt = -Infinity;
  /** When a frame last left log lines out (the bridge's clock): the log is a sample until LOG_REST_MS after. */
  private lastLogOmissionAtMs = Number.NEGATIVE_INFINITY;
  /** Fires LOG_REST_MS after the last lines left out: the log is shown whole at once then. */
  private logRestTimer: unknown = null;
  private lastStatsVersion = 0;
  private lastPublishedError: string | null = null;
  private lastPublishedNotice: string | null = null;
  private publishCount = 0;
  private timelineCache: { version: number; frame: TimelineFrame } | null = null;
  private inspectedRequest: QueriedRequest | null = null;
  private inspectedKey: number | null = null;
  private inspectTimer: unknown = null;
  /** The moment the inspected request was last asked for as of (undefined: the live now), and when (the bridge's clock). */
  private inspectedAt: number | undefined = undefined;
  private lastInspectMs = Number.NEGATIVE_INFINITY;
  /** Bumped by every ask: an answer to an older one is dropped (a moving replay asks again before it is answered). */
  private inspectSeq = 0;
  private bucketRequests: BucketRequests | null = null;
  private readonly changeListeners = new Set<() => void>();
  private readonly publishListeners = new Set<() => void>();
  private readonly unsubscribeStore: () => void;

  constructor(
    private readonly store: AppStore,
    options: PoolBridgeOptions,
  ) {
    this.scheduleFrame = options.scheduleFrame;
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((callback, delayMs) => setTimeout(callback, delayMs));
    this.clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
    this.unsubscribeStore = store.subscribe((state, previous) => {
      if (state.replay.source !== previous.replay.source) this.showSource(state.replay.source);
      if (state.view !== previous.view) this.onViewChanged(state, previous.view.timelinePausedAt !== null);
    });
  }

  /** Starts the frames: sends the view now and whenever it changes. */
  connect(api: FrameApi): void {
    this.liveApi = api;
    this.api = api;
    const view = viewOf(this.store.getState());
    this.sentView = view;
    this.liveSubscription = api.watch({ id: this.nextViewId++, ...view }, (frame) => {
      if (this.replay === null) this.receive(frame);
      else this.receiveLiveBehindReplay(frame);
    });
    this.subscription = this.liveSubscription;
  }

  /**
   * The moment the page shows as its present, which every duration on it counts to: now, live; the replay's cursor
   * (moving while it plays) in a replay. While the timeline is paused the picture is one moment and stays it: the
   * paused window's end (the moment of the click, less the scroll-back), or the frame shown when that is later
   * (the frames stop at the last one before the pause, which may be stamped just after the click). Resume gives
   * the moving present back.
   */
  presentAt(): number {
    const { view, wire } = this.store.getState();
    if (view.timelinePausedAt !== null) return Math.max(view.timelinePausedAt - view.timelineScrollBackMs, wire.frameAt);
    return this.replay === null ? this.now() : this.replay.now();
  }

  /** Whether a replay is shown. */
  get isReplay(): boolean {
    return this.replay !== null;
  }

  /**
   * Shows a replay, or live again (null). Everything held is dropped: the next frame is the new source's, whole.
   * The live frames go on for a view held still, so the controller's status stays current meanwhile.
   */
  private showSource(replay: ReplaySource | null): void {
    if (replay === this.replay) return;
    const liveStatus = this.held.status;
    // What was pending for the old source is acked now: its frames are no longer shown.
    this.ackPending();
    if (this.replay !== null) this.subscription?.close();
    this.replay = replay;
    this.held = new HeldFrames();
    this.held.status = liveStatus;
    this.timelineCache = null;
    // The timeline's pause, a selection and a bucket belong to the other source's times and request ids.
    const { viewActions } = this.store.getState();
    viewActions.resumeTimeline();
    viewActions.selectRequest(null);
    viewActions.hoverRequest(null);
    viewActions.selectBucket(null);
    viewActions.hoverBucket(null);
    const view = viewOf(this.store.getState());
    this.sentView = view;
    if (replay === null) {
      this.api = this.liveApi;
      this.subscription = this.liveSubscription;
      this.subscription?.setView({ id: this.nextViewId++, ...view });
    } else {
      this.liveSubscription?.setView({ id: this.nextViewId++, ...view, paused: true, cursor: 'live' });
      this.api = replay;
      const subscription = replay.watch({ id: this.nextViewId++, ...view }, (frame) => {
        if (this.replay === replay) this.receive(frame);
        else subscription.ack(frame.seq);
      });
      this.subscription = subscription;
    }
    this.markWireDirty();
    this.tellChange();
  }

  /** A live frame while a replay is shown: the controller's status and the live panels, acked at once. */
  private receiveLiveBehindReplay(frame: ViewerFrame): void {
    if (frame.panels?.metrics) this.store.getState().workloadActions.receiveMetrics(frame.panels.metrics);
    // The replay has no controller: the status the page shows is always the live one.
    if (frame.status !== undefined) {
      this.held.status = frame.status;
      this.markWireDirty();
    }
    this.liveSubscription?.ack(frame.seq);
  }

  /** How many store publishes have happened: one per animation frame at most, whatever the frame rate. */
  get publishes(): number {
    return this.publishCount;
  }

  /** When the last full frame came (the bridge's clock, epoch ms): frames jump while a replay is scrubbed or stepped. */
  get lastFullFrameAt(): number {
    return this.lastFullFrameAtMs;
  }

  /** Bumped by every frame applied: the canvas repaints a paused view only when it moved. */
  get version(): number {
    return this.held.version;
  }

  /**
   * Calls `listener` after each frame is applied and when the source changes (what `version` says, told): the
   * timeline canvas waits for it, or for its next pixel's move, instead of looking at every animation frame.
   * Returns the unsubscribe.
   */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Calls `listener` right after each store publish, in the same task: what is drawn beside the store's panels (the
   * timeline's canvas and its overlay) follows in the frame React commits the publish in, not in frames of its own.
   * Returns the unsubscribe.
   */
  onPublish(listener: () => void): () => void {
    this.publishListeners.add(listener);
    return () => this.publishListeners.delete(listener);
  }

  private tellChange(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** The frames as held: for the timeline's scroll-back bound and tests. */
  get frames(): HeldFrames {
    return this.held;
  }

  /** The timeline of the window asked for, from the last frames (what the timeline canvas draws). */
  timeline(query: TimelineQuery): TimelineFrame {
    const held = this.held;
    if (this.timelineCache === null || this.timelineCache.version !== held.version) {
      const settings = held.run.settings;
      const frame = projectTimeline(held.timeline, {
        runs: held.runs,
        currentRunId: held.run.runId,
        currentWorkerCount: settings ? startingThreadCountOf(settings) : 0,
        workers: held.workers,
      });
      this.timelineCache = { version: held.version, frame };
    }
    return timelineFrameAt(this.timelineCache.frame, query);
  }

  receive(frame: ViewerFrame): void {
    // The main side's figures (queueing window, chart samples, Run load and Sweep… progress) go to the store as they
    // are, with the frame's publish.
    if (frame.panels?.metrics) this.heldMetrics.push(frame.panels.metrics);
    this.held.apply(frame);
    if ((frame.log?.omittedLineCount ?? 0) > 0) this.noteLogOmission();
    if (frame.isFull) {
      this.hasFullFrame = true;
      this.hasLogJumped = true;
      this.lastFullFrameAtMs = this.now();
    }
    this.unackedSeqs.push(frame.seq);
    this.markWireDirty();
    this.tellChange();
  }

  setConnection(connection: ConnectionState): void {
    if (this.connection === connection) return;
    this.connection = connection;
    this.markWireDirty();
  }

  /** Publishes whatever is pending now instead of on the next animation frame. */
  flush(): void {
    this.publish(true);
  }

  dispose(): void {
    this.unsubscribeStore();
    if (this.subscription !== this.liveSubscription) this.subscription?.close();
    this.liveSubscription?.close();
    if (this.inspectTimer !== null) this.clearTimer(this.inspectTimer);
    if (this.publishTimer !== null) this.clearTimer(this.publishTimer);
    if (this.logRestTimer !== null) this.clearTimer(this.logRestTimer);
  }

  /** A frame left log lines out: the log stays a sample, and is shown whole LOG_REST_MS after the last such frame. */
  private noteLogOmission(): void {
    this.lastLogOmissionAtMs = this.now();
    if (this.logRestTimer !== null) this.clearTimer(this.logRestTimer);
    this.logRestTimer = this.setTimer(() => {
      this.logRestTimer = null;
      this.markWireDirty();
    }, LOG_REST_MS);
  }

  // ── the view and details on demand ─────────────────────────────────────────

  /** `wasPaused`: whether the view before was paused; pausing and Resume ask again at once for the request inspected. */
  private onViewChanged(state: AppState, wasPaused: boolean): void {
    const view = viewOf(state);
    if (this.subscription !== null && (this.sentView === null || !isSameView(view, this.sentView))) {
      this.sentView = view;
      this.subscription.setView({ id: this.nextViewId++, ...view });
    }
    // What is under the pointer comes first, then what is pinned (a job and a bucket are never pinned at once).
    const { hoveredRequestId, hoveredBucket, selectedRequestId, selectedBucket } = state.view;
    const requestId = hoveredRequestId ?? (hoveredBucket !== null ? null : selectedRequestId);
    const isPauseToggled = wasPaused !== (state.view.timelinePausedAt !== null);
    if (requestId !== this.inspectedKey || (isPauseToggled && this.inspectMoment() !== this.inspectedAt)) this.inspect(requestId);
    // A scroll-back moves the paused moment.
    else this.followMoment();
    const bucket = hoveredRequestId !== null ? null : (hoveredBucket ?? selectedBucket);
    if (!isSameBucket(bucket, this.bucketRequests?.bucket ?? null)) this.listBucket(bucket);
  }

  /** The moment a request is asked for as of: the page's present when it is not the live now (paused, a replay). */
  private inspectMoment(): number | undefined {
    return this.replay === null && this.store.getState().view.timelinePausedAt === null ? undefined : this.presentAt();
  }

  private inspect(requestId: number | null): void {
    this.inspectedKey = requestId;
    if (this.inspectTimer !== null) this.clearTimer(this.inspectTimer);
    this.inspectTimer = null;
    if (requestId === null) {
      this.inspectedRequest = null;
      this.markWireDirty();
      return;
    }
    // The one asked for replaces another at once only when it is known; until its answer the old one stays.
    if (this.inspectedRequest?.id !== requestId) this.inspectedRequest = null;
    const at = this.inspectMoment();
    const seq = ++this.inspectSeq;
    this.inspectedAt = at;
    this.lastInspectMs = this.now();
    const query = { kind: 'request' as const, requestId, runId: this.held.run.runId || undefined, ...(at === undefined ? {} : { at }) };
    void this.api?.query(query).then((result) => {
      if (this.inspectedKey !== requestId || seq !== this.inspectSeq || !result.ok || result.kind !== 'request') return;
      this.inspectedRequest = result.request;
      this.markWireDirty();
      // An open request's times still move: ask again while it is inspected (and the picture moves).
      if (at === undefined && result.request !== null && result.request.sentAt === null && this.inspectTimer === null) {
        this.inspectTimer = this.setTimer(() => {
          this.inspectTimer = null;
          if (this.inspectedKey !== requestId) return;
          if (this.inspectMoment() === undefined) this.inspect(requestId);
          else this.followMoment();
        }, OPEN_REQUEST_REFRESH_MS);
      }
    });
  }

  /**
   * Asks again for the request inspected when the moment the page shows moved away from the one it was asked as of:
   * at once when the last ask is OPEN_REQUEST_REFRESH_MS old, else when it will be (a moving replay asks that often,
   * and once more where it stops).
   */
  private followMoment(): void {
    const requestId = this.inspectedKey;
    if (requestId === null || this.inspectTimer !== null) return;
    const at = this.inspectMoment();
    if (at === undefined || at === this.inspectedAt) return;
    const waitMs = this.lastInspectMs + OPEN_REQUEST_REFRESH_MS - this.now();
    if (waitMs <= 0) {
      this.inspect(requestId);
      return;
    }
    this.inspectTimer = this.setTimer(() => {
      this.inspectTimer = null;
      this.followMoment();
    }, waitMs);
  }

  private listBucket(bucket: BucketRef | null): void {
    if (bucket === null) {
      this.bucketRequests = null;
      this.markWireDirty();
      return;
    }
    const pending: BucketRequests = { bucket, requests: null, total: 0, isPartlyBeforeHistory: false, error: null };
    this.bucketRequests = pending;
    this.markWireDirty();
    const limit = Math.min(MAX_BUCKET_REQUESTS, MAX_QUERY_REQUESTS);
    const at = this.held.isLive ? undefined : this.held.at;
    const query = { kind: 'requests-in' as const, track: bucket.workerId, fromAt: bucket.fromAt, toAt: bucket.toAt, limit, at };
    void this.api?.query(query).then((result) => {
      if (this.bucketRequests !== pending) return;
      this.bucketRequests =
        result.ok && result.kind === 'requests-in'
          ? { bucket, requests: result.requests, total: result.total, isPartlyBeforeHistory: result.isPartlyBeforeHistory, error: null }
          : { ...pending, requests: [], error: result.ok ? 'Unexpected answer' : result.error };
      this.markWireDirty();
    });
  }

  // ── publishing ─────────────────────────────────────────────────────────────

  private markWireDirty(): void {
    this.isWireDirty = true;
    this.scheduleNextPaint();
  }

  private publish(isForced: boolean): void {
    this.isFrameScheduled = false;
    const now = this.now();
    const hasNewStats = this.held.stats !== null && this.held.statsVersion !== this.lastStatsVersion;
    if (this.isWireDirty || hasNewStats) {
      const sinceMs = now - this.lastStorePublishAt;
      if (isForced || this.hasFullFrame || sinceMs >= STORE_PUBLISH_INTERVAL_MS) this.publishStore(now, isForced);
      else this.paintAfter(STORE_PUBLISH_INTERVAL_MS - sinceMs);
    }
    // The page holds every frame received: the next may come.
    this.ackPending();
  }

  private ackPending(): void {
    const seqs = this.unackedSeqs;
    this.unackedSeqs = [];
    for (const seq of seqs) this.subscription?.ack(seq);
  }

  /**
   * Asks for a paint once `delayMs` have passed, unless one is asked for sooner: a publish that waits out its
   * interval waits on a timer, not on every animation frame meanwhile (each of them a frame that changes nothing).
   */
  private paintAfter(delayMs: number): void {
    if (this.isFrameScheduled || this.publishTimer !== null) return;
    this.publishTimer = this.setTimer(() => {
      this.publishTimer = null;
      this.scheduleNextPaint();
    }, delayMs);
  }

  private scheduleNextPaint(): void {
    if (this.isFrameScheduled) return;
    this.isFrameScheduled = true;
    this.scheduleFrame(() => this.publish(false));
  }

  private publishStore(now: number, isForced: boolean): void {
    this.lastStorePublishAt = now;
    this.hasFullFrame = false;
    if (this.heldMetrics.length > 0) {
      const metrics = this.heldMetrics;
      this.heldMetrics = [];
      // Each in turn: chart samples add up across messages, a history replaces them.
      for (const each of metrics) this.store.getState().workloadActions.receiveMetrics(each);
    }
    if (this.isWireDirty) {
      this.isWireDirty = false;
      this.publishCount++;
      // Busy from the first frame that left lines out until LOG_REST_MS after the last one.
      const isLogBusy = now - this.lastLogOmissionAtMs < LOG_REST_MS;
      // At rest again, and the log not published since the rest began: it is shown whole now.
      const isLogRestDue = !isLogBusy && this.lastLogPublishAt < this.lastLogOmissionAtMs + LOG_REST_MS;
      const logIntervalMs = isLogBusy ? BUSY_LOG_PUBLISH_INTERVAL_MS - BUSY_LOG_EARLY_MS : LOG_PUBLISH_INTERVAL_MS;
      const isLogDue = isForced || isLogRestDue || now - this.lastLogPublishAt >= logIntervalMs;
      const state = this.store.getState();
      const shownLog = state.wire.log;
      state.wireActions.publish(
        projectWire(this.held, state.wire, {
          connection: this.connection,
          inspectedRequest: this.inspectedRequest,
          bucketRequests: this.bucketRequests,
          isLogDue,
          isLogReplaced: isLogBusy || this.hasLogJumped,
        }),
      );
      // The frame published may have moved the page's present (a replay's cursor, a paused view's frame).
      this.followMoment();
      if (isLogDue) {
        // Only a publish that showed the log anew starts its interval: one that found no new line (a frame between two
        // busy logs) held back the next busy log by up to its interval, shown then in a publish of its own.
        if (isForced || isLogRestDue || this.store.getState().wire.log !== shownLog) this.lastLogPublishAt = now;
        this.hasLogJumped = false;
      }
      // A log line held back must still appear once traffic stops: a publish looks again once the log is due (a frame
      // that comes sooner shows it; a publish every interval until then would only find it not due).
      else if (isLogBehind(this.held, this.store.getState().wire)) {
        this.isWireDirty = true;
        this.paintAfter(Math.max(STORE_PUBLISH_INTERVAL_MS, this.lastLogPublishAt + logIntervalMs - now));
      }
      this.publishStatus();
    }
    if (this.held.stats !== null && this.held.statsVersion !== this.lastStatsVersion) {
      this.lastStatsVersion = this.held.statsVersion;
      this.store.getState().statsActions.publish(this.held.stats);
    }
    for (const listener of this.publishListeners) listener();
  }

  /** Adopts the server's settings in the form, and says why a running server stopped on its own. */
  private publishStatus(): void {
    const status = this.held.status;
    if (status === null) return;
    const state = this.store.getState();
    state.viewActions.adoptServerSettings(status.settings);
    // A failure the viewer did not ask for (a server that stopped on an error) is told here; a command's own
    // failure arrives with its result (while it is pending, or already said), so the same words are not repeated.
    const error = status.lastError;
    const isNew = error !== null && error !== this.lastPublishedError;
    const wasSeen = this.lastPublishedError !== null || this.publishCount > 1;
    this.lastPublishedError = error;
    if (isNew && wasSeen && state.commands.pending === null && !state.commands.messages.some((message) => message.text.includes(error))) {
      state.commandActions.showMessage('error', error);
    }
    // A running server's notice is told once to every viewer, a late one included: it holds as long as the run.
    const notice = status.notice ?? null;
    if (notice !== null && notice !== this.lastPublishedNotice) state.commandActions.showMessage('info', notice);
    this.lastPublishedNotice = notice;
  }
}
