// The timeline's two layers, what each holds without drawing it: the backdrop stays while the window slides and is
// repainted when its key changes; the queue track's corner notes are written over the data that slides under them.
// DOM-free: the painter (timeline-painter.ts) draws, the panel (TimelinePanel.tsx) places and repaints.

import { formatClockTime, formatCount } from './format';
import type { TimelineScene } from './timeline-geometry';

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
  ].join('|');
}
