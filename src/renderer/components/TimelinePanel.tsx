// The timeline: per-worker lanes over a sliding window, painted on a canvas every animation frame
// straight from the bridge's model (no React render per event), plus a small invisible overlay of
// the newest bars as real elements, so people with assistive tech, tests and scripts can find them.

import { memo, type MouseEvent as ReactMouseEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import type { PoolModel } from '../../shared/pool-model';
import type { AppState } from '../store/app-store';
import { useAppStore, useAppStoreApi } from '../store/use-app-store';
import { TIMELINE_WINDOW_CHOICES_MS } from '../store/view-slice';
import { useAppServices } from './app-services';
import { formatDurationMs } from './format';
import {
  jobAt,
  LANE_LABEL_WIDTH_PX,
  laneCountOf,
  laneTop,
  makeLayout,
  spanOf,
  type TimelineLayout,
  timelineHeightFor,
  xOf,
} from './timeline-geometry';
import { paintTimeline, ROUTE_COLORS } from './timeline-painter';

/** The overlay holds at most this many bars (the newest), so the DOM stays small at any request rate. */
export const MAX_OVERLAY_BARS = 300;
const OVERLAY_REFRESH_MS = 250;
const MIN_OVERLAY_BAR_WIDTH_PX = 4;

interface OverlayBar {
  requestId: number;
  workerId: number;
  path: string;
  origin: string;
  status: string;
  title: string;
  leftPx: number;
  topPx: number;
  widthPx: number;
  heightPx: number;
}

function windowEndAt(view: AppState['view'], now: number): number {
  return view.timelinePausedAt === null ? now : view.timelinePausedAt - view.timelineScrollBackMs;
}

function layoutNow(model: PoolModel, view: AppState['view'], widthPx: number, now: number): TimelineLayout {
  return makeLayout(widthPx, laneCountOf(model), windowEndAt(view, now), view.timelineWindowMs);
}

function overlayBars(model: PoolModel, layout: TimelineLayout, now: number): OverlayBar[] {
  // Arrival order is close enough to start order: keep the last MAX_OVERLAY_BARS that qualify.
  const ring: OverlayBar[] = [];
  let next = 0;
  for (const record of model.requests.values()) {
    const span = spanOf(record, layout, now);
    if (!span) continue;
    // The element covers the run only: waits overlap earlier runs in the same lane and would hide them.
    const left = Math.max(xOf(layout, span.runFrom), xOf(layout, layout.startAt));
    const right = Math.min(xOf(layout, span.runTo), layout.widthPx);
    const wait = record.waitMs ?? span.runFrom - span.waitFrom;
    const run = span.runTo - span.runFrom;
    const bar: OverlayBar = {
      requestId: record.id,
      workerId: span.lane,
      path: record.path,
      origin: record.origin,
      status: record.status === null ? '' : String(record.status),
      title: `#${record.id} ${record.method} ${record.target} · ${record.origin} · ${record.status ?? 'running'} · wait ${formatDurationMs(wait)} · run ${formatDurationMs(run)}`,
      leftPx: left,
      topPx: laneTop(layout, span.lane),
      widthPx: Math.max(MIN_OVERLAY_BAR_WIDTH_PX, right - left),
      heightPx: layout.laneHeightPx,
    };
    if (ring.length < MAX_OVERLAY_BARS) ring.push(bar);
    else ring[next] = bar;
    next = (next + 1) % MAX_OVERLAY_BARS;
  }
  return ring.length < MAX_OVERLAY_BARS ? ring : [...ring.slice(next), ...ring.slice(0, next)];
}

const Overlay = memo(function Overlay({ bars }: { bars: OverlayBar[] }): ReactNode {
  const viewActions = useAppStore((s) => s.viewActions);
  return (
    <ul className="timeline-overlay" aria-label="Jobs in the timeline window (newest)">
      {bars.map((bar, slot) => (
        // biome-ignore lint/a11y/useKeyWithClickEvents: keyboard access to timeline jobs is being reworked
        <li
          // Keyed by slot: under load the newest bars change wholesale, and updating 300 elements in
          // place is much cheaper than removing and creating them four times a second.
          // biome-ignore lint/suspicious/noArrayIndexKey: keyed by slot on purpose, see above
          key={slot}
          className="timeline-bar"
          data-testid="timeline-bar"
          data-worker-id={bar.workerId}
          data-path={bar.path}
          data-request-id={bar.requestId}
          data-origin={bar.origin}
          data-status={bar.status}
          title={bar.title}
          style={{ left: bar.leftPx, top: bar.topPx, width: bar.widthPx, height: bar.heightPx }}
          onPointerEnter={() => viewActions.hoverRequest(bar.requestId)}
          onPointerLeave={() => viewActions.hoverRequest(null)}
          onClick={(event) => {
            event.stopPropagation();
            viewActions.selectRequest(bar.requestId);
          }}
        />
      ))}
    </ul>
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
    const oldest = bridge.model.requests.values().next().value;
    const oldestAt = oldest ? (oldest.queuedAt ?? oldest.receivedAt) : pausedAt;
    maxScrollBackMs = Math.max(0, Math.ceil(pausedAt - windowMs - oldestAt));
  }

  return (
    <div className="timeline-toolbar">
      <label className="inline-field">
        <span>Window</span>
        <select value={windowMs} onChange={(event) => viewActions.setTimelineWindow(Number(event.target.value))}>
          {TIMELINE_WINDOW_CHOICES_MS.map((ms) => (
            <option key={ms} value={ms}>
              {ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1_000} s`}
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
        onClick={() => (isPaused ? viewActions.resumeTimeline() : viewActions.pauseTimeline(Date.now()))}
      >
        {isPaused ? 'Resume' : 'Pause'}
      </button>
    </div>
  );
}

function Legend(): ReactNode {
  return (
    <ul className="legend" aria-label="Legend">
      <li>
        <i className="swatch" style={{ background: ROUTE_COLORS.sleep }} /> /sleep
      </li>
      <li>
        <i className="swatch" style={{ background: ROUTE_COLORS.hello }} /> GET /
      </li>
      <li>
        <i className="swatch" style={{ background: ROUTE_COLORS.other }} /> other
      </li>
      <li>
        <i className="swatch wait" /> waiting in queue
      </li>
      <li>
        <i className="swatch external" /> external request
      </li>
      <li>
        <i className="swatch outline-5xx" /> 5xx
      </li>
      <li>
        <i className="swatch outline-4xx" /> 4xx
      </li>
    </ul>
  );
}

export function TimelinePanel(): ReactNode {
  const { bridge } = useAppServices();
  const store = useAppStoreApi();
  const laneCount = useAppStore((s) => Math.max(s.wire.workers.length, s.wire.workerCount, 1));
  const stageRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [bars, setBars] = useState<OverlayBar[]>([]);

  // The paint loop: reads the model and the view straight from their sources every frame.
  useEffect(() => {
    const stage = stageRef.current;
    const canvas = canvasRef.current;
    // Opaque: the compositor need not blend the canvas with what lies under it.
    const ctx = canvas?.getContext('2d', { alpha: false });
    if (!stage || !canvas || !ctx) return;
    let frame = 0;
    let lastKey = '';
    const paint = () => {
      frame = requestAnimationFrame(paint);
      const widthPx = stage.clientWidth;
      const heightPx = stage.clientHeight;
      const dpr = window.devicePixelRatio || 1;
      const state = store.getState();
      const view = state.view;
      const now = Date.now();
      const model = bridge.model;
      const isLive = view.timelinePausedAt === null;
      const highlightedRequestId = view.hoveredRequestId ?? view.selectedRequestId;
      // Live, the picture only moves when time has advanced a whole pixel: new jobs start at the right
      // edge and finished ones stop growing there, so repainting in between changes nothing visible.
      // Paused, it changes only with the data or the view.
      const msPerPx = view.timelineWindowMs / Math.max(1, widthPx - LANE_LABEL_WIDTH_PX);
      const movement = isLive ? Math.floor(now / msPerPx) : `${model.version}|${view.timelinePausedAt}|${view.timelineScrollBackMs}`;
      const key = `${widthPx}x${heightPx}@${dpr}|${movement}|${view.timelineWindowMs}|${highlightedRequestId}|${laneCountOf(model)}`;
      if (key === lastKey) return;
      lastKey = key;
      const backingWidth = Math.round(widthPx * dpr);
      const backingHeight = Math.round(heightPx * dpr);
      if (canvas.width !== backingWidth || canvas.height !== backingHeight) {
        canvas.width = backingWidth;
        canvas.height = backingHeight;
      }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      paintTimeline(ctx, layoutNow(model, view, widthPx, now), model, { now, isLive, highlightedRequestId });
    };
    frame = requestAnimationFrame(paint);
    return () => cancelAnimationFrame(frame);
  }, [bridge, store]);

  // The overlay follows the canvas a few times a second: enough to hover and to find bars.
  useEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    const refresh = () => {
      const now = Date.now();
      setBars(overlayBars(bridge.model, layoutNow(bridge.model, store.getState().view, stage.clientWidth, now), now));
    };
    refresh();
    const timer = setInterval(refresh, OVERLAY_REFRESH_MS);
    return () => clearInterval(timer);
  }, [bridge, store]);

  // Wheel scrolls back in time while paused; while live the page scrolls as usual.
  useEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    const onWheel = (event: WheelEvent) => {
      const view = store.getState().view;
      if (view.timelinePausedAt === null) return;
      event.preventDefault();
      const deltaPx = Math.abs(event.deltaX) > Math.abs(event.deltaY) ? event.deltaX : event.deltaY;
      const msPerPx = view.timelineWindowMs / Math.max(1, stage.clientWidth);
      store.getState().viewActions.setTimelineScrollBack(view.timelineScrollBackMs + deltaPx * msPerPx);
    };
    stage.addEventListener('wheel', onWheel, { passive: false });
    return () => stage.removeEventListener('wheel', onWheel);
  }, [store]);

  const hitTest = (event: ReactMouseEvent) => {
    const stage = stageRef.current;
    if (!stage) return null;
    const rect = stage.getBoundingClientRect();
    const now = Date.now();
    const layout = layoutNow(bridge.model, store.getState().view, stage.clientWidth, now);
    return jobAt(bridge.model, layout, now, event.clientX - rect.left, event.clientY - rect.top);
  };

  return (
    <section className="panel timeline-panel" aria-label="Timeline">
      <div className="panel-head">
        <h2>Timeline</h2>
        <TimelineToolbar />
      </div>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: pointer shortcut over the canvas; keyboard access is being reworked */}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: as above */}
      <div
        className="timeline-stage"
        ref={stageRef}
        style={{ height: timelineHeightFor(laneCount) }}
        onPointerMove={(event) => {
          if (event.target !== canvasRef.current) return;
          store.getState().viewActions.hoverRequest(hitTest(event)?.id ?? null);
        }}
        onPointerLeave={() => store.getState().viewActions.hoverRequest(null)}
        onClick={(event) => {
          if (event.target !== canvasRef.current) return;
          store.getState().viewActions.selectRequest(hitTest(event)?.id ?? null);
        }}
      >
        <canvas ref={canvasRef} className="timeline-canvas" aria-hidden="true" tabIndex={-1} />
        <Overlay bars={bars} />
      </div>
      <Legend />
    </section>
  );
}
