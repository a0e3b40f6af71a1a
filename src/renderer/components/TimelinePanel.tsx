// The timeline: the queue track and per-worker lanes over a sliding window, painted from the bridge's timeline
// frame on two canvases, a backdrop and a data layer the compositor slides between paints (no React render per
// frame, no repaint per pixel; while the server is saturated it steps with the frames instead), plus its text alternative:
// an invisible overlay listing the newest jobs as a listbox over their bars, for assistive tech, the
// keyboard, tests and scripts, and a layer of elements over the lanes' buckets of dense jobs (hover or
// click one to list its requests), the waits, earlier runs' jobs, markers and run separators. Every pixel position comes from one TimelineScene (timeline-geometry.ts).

import { type CSSProperties, memo, type ReactNode, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import type { PoolBridge } from '../bridge/pool-bridge';
import { useAppStore, useAppStoreApi } from '../store/use-app-store';
import { TIMELINE_WINDOW_CHOICES_MS, type ViewActions, type ViewState } from '../store/view-slice';
import { useAppServices } from './app-services';
import { formatWindowMs } from './format';
import { CANVAS_COLORS } from './palette';
import { TimelineLegend } from './TimelineLegend';
import {
  bucketAt,
  jobAt,
  LANE_LABEL_WIDTH_PX,
  laneCountFor,
  lanesBottom,
  minFillingTimelineHeightFor,
  plotWidthFor,
  QUEUE_TOP_PX,
  QUEUE_TRACK_HEIGHT_PX,
  sceneOf,
  scrollBackAfterWheel,
  type TimelineScene,
  type TimelineWindow,
  timelineHeightFor,
  windowEndAt,
} from './timeline-geometry';
import { backdropKeyOf, cornerNotesOf, type DataLayerMotion, dataLayerMotion, growsWithPresent } from './timeline-layers';
import {
  activeBarId,
  activeIndexAfterKey,
  isOverlayDue,
  OVERLAY_REFRESH_MS,
  type OverlayBar,
  type OverlayBucket,
  type OverlayMarker,
  type OverlaySpan,
  overlayBars,
  overlayBuckets,
  overlayMarkers,
  overlaySpans,
} from './timeline-overlay';
import { CANVAS_FONT_FAMILY, paintBackdrop, paintData } from './timeline-painter';

/**
 * Live, the data layer is repainted at most this often (new frames and the right edge's growth together); between
 * its paints the compositor slides it left a device pixel at a time, so the window moves as smoothly as before
 * without a repaint, a raster and a commit per pixel. A change of the view (size, window, highlight, pause) paints at once.
 */
const LIVE_REPAINT_INTERVAL_MS = 100;
/** How far the compositor may slide the data layer before a repaint must come (layout px). */
const MAX_DATA_SLIDE_PX = 200;
/**
 * At rest (nothing in the layer grows with the present, no frame, no change of the view) the slide is the picture: the
 * layer is repainted only this far into it, a few pixels before it runs out.
 */
const RESTING_REPAINT_SLIDE_PX = MAX_DATA_SLIDE_PX - 8;
/**
 * A store publish paints the data layer in its own frame when this much of the repaint interval is over: the publishes
 * come once per interval too, a vsync or two apart from the layer's last paint either way.
 */
const PUBLISH_PAINT_SLACK_MS = 50;
/**
 * Stepping (the server saturated), the data layer is repainted with each frame's publish; should the frames stop
 * coming, the window still moves on this often.
 */
const STEPPING_REPAINT_INTERVAL_MS = 1_000;
/** Paused, nothing moves unless something says so; the canvases still look this often for what nothing tells. */
const PAUSED_LOOK_INTERVAL_MS = 1_000;
/**
 * With no store publish to join (nothing new comes, the window still slides), the overlay follows on a timer at about
 * half its pace; a tick is OVERLAY_REFRESH_MS, this lets every other tick refresh while the publishes' refreshes win.
 */
const RESTING_OVERLAY_REFRESH_MS = 2 * OVERLAY_REFRESH_MS - 50;
/** Presentation mode draws the timeline half as large again, so its own 11 px text reads at 16 px or more. */
const PRESENTATION_ZOOM = 1.5;

/**
 * Unslid (a replay, whose present moves at its own pace, or paused), the canvases are repainted as the picture moves,
 * at most this often: every other paint of a 60 Hz display, with room for the clock's jitter.
 */
const MIN_REPAINT_INTERVAL_MS = 28;

/** The present the scene was painted for: while it slides, what lies under the pointer has moved on since. */
interface PaintedAt {
  at: number;
  msPerPx: number;
  isSliding: boolean;
}

/** How far the data layer has slid since it was painted, in the layout's pixels (what the compositor shows). */
function slidPxSince(painted: PaintedAt, now: number): number {
  if (!painted.isSliding) return 0;
  return Math.min(MAX_DATA_SLIDE_PX, Math.max(0, Math.floor((now - painted.at) / painted.msPerPx)));
}

/** A corner note of the queue track: its text (none: hidden), its top or (`isBottom`) bottom edge, its size with the zoom. */
function placeNote(note: HTMLElement, text: string | null, edgePx: number, zoom: number, isBottom: boolean): void {
  note.hidden = text === null;
  note.textContent = text ?? '';
  note.style.top = `${edgePx}px`;
  note.style.transform = isBottom ? 'translateY(-100%)' : '';
  note.style.right = `${4 * zoom}px`;
  note.style.fontSize = `${10 * zoom}px`;
  note.style.fontFamily = CANVAS_FONT_FAMILY;
  note.style.color = CANVAS_COLORS.markerText;
}

/** The stage in the layout's pixels: zoomed in presentation mode, where the lanes also fill the stage's height. */
interface StageBox {
  widthPx: number;
  fillHeightPx: number | undefined;
  zoom: number;
}

/** The stage's size in CSS pixels, kept by a ResizeObserver: reading it from the element every paint would force a layout. */
interface StageSize {
  widthPx: number;
  heightPx: number;
}

function stageBoxOf(size: StageSize, view: ViewState): StageBox {
  const zoom = view.isPresenting ? PRESENTATION_ZOOM : 1;
  return { widthPx: size.widthPx / zoom, fillHeightPx: view.isPresenting ? size.heightPx / zoom : undefined, zoom };
}

function timelineWindowOf(view: ViewState): TimelineWindow {
  return { windowMs: view.timelineWindowMs, pausedAt: view.timelinePausedAt, scrollBackMs: view.timelineScrollBackMs };
}

/** The scene on the stage now: the bridge's timeline of the window the view shows, placed on the stage. */
function sceneNow(bridge: PoolBridge, view: ViewState, box: StageBox, now: number): TimelineScene {
  const toAt = windowEndAt(timelineWindowOf(view), now);
  const frame = bridge.timeline({ fromAt: toAt - view.timelineWindowMs, toAt, now, plotWidthPx: plotWidthFor(box.widthPx) });
  return sceneOf(frame, box.widthPx, box.fillHeightPx);
}

/**
 * How far the overlay's layers have slid left since their anchor, in the layout's pixels. Their elements are
 * placed against a fixed moment (the anchor) and each layer slides by one transform: as the window moves, no
 * element's own place changes, so a refresh rewrites the few elements that changed, not every one.
 */
interface Slide {
  anchorAt: number;
  msPerPx: number;
  slidePx: number;
}

/** Past this, the anchor moves up to the window (a one-off rewrite of every element). */
const MAX_SLIDE_PX = 100_000;

function slideOf(previous: Slide | null, layout: TimelineScene['layout']): Slide {
  const isKept =
    previous !== null &&
    previous.msPerPx === layout.msPerPx &&
    Math.abs(layout.startAt - previous.anchorAt) / layout.msPerPx <= MAX_SLIDE_PX;
  const anchorAt = isKept ? previous.anchorAt : layout.startAt;
  return { anchorAt, msPerPx: layout.msPerPx, slidePx: (layout.startAt - anchorAt) / layout.msPerPx };
}

/** A layer placed in the layout's pixels, slid back by `slidePx`: a zoomed timeline scales it as the canvas is scaled. */
function layerStyle(zoom: number, slidePx: number): CSSProperties | undefined {
  const slide = slidePx === 0 ? '' : `translateX(${-slidePx}px)`;
  if (zoom === 1) return slide === '' ? undefined : { transform: slide };
  return {
    transform: `scale(${zoom}) ${slide}`.trim(),
    transformOrigin: '0 0',
    right: 'auto',
    bottom: 'auto',
    width: `${100 / zoom}%`,
    height: `${100 / zoom}%`,
  };
}

/** Rounded so that one place computed twice gives one style (React then leaves the element alone). */
const roundPx = (px: number) => Math.round(px * 100) / 100;

/** An overlay element's place over what the canvas draws for it, in its slid layer's pixels. */
function placeOf(box: { leftPx: number; topPx: number; widthPx: number; heightPx: number }, slidePx: number): CSSProperties {
  return { left: roundPx(box.leftPx + slidePx), top: roundPx(box.topPx), width: roundPx(box.widthPx), height: roundPx(box.heightPx) };
}

/** A job's element: its name, its test hooks (`timeline-bar`) and its place; the same for every run's jobs. */
function barElementProps(bar: OverlayBar, slidePx: number) {
  return {
    'aria-label': bar.label,
    title: bar.label,
    'data-testid': 'timeline-bar',
    'data-worker-id': bar.workerId,
    'data-path': bar.path,
    'data-request-id': bar.requestId,
    'data-run-id': bar.runId,
    'data-origin': bar.origin,
    'data-status': bar.status,
    'data-from-ms': bar.fromAt,
    'data-to-ms': bar.toAt,
    style: placeOf(bar, slidePx),
  };
}

/** The request id of the bar an event happened on, or null (bar events are handled once, on the list). */
function requestIdOf(target: EventTarget | null): number | null {
  if (!(target instanceof HTMLElement)) return null;
  const id = target.closest<HTMLElement>('[data-request-id]')?.dataset.requestId;
  return id === undefined ? null : Number(id);
}

/**
 * The jobs as a listbox with a roving tab stop: one job at a time is in the tab order, the arrow keys move
 * between jobs (Home/End jump), Enter or Space pins a job's details (again to unpin), Escape unpins. Focus
 * and hover both show the job in the details panel and on the canvas. Bars come and go every refresh: the
 * tab stop is kept by request id, and when the focused job leaves the list its neighbour takes the focus.
 */
const Overlay = memo(function Overlay({ bars, zoom, slidePx }: { bars: OverlayBar[]; zoom: number; slidePx: number }): ReactNode {
  const viewActions = useAppStore((s) => s.viewActions);
  const pinnedId = useAppStore((s) => s.view.selectedRequestId);
  const [keyboardId, setKeyboardId] = useState<number | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  /** The job whose element has the focus; kept when that element is removed, so the focus can move on. */
  const focusedIdRef = useRef<number | null>(null);
  const hintId = useId();
  const activeId = activeBarId(bars, keyboardId, pinnedId);

  // The focused job left the list (the window slid past it): the job now holding the tab stop takes the focus.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list || focusedIdRef.current === null || list.contains(document.activeElement)) return;
    const index = bars.findIndex((bar) => bar.requestId === activeId);
    if (index >= 0) (list.children[index] as HTMLElement | undefined)?.focus();
  }, [bars, activeId]);

  const focusBar = (index: number): void => {
    (listRef.current?.children[index] as HTMLElement | undefined)?.focus();
  };

  return (
    <>
      <p id={hintId} className="visually-hidden">
        Arrow keys move between jobs; Enter pins a job's details.
      </p>
      <div
        ref={listRef}
        className="timeline-overlay"
        style={layerStyle(zoom, slidePx)}
        role="listbox"
        aria-label="Jobs in the timeline window, oldest first"
        aria-describedby={hintId}
        onFocus={(event) => {
          const requestId = requestIdOf(event.target);
          focusedIdRef.current = requestId;
          if (requestId === null) return;
          setKeyboardId(requestId);
          viewActions.hoverRequest(requestId);
        }}
        onBlur={(event) => {
          const element = event.target;
          viewActions.hoverRequest(null);
          // A blur that moves focus elsewhere ends the list's focus; one caused by the element's removal
          // (it is gone from the document by the next microtask) leaves it for the effect above to move on.
          if (event.relatedTarget !== null) focusedIdRef.current = null;
          else
            queueMicrotask(() => {
              if (element.isConnected) focusedIdRef.current = null;
            });
        }}
        onKeyDown={(event) => {
          const index = bars.findIndex((bar) => bar.requestId === activeId);
          const next = activeIndexAfterKey(event.key, index, bars.length);
          if (next !== null) {
            event.preventDefault();
            focusBar(next);
          } else if ((event.key === 'Enter' || event.key === ' ') && activeId !== null) {
            event.preventDefault();
            viewActions.selectRequest(pinnedId === activeId ? null : activeId);
          } else if (event.key === 'Escape' && pinnedId !== null) {
            event.preventDefault();
            viewActions.selectRequest(null);
          }
        }}
        onPointerOver={(event) => viewActions.hoverRequest(requestIdOf(event.target))}
        onPointerLeave={() => viewActions.hoverRequest(null)}
        onClick={(event) => {
          const requestId = requestIdOf(event.target);
          if (requestId !== null) viewActions.selectRequest(requestId);
        }}
      >
        {bars.map((bar) => (
          <div
            // Keyed by request: an element (and the focus on it) stays with its job while the window slides.
            key={bar.requestId}
            role="option"
            tabIndex={bar.requestId === activeId ? 0 : -1}
            aria-selected={bar.requestId === pinnedId}
            className="timeline-bar"
            {...barElementProps(bar, slidePx)}
          />
        ))}
      </div>
    </>
  );
});

