// The timeline's legend: each swatch is a small canvas painted with the same calls as the timeline's bars
// (palette-canvas.ts), so what the legend shows is exactly what a bar looks like.

import { memo, type ReactNode, useEffect, useRef } from 'react';
import type { Strategy } from '../../shared/settings';
import { ROUTE_KINDS, ROUTE_STYLES } from './palette';
import { paintSwatch, type SwatchKind } from './palette-canvas';
import { type WaitKind, waitKindOf } from './timeline-frame';

const SWATCH_WIDTH_PX = 22;
const SWATCH_HEIGHT_PX = 12;

interface LegendEntry {
  kind: SwatchKind;
  label: string;
}

/** What the queue track's waits are called in the legend. */
const WAIT_LABELS: Record<WaitKind, string> = {
  job: 'waiting in queue',
  connection: 'connection waiting for the single thread',
  'thread-start': 'waiting for its new thread',
};

function entriesOf(waitLabel: string): readonly LegendEntry[] {
  return [
    ...ROUTE_KINDS.map((kind) => ({ kind, label: ROUTE_STYLES[kind].label })),
    { kind: 'wait', label: waitLabel },
    { kind: 'external', label: 'external request' },
    { kind: '5xx', label: '5xx (solid outline)' },
    { kind: '4xx', label: '4xx (dashed outline)' },
  ];
}

function Swatch({ kind }: { kind: SwatchKind }): ReactNode {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(SWATCH_WIDTH_PX * dpr);
    canvas.height = Math.round(SWATCH_HEIGHT_PX * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintSwatch(ctx, kind, SWATCH_WIDTH_PX, SWATCH_HEIGHT_PX);
  }, [kind]);
  return (
    <canvas
      ref={canvasRef}
      className="swatch"
      data-testid="legend-swatch"
      data-kind={kind}
      aria-hidden="true"
      tabIndex={-1}
      style={{ width: SWATCH_WIDTH_PX, height: SWATCH_HEIGHT_PX }}
    />
  );
}

/** Memo: it changes only with the server's strategy, and its panel re-renders a few times a second. */
export const TimelineLegend = memo(function TimelineLegend({ strategy }: { strategy: Strategy | null }): ReactNode {
  return (
    <ul className="legend" aria-label="Legend">
      {entriesOf(WAIT_LABELS[waitKindOf(strategy)]).map((entry) => (
        <li key={entry.kind}>
          <Swatch kind={entry.kind} /> {entry.label}
        </li>
      ))}
    </ul>
  );
});
