// The timeline's two layers, what each holds without drawing it: the backdrop stays while the window slides and is
// repainted when its key changes; the queue track's corner notes are written over the data that slides under them.
// DOM-free: the painter (timeline-painter.ts) draws, the panel (TimelinePanel.tsx) places and repaints.

import type { FramePace } from '../../shared/wire';
import { formatClockTime, formatCount } from './format';
import { newestStrategyOf } from './timeline-frame';
import { firstWorkerlessLane, type TimelineScene } from './timeline-geometry';

export interface PaintOptions {
  isLive: boolean;
  /** The hovered or pinned job of the current run: its wait, its connector and its bar are outlined together. */
  highlightedRequestId: number | null;
}

/**
 * The queue track's corner notes, fixed to the plot's right edge whatever slides under them and written over it: the
 * queue's peak length (where it is drawn as a length) and the requests refused in the window.
 */
export function cornerNotesOf(scene: TimelineScene): { peak: string | null; refused: string | null } {
  let refused = 0;
  for (const box of scene.refusals) refused += box.count;
  return {
    peak: scene.queue.mode === 'spans' ? null : `peak ${scene.queue.peakLength} waiting`,
    refused: scene.refusals.length === 0 ? null : `${formatCount(refused)} refused`,
  };
}

/** What the backdrop shows, as a key: the backdrop is repainted when it changes. */
export function backdropKeyOf(scene: TimelineScene, options: PaintOptions): string {
  const { layout, frame } = scene;
  const hasPool = frame.runs.length > 0 || frame.bars.length > 0 || scene.buckets.length > 0;
  let lanes = '';
  for (const lane of frame.lanes) lanes += `${lane.workerId}${lane.isDimmed ? 'd' : ''}${lane.isInCurrentRun ? 'c' : ''},`;
  return [
    layout.widthPx,
    layout.heightPx,
    layout.laneCount,
    layout.laneHeightPx,
    layout.msPerPx,
    options.isLive ? 'live' : formatClockTime(layout.endAt).slice(0, 8),
    hasPool,
    lanes,
    // The queue track's and the lanes' names (timeline-frame.ts) follow it.
    newestStrategyOf(frame.runs),
  ].join('|');
}

/**
 * Whether the data layer draws something that grows with the present between frames: a job still running (its bar
 * ends at now) or a run's lanes beyond its pool (shaded up to now). Otherwise the layer slid by the compositor is the
 * picture a repaint would give, and it is repainted only when the frames or the view change, or the slide runs out.
 */
export function growsWithPresent(scene: TimelineScene): boolean {
  const { frame, layout } = scene;
  for (const bar of frame.bars) if (bar.finishedAt === null) return true;
  for (const run of frame.runs) if (run.stoppedAt === null && firstWorkerlessLane(run, layout) !== null) return true;
  return false;
}

/**
 * How the data layer moves between its paints (the timeline's `data-motion`):
 * - 'slide': live, the compositor slides it left a device pixel at a time at the window's pace between its paints;
 * - 'step': live while the server is saturated (the frames' pace, which the page's status says): it stands still and
 *   steps with each frame. A slide is a compositor frame per device pixel (tens a second at a 30 s window) through the
 *   renderer's compositor and the display compositor, CPU taken from a server with none to spare, while the data
 *   under it changes only with each frame;
 * - 'repaint': paused or a replay (whose present moves at its own pace), unslid, repainted as the picture moves.
 */
export type DataLayerMotion = 'slide' | 'step' | 'repaint';

export function dataLayerMotion(isLive: boolean, isReplay: boolean, framePace: FramePace['reason'] | null): DataLayerMotion {
  if (!isLive || isReplay) return 'repaint';
  return framePace === 'saturated' ? 'step' : 'slide';
}
