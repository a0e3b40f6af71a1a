// The timeline's palette reads and stays apart: every text the canvas draws has 4.5:1 contrast on what it is
// drawn on, every route's bar 3:1 against the lanes, and the three routes keep their lightness steps for
// typical vision, the three colour-blindnesses and greyscale. The e2e story checks the same on the rendered page.

import { describe, expect, it } from 'vitest';
import {
  CANVAS_COLORS,
  CANVAS_TEXT_PAIRS,
  contrastRatio,
  paletteCssVariables,
  parseColor,
  ROUTE_KINDS,
  ROUTE_STYLES,
  STATUS_OUTLINES,
  statusClassOf,
} from '../src/renderer/components/palette';
import { COLOR_VISIONS, lightnessGap } from './support/color-vision';

/** WCAG 2.x AA for normal text (1.4.3) and for graphics a person must tell apart (1.4.11). */
const MIN_TEXT_CONTRAST = 4.5;
const MIN_GRAPHIC_CONTRAST = 3;
/** The routes' lightness steps: 15 L* is two clearly different greys side by side. */
const MIN_ROUTE_LIGHTNESS_GAP = 15;

function rgbOf(color: string): number[] {
  const { r, g, b } = parseColor(color);
  return [r, g, b];
}

describe('the palette', () => {
  it.each(CANVAS_TEXT_PAIRS)('draws the $name at 4.5:1 or more', ({ text, background }) => {
    expect(contrastRatio(text, background)).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
  });

  it('knows contrast as WCAG defines it', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    // Half-transparent white over black composites to mid grey.
    expect(contrastRatio('rgba(255, 255, 255, 0.5)', '#000000')).toBeCloseTo(contrastRatio('#808080', '#000000'), 1);
  });

  it.each(ROUTE_KINDS)('draws %s bars at 3:1 or more against both lane shades', (kind) => {
    for (const lane of [CANVAS_COLORS.laneEven, CANVAS_COLORS.laneOdd]) {
      expect(contrastRatio(ROUTE_STYLES[kind].color, lane)).toBeGreaterThanOrEqual(MIN_GRAPHIC_CONTRAST);
    }
  });

  it.each(['typical', ...COLOR_VISIONS] as const)('keeps every two routes at least 15 L* apart for %s vision', (vision) => {
    for (const [i, a] of ROUTE_KINDS.entries()) {
      for (const b of ROUTE_KINDS.slice(i + 1)) {
        const gap = lightnessGap(vision, rgbOf(ROUTE_STYLES[a].color), rgbOf(ROUTE_STYLES[b].color));
        expect(gap, `${a} vs ${b}`).toBeGreaterThanOrEqual(MIN_ROUTE_LIGHTNESS_GAP);
      }
    }
  });

  it('gives each route its own pattern, and 4xx and 5xx outlines their own shapes', () => {
    expect(new Set(ROUTE_KINDS.map((kind) => ROUTE_STYLES[kind].pattern)).size).toBe(ROUTE_KINDS.length);
    expect(STATUS_OUTLINES[5].dash).toEqual([]);
    expect(STATUS_OUTLINES[4].dash.length).toBeGreaterThan(0);
    expect([statusClassOf(200), statusClassOf(404), statusClassOf(503), statusClassOf(null)]).toEqual([0, 4, 5, 0]);
  });

  it("hands the stylesheet the canvas's route colours", () => {
    expect(paletteCssVariables()).toEqual({
      '--route-sleep': ROUTE_STYLES.sleep.color,
      '--route-other': ROUTE_STYLES.other.color,
      '--route-hello': ROUTE_STYLES.hello.color,
    });
  });
});