function TimelineToolbar(): ReactNode {
  const { bridge } = useAppServices();
  const windowMs = useAppStore((s) => s.view.timelineWindowMs);
  const pausedAt = useAppStore((s) => s.view.timelinePausedAt);
  const scrollBackMs = useAppStore((s) => s.view.timelineScrollBackMs);
  const viewActions = useAppStore((s) => s.viewActions);
  const isPaused = pausedAt !== null;

  let maxScrollBackMs = 0;
  if (isPaused) {
    // Back as far as the recorder knows the state.
    const oldestAt = bridge.frames.history?.knownFromAt ?? pausedAt;
    maxScrollBackMs = Math.max(0, Math.ceil(pausedAt - windowMs - oldestAt));
  }

  return (
    <div className="timeline-toolbar">
      <label className="inline-field">
        <span>Window</span>
        <select value={windowMs} onChange={(event) => viewActions.setTimelineWindow(Number(event.target.value))}>
          {TIMELINE_WINDOW_CHOICES_MS.map((ms) => (
            <option key={ms} value={ms}>
              {formatWindowMs(ms)}
            </option>
          ))}
        </select>
      </label>
      {isPaused && maxScrollBackMs > 0 && (
        <label className="inline-field scrollback">
          <span>Scroll back</span>
          <input
            type="range"
            min={0}
            max={maxScrollBackMs}
            step={100}
            value={Math.max(0, maxScrollBackMs - scrollBackMs)}
            onChange={(event) => viewActions.setTimelineScrollBack(maxScrollBackMs - Number(event.target.value))}
          />
        </label>
      )}
      <button
        type="button"
        className="secondary small"
        aria-pressed={isPaused}
        // Named for what it holds still: a replay's own Pause sits on the same page, and two buttons named
        // "Pause" leave a screen reader's user (and a script) guessing which one moves the replay.
        aria-label={isPaused ? 'Resume timeline' : 'Pause timeline'}
        onClick={() => (isPaused ? viewActions.resumeTimeline() : viewActions.pauseTimeline(bridge.presentAt()))}
      >
        {isPaused ? 'Resume' : 'Pause'}
      </button>
    </div>
  );
}

/**
 * One bucket of dense jobs over the canvas. Most of the window's buckets are the same object from one refresh to the
 * next (overlayBuckets keeps them): those are not rendered again.
 */
const BucketElement = memo(function BucketElement({
  bucket,
  slidePx,
  viewActions,
}: {
  bucket: OverlayBucket;
  slidePx: number;
  viewActions: ViewActions;
}): ReactNode {
  const ref = { workerId: bucket.workerId, fromAt: bucket.fromAt, toAt: bucket.toAt };
  return (
    <button
      type="button"
      // Out of the tab order: hundreds of them; the job list and the details carry the keyboard.
      tabIndex={-1}
      aria-label={bucket.label}
      title={bucket.label}
      className="timeline-annotation timeline-bucket"
      data-testid="timeline-bucket"
      data-worker-id={bucket.workerId}
      data-busy-fraction={bucket.busyFraction.toFixed(3)}
      data-jobs={bucket.jobs}
      data-client-errors={bucket.clientErrorJobs}
      data-server-errors={bucket.serverErrorJobs}
      data-from-ms={bucket.fromAt}
      data-to-ms={bucket.toAt}
      style={placeOf(bucket, slidePx)}
      // Over, not enter: React says "enter" while dispatching the canvas's pointerout, before the canvas's own
      // pointerleave clears what is hovered; pointerover comes after it, so a pointer arriving from the canvas keeps it.
      onPointerOver={() => viewActions.hoverBucket(ref)}
      onPointerLeave={() => viewActions.hoverBucket(null)}
      onClick={() => viewActions.selectBucket(ref)}
    />
  );
});

interface Annotations {
  /** The lanes' buckets of dense jobs: hover or click one to list its requests. */
  buckets: OverlayBucket[];
  /** Jobs of earlier runs: named, not selectable (a restarted server reuses request ids). */
  pastBars: OverlayBar[];
  spans: OverlaySpan[];
  markers: OverlayMarker[];
}

const NO_ANNOTATIONS: Annotations = { buckets: [], pastBars: [], spans: [], markers: [] };

/**
 * What the canvas draws besides the current run's jobs, as elements over it: each wait of the queue track
 * (hovering one highlights its job, as hovering the job highlights its wait; the job list already says how
 * long each waited, so these are hidden from assistive tech), earlier runs' jobs, markers and run separators.
 */
const AnnotationLayer = memo(function AnnotationLayer({
  annotations,
  zoom,
  slidePx,
}: {
  annotations: Annotations;
  zoom: number;
  slidePx: number;
}): ReactNode {
  const viewActions = useAppStore((s) => s.viewActions);
  return (
    <div className="timeline-annotations" style={layerStyle(zoom, slidePx)}>
      {annotations.buckets.map((bucket) => (
        <BucketElement key={`${bucket.workerId}:${bucket.fromAt}`} bucket={bucket} slidePx={slidePx} viewActions={viewActions} />
      ))}
      {annotations.spans.map((span) => (
        <div
          key={span.key}
          aria-hidden="true"
          title={span.label}
          className="timeline-annotation"
          data-testid="queue-span"
          data-request-id={span.requestId ?? ''}
          data-connection-id={span.connectionId ?? undefined}
          data-run-id={span.runId}
          data-wait-ms={span.waitMs}
          data-waiting={span.isWaiting}
          style={placeOf(span, slidePx)}
          // Over, not enter, as a bucket's: a pointer arriving from the canvas keeps what it hovers.
          onPointerOver={() => span.isCurrentRun && span.requestId !== null && viewActions.hoverRequest(span.requestId)}
          onPointerLeave={() => viewActions.hoverRequest(null)}
          onClick={() => span.isCurrentRun && span.requestId !== null && viewActions.selectRequest(span.requestId)}
        />
      ))}
      {annotations.pastBars.map((bar) => (
        <div key={`${bar.runId}:${bar.requestId}`} role="img" className="timeline-annotation" {...barElementProps(bar, slidePx)} />
      ))}
      {annotations.markers.map((marker) => (
        <div
          key={`${marker.kind}:${marker.runId}:${marker.workerId}:${marker.at}`}
          role="img"
          aria-label={marker.label}
          title={marker.label}
          className="timeline-annotation"
          data-testid={marker.kind === 'run-separator' ? 'run-separator' : 'timeline-marker'}
          data-kind={marker.kind === 'run-separator' ? undefined : marker.kind}
          data-worker-id={marker.workerId ?? undefined}
          data-run-id={marker.runId}
          data-at={Math.round(marker.at)}
          style={placeOf(marker, slidePx)}
        />
      ))}
    </div>
  );
});

export function TimelinePanel(): ReactNode {
  const { bridge } = useAppServices();
  const store = useAppStoreApi();
  const currentLaneCount = useAppStore((s) => laneCountFor(s.wire.workerCount, s.wire.workers.length));
  const isPresenting = useAppStore((s) => s.view.isPresenting);
  const strategy = useAppStore((s) => s.wire.strategy);
  const stageRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  /** The scene last painted: what the pointer is over (slid by the compositor since, while live). */
  const paintedRef = useRef<TimelineScene | null>(null);
  const paintedAtRef = useRef<PaintedAt>({ at: 0, msPerPx: 1, isSliding: false });
  const dataClipRef = useRef<HTMLDivElement>(null);
  const dataCanvasRef = useRef<HTMLCanvasElement>(null);
  const nowLineRef = useRef<HTMLDivElement>(null);
  const peakNoteRef = useRef<HTMLSpanElement>(null);
  const refusedNoteRef = useRef<HTMLSpanElement>(null);
  const [bars, setBars] = useState<OverlayBar[]>([]);
  const [annotations, setAnnotations] = useState<Annotations>(NO_ANNOTATIONS);
  /** The annotations last set: the next refresh keeps the buckets that have not changed. */
  const annotationsRef = useRef<Annotations>(NO_ANNOTATIONS);
  const [slidePx, setSlidePx] = useState(0);
  const slideRef = useRef<Slide | null>(null);
  // Earlier runs' lanes stay while the window shows them: the stage is as tall as the lanes of the window.
  const [frameLaneCount, setFrameLaneCount] = useState(1);
  const laneCount = Math.max(currentLaneCount, frameLaneCount);
  const stageSizeRef = useRef<StageSize>({ widthPx: 0, heightPx: 0 });

  // The stage's size, read once laid out and again whenever it changes (never in the paint loop).
  useLayoutEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    const read = () => {
      stageSizeRef.current = { widthPx: stage.clientWidth, heightPx: stage.clientHeight };
    };
    read();
    const observer = new ResizeObserver(read);
    observer.observe(stage);
    return () => observer.disconnect();
  }, []);

  // The paint loop: reads the bridge's timeline and the view straight from their sources when it paints, on two
  // canvases: the backdrop (tracks, grid, axis, labels: repainted when they change) and over the plot the data layer
  // (everything in time), which the compositor slides between its paints while live (while the server is saturated, it
  // steps with each frame instead: dataLayerMotion). Live, new frames are painted in
  // the store's publish that shows them (one commit for the panels and the canvas); otherwise it asks for an animation
  // frame only when the picture may have changed: a frame applied (paused, a replay), the view changed, the stage
  // resized, a running job's repaint due (at rest, only the slide's end). A replay's present moves at the replay's
  // pace: there it repaints at each pixel's move, unslid.
  useEffect(() => {
    const stage = stageRef.current;
    const canvas = canvasRef.current;
    const dataClip = dataClipRef.current;
    const dataCanvas = dataCanvasRef.current;
    const nowLine = nowLineRef.current;
    const peakNote = peakNoteRef.current;
    const refusedNote = refusedNoteRef.current;
    // Opaque: the compositor need not blend the backdrop with what lies under it.
    const ctx = canvas?.getContext('2d', { alpha: false });
    const dataCtx = dataCanvas?.getContext('2d');
    if (!stage || !canvas || !ctx || !dataClip || !dataCanvas || !dataCtx || !nowLine || !peakNote || !refusedNote) return;
    let frame = 0;
    let isFrameAsked = false;
    let wakeTimer: ReturnType<typeof setTimeout> | undefined;
    let lastKey = '';
    let lastViewKey = '';
    let lastBackdropKey = '';
    let lastClipKey = '';
    let lastNotesKey = '';
    let lastPaintWallMs = Number.NEGATIVE_INFINITY;
    /** Whether the layer last painted holds something that grows with the present (a running job). */
    let isGrowing = true;
    /** Whether the view last painted was live and not a replay (sliding or stepping): its repaints come with the store's publishes. */
    let wasLiveNow = false;
    let lastMotion: DataLayerMotion | null = null;
    let slide: Animation | null = null;
    const askFrame = () => {
      if (isFrameAsked) return;
      isFrameAsked = true;
      clearTimeout(wakeTimer);
      wakeTimer = undefined;
      frame = requestAnimationFrame(() => paint());
    };
    /** Asks for a frame after `delayMs`, unless one is asked for sooner. */
    const wakeAfter = (delayMs: number) => {
      if (isFrameAsked) return;
      clearTimeout(wakeTimer);
      wakeTimer = setTimeout(askFrame, Math.max(0, delayMs));
    };
    /** `isPublish`: called in the frame of a store publish, which the layer's repaint joins. */
    const paint = (isPublish = false) => {
      if (isFrameAsked) cancelAnimationFrame(frame);
      isFrameAsked = false;
      const size = stageSizeRef.current;
      const { widthPx, heightPx } = size;
      const dpr = window.devicePixelRatio || 1;
      const view = store.getState().view;
      // The page's present: now, a replay's cursor, or (paused) the paused moment.
      const now = bridge.presentAt();
      const wallNowMs = performance.now();
      const box = stageBoxOf(size, view);
      const msPerPx = view.timelineWindowMs / plotWidthFor(box.widthPx);
      const isLive = view.timelinePausedAt === null;
      const motion = dataLayerMotion(isLive, bridge.isReplay, store.getState().wire.framePace);
      const isSliding = motion === 'slide';
      const isStepping = motion === 'step';
      /** Live and not a replay: repainted with the frames' publishes, slid by the compositor between them or not. */
      const isLiveNow = motion !== 'repaint';
      const highlightedRequestId = view.hoveredRequestId ?? view.selectedRequestId;
      const viewKey = `${widthPx}x${heightPx}@${dpr}x${box.zoom}|${msPerPx}|${highlightedRequestId}|${isLive}|${motion}`;
      // Live, the picture is the frames' (the compositor moves it, or it steps with them); in a replay, it moves when
      // the present has advanced a whole pixel; paused, with the data or the view only.
      const movement = isLiveNow ? 0 : isLive ? Math.floor(now / msPerPx) : windowEndAt(timelineWindowOf(view), now);
      const key = `${viewKey}|${movement}|${bridge.version}`;
      const sinceMs = wallNowMs - lastPaintWallMs;
      const liveIntervalMs = Math.max(LIVE_REPAINT_INTERVAL_MS, msPerPx);
      const repaintIntervalMs = isLiveNow ? liveIntervalMs : MIN_REPAINT_INTERVAL_MS;
      // Sliding with nothing growing, the picture only moves: the slide shows it, until it runs out. Stepping, the
      // frames' publishes repaint it, a running job's growth with them.
      const dueIntervalMs = isStepping
        ? Math.max(liveIntervalMs, STEPPING_REPAINT_INTERVAL_MS)
        : isGrowing
          ? repaintIntervalMs
          : RESTING_REPAINT_SLIDE_PX * msPerPx;
      /** When to look again: live, once the repaint is due; in a replay, every frame; paused, slowly. */
      const nextLook = () => {
        if (isLiveNow) wakeAfter(dueIntervalMs - (performance.now() - lastPaintWallMs));
        else if (isLive) askFrame();
        else wakeAfter(PAUSED_LOOK_INTERVAL_MS);
      };
      // The frames' level of detail follows the plot's width.
      if (view.timelinePlotWidthPx !== Math.round(plotWidthFor(box.widthPx)))
        store.getState().viewActions.setTimelinePlotWidth(plotWidthFor(box.widthPx));
      const isViewChanged = viewKey !== lastViewKey;
      // Sliding, a running job grows at the right edge however still the frames: a repaint once the interval is over.
      const isDue = isLiveNow && sinceMs >= dueIntervalMs;
      if (key === lastKey && !isDue && !isViewChanged) return nextLook();
      // New frames and the window's movement paint together at most once per interval; the view's own changes at once.
      const minSinceMs = isPublish ? repaintIntervalMs - PUBLISH_PAINT_SLACK_MS : repaintIntervalMs;
      if (!isViewChanged && sinceMs < minSinceMs) {
        wakeAfter(repaintIntervalMs - sinceMs);
        return;
      }
      lastKey = key;
      lastViewKey = viewKey;
      lastPaintWallMs = wallNowMs;
      const scene = sceneNow(bridge, view, box, now);
      isGrowing = growsWithPresent(scene);
      wasLiveNow = isLiveNow;
      paintedRef.current = scene;
      paintedAtRef.current = { at: now, msPerPx, isSliding };
      const options = { isLive, highlightedRequestId };

      const backingWidth = Math.round(widthPx * dpr);
      const backingHeight = Math.round(heightPx * dpr);
      let isResized = false;
      if (canvas.width !== backingWidth || canvas.height !== backingHeight) {
        canvas.width = backingWidth;
        canvas.height = backingHeight;
        isResized = true;
      }
      // The plot: from the gutter's edge to the right, from the top to the lanes' bottom (the data layer covers it).
      const leftPx = LANE_LABEL_WIDTH_PX * box.zoom;
      const plotHeightPx = lanesBottom(scene.layout) * box.zoom;
      const backdropKey = backdropKeyOf(scene, options);
      if (isResized || backdropKey !== lastBackdropKey) {
        lastBackdropKey = backdropKey;
        ctx.setTransform(dpr * box.zoom, 0, 0, dpr * box.zoom, 0, 0);
        paintBackdrop(ctx, scene, options);
        // The present's line, over the data layer at the plot's right edge.
        nowLine.hidden = !isLive;
        nowLine.style.background = CANVAS_COLORS.now;
        nowLine.style.top = `${QUEUE_TOP_PX * box.zoom}px`;
        nowLine.style.height = `${Math.max(0, plotHeightPx - QUEUE_TOP_PX * box.zoom)}px`;
      }

      const dataWidth = Math.max(1, Math.round((widthPx - leftPx) * dpr));
      const dataHeight = Math.max(1, Math.round(plotHeightPx * dpr));
      if (dataCanvas.width !== dataWidth || dataCanvas.height !== dataHeight) {
        dataCanvas.width = dataWidth;
        dataCanvas.height = dataHeight;
      }
      const clipKey = `${leftPx}|${plotHeightPx}`;
      if (clipKey !== lastClipKey) {
        lastClipKey = clipKey;
        dataClip.style.left = `${leftPx}px`;
        dataClip.style.height = `${plotHeightPx}px`;
      }
      // The queue track's corner notes, written over the data sliding under them.
      const notes = cornerNotesOf(scene);
      const notesKey = `${notes.peak}|${notes.refused}|${box.zoom}`;
      if (notesKey !== lastNotesKey) {
        lastNotesKey = notesKey;
        placeNote(peakNote, notes.peak, (QUEUE_TOP_PX + 2) * box.zoom, box.zoom, false);
        placeNote(refusedNote, notes.refused, (QUEUE_TOP_PX + QUEUE_TRACK_HEIGHT_PX - 2) * box.zoom, box.zoom, true);
      }
      slide?.cancel();
      slide = null;
      if (motion !== lastMotion) {
        lastMotion = motion;
        dataClip.dataset.motion = motion;
      }
      dataCtx.setTransform(dpr * box.zoom, 0, 0, dpr * box.zoom, -leftPx * dpr, 0);
      paintData(dataCtx, scene, options);
      if (isSliding) {
        // Whole device pixels at a time, at the window's pace, on the compositor: no main-thread frame per pixel.
        const slidePx = MAX_DATA_SLIDE_PX * box.zoom;
        slide = dataCanvas.animate([{ transform: 'translateX(0px)' }, { transform: `translateX(${-slidePx}px)` }], {
          duration: MAX_DATA_SLIDE_PX * msPerPx,
          easing: `steps(${Math.max(1, Math.round(slidePx * dpr))}, end)`,
          fill: 'forwards',
        });
      }
      nextLook();
    };
    // Live, a frame applied is painted with the store's publish that follows it (one frame for both, not two);
    // paused or in a replay, on the next animation frame.
    const unsubscribeFrames = bridge.onChange(() => {
      if (!wasLiveNow) askFrame();
    });
    const unsubscribePublishes = bridge.onPublish(() => {
      if (wasLiveNow) paint(true);
    });
    const unsubscribeView = store.subscribe((state, previous) => {
      if (state.view !== previous.view) askFrame();
    });
    const resizeObserver = new ResizeObserver(askFrame);
    resizeObserver.observe(stage);
    askFrame();
    return () => {
      unsubscribeFrames();
      unsubscribePublishes();
      unsubscribeView();
      resizeObserver.disconnect();
      clearTimeout(wakeTimer);
      cancelAnimationFrame(frame);
      slide?.cancel();
    };
  }, [bridge, store]);

  // The overlay follows the canvas a few times a second (enough to hover and to find bars), less while frames jump:
  // with a store publish once the refresh interval is over, so React commits both at once; with no publish coming
  // (nothing new, the window still sliding), on a timer at half the pace.
  useEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    let lastRefreshAtMs = Number.NEGATIVE_INFINITY;
    let catchUpTimer: ReturnType<typeof setTimeout> | undefined;
    const refresh = (minIntervalMs: number) => {
      const wallNowMs = Date.now();
      if (wallNowMs - lastRefreshAtMs < minIntervalMs) return;
      if (!isOverlayDue(wallNowMs, bridge.lastFullFrameAt, lastRefreshAtMs)) return;
      lastRefreshAtMs = wallNowMs;
      clearTimeout(catchUpTimer);
      delete stage.dataset.overlayStale;
      const now = bridge.presentAt();
      const view = store.getState().view;
      const scene = sceneNow(bridge, view, stageBoxOf(stageSizeRef.current, view), now);
      slideRef.current = slideOf(slideRef.current, scene.layout);
      setSlidePx(slideRef.current.slidePx);
      const allBars = overlayBars(scene);
      setBars(allBars.filter((bar) => bar.isCurrentRun));
      annotationsRef.current = {
        buckets: overlayBuckets(scene, annotationsRef.current.buckets),
        pastBars: allBars.filter((bar) => !bar.isCurrentRun),
        spans: overlaySpans(scene),
        markers: overlayMarkers(scene),
      };
      setAnnotations(annotationsRef.current);
      setFrameLaneCount(scene.frame.lanes.length);
    };
    // A whole new frame (a replay stepped or scrubbed) moves the picture the overlay's hover targets were placed for:
    // until the overlay catches up they let the pointer through to the canvas, whose hit test reads the scene painted
    // (else a hover a moment after a step names the job that was there the step before), and it catches up as soon
    // as the frames rest rather than at the next resting tick.
    const unsubscribeFrames = bridge.onChange(() => {
      if (bridge.lastFullFrameAt <= lastRefreshAtMs || stage.dataset.overlayStale !== undefined) return;
      stage.dataset.overlayStale = 'true';
      clearTimeout(catchUpTimer);
      catchUpTimer = setTimeout(() => refresh(0), OVERLAY_REFRESH_MS + 1);
    });
    refresh(0);
    const unsubscribePublishes = bridge.onPublish(() => refresh(OVERLAY_REFRESH_MS));
    const timer = setInterval(() => refresh(RESTING_OVERLAY_REFRESH_MS), OVERLAY_REFRESH_MS);
    return () => {
      unsubscribeFrames();
      unsubscribePublishes();
      clearInterval(timer);
      clearTimeout(catchUpTimer);
    };
  }, [bridge, store]);

  // The canvas itself is a pointer shortcut (hover or click between the overlay's bars; the keyboard has the
  // overlay's list), and the wheel anywhere on the stage scrolls back in time while paused (while live the
  // page scrolls as usual). Native listeners: the wheel's must be able to preventDefault.
  useEffect(() => {
    const stage = stageRef.current;
    const canvas = canvasRef.current;
    if (!stage || !canvas) return;
    const boxOfStage = () => stageBoxOf(stageSizeRef.current, store.getState().view);
    // What lies under the pointer on the data layer: the scene painted, slid left since by the compositor.
    const slidNow = () => slidPxSince(paintedAtRef.current, bridge.presentAt());
    const jobUnder = (event: MouseEvent): number | null => {
      const scene = paintedRef.current;
      if (!scene) return null;
      const rect = stage.getBoundingClientRect();
      const box = boxOfStage();
      return jobAt(scene, (event.clientX - rect.left) / box.zoom + slidNow(), (event.clientY - rect.top) / box.zoom);
    };
    const bucketUnder = (event: MouseEvent) => {
      const scene = paintedRef.current;
      if (!scene) return null;
      const rect = stage.getBoundingClientRect();
      const box = boxOfStage();
      const bucket = bucketAt(scene, (event.clientX - rect.left) / box.zoom + slidNow(), (event.clientY - rect.top) / box.zoom);
      return bucket === null ? null : { workerId: bucket.workerId, fromAt: bucket.fromAt, toAt: bucket.toAt };
    };
    const onPointerMove = (event: PointerEvent) => {
      const requestId = jobUnder(event);
      const actions = store.getState().viewActions;
      actions.hoverRequest(requestId);
      actions.hoverBucket(requestId === null ? bucketUnder(event) : null);
    };
    const onPointerLeave = () => {
      store.getState().viewActions.hoverRequest(null);
      store.getState().viewActions.hoverBucket(null);
    };
    const onClick = (event: MouseEvent) => {
      const requestId = jobUnder(event);
      const bucket = requestId === null ? bucketUnder(event) : null;
      if (bucket !== null) store.getState().viewActions.selectBucket(bucket);
      else store.getState().viewActions.selectRequest(requestId);
    };
    const onWheel = (event: WheelEvent) => {
      const view = store.getState().view;
      const scene = paintedRef.current;
      if (view.timelinePausedAt === null || !scene) return;
      event.preventDefault();
      const deltaPx = Math.abs(event.deltaX) > Math.abs(event.deltaY) ? event.deltaX : event.deltaY;
      store
        .getState()
        .viewActions.setTimelineScrollBack(scrollBackAfterWheel(scene.layout, view.timelineScrollBackMs, deltaPx / boxOfStage().zoom));
    };
    canvas.addEventListener('pointermove', onPointerMove);
    canvas.addEventListener('pointerleave', onPointerLeave);
    canvas.addEventListener('click', onClick);
    stage.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      canvas.removeEventListener('pointermove', onPointerMove);
      canvas.removeEventListener('pointerleave', onPointerLeave);
      canvas.removeEventListener('click', onClick);
      stage.removeEventListener('wheel', onWheel);
    };
  }, [bridge, store]);

  const zoom = isPresenting ? PRESENTATION_ZOOM : 1;
  return (
    <section className="panel timeline-panel" aria-label="Timeline">
      <div className="panel-head">
        <h2>Timeline</h2>
        <TimelineToolbar />
      </div>
      {/* Presentation mode: the stage takes the panel's free height (CSS), and the lanes share it; on a short screen the
          column scrolls rather than squeeze a lane under its label. */}
      <div
        className="timeline-stage"
        ref={stageRef}
        style={isPresenting ? { minHeight: zoom * minFillingTimelineHeightFor(laneCount) } : { height: timelineHeightFor(laneCount) }}
      >
        <canvas ref={canvasRef} className="timeline-canvas" aria-hidden="true" tabIndex={-1} />
        <div ref={dataClipRef} className="timeline-data" data-testid="timeline-data" aria-hidden="true">
          <canvas ref={dataCanvasRef} className="timeline-data-canvas" />
        </div>
        <div ref={nowLineRef} className="timeline-now" aria-hidden="true" />
        <span ref={peakNoteRef} className="timeline-note" aria-hidden="true" hidden />
        <span ref={refusedNoteRef} className="timeline-note" aria-hidden="true" hidden />
        <AnnotationLayer annotations={annotations} zoom={zoom} slidePx={slidePx} />
        <Overlay bars={bars} zoom={zoom} slidePx={slidePx} />
      </div>
      <TimelineLegend strategy={strategy} />
    </section>
  );
}
