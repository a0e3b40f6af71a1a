// Colour-vision deficiency simulation: the matrices of Machado, Oliveira and Fernandes (2009) at full severity,
// applied to linear RGB, and greyscale (achromatopsia) as relative luminance. Shared by the palette's unit test,
// which applies them to the palette's values, and the colour-safety story, which hands them to an SVG
// feColorMatrix filter (whose default colour space, linearRGB, is the one they are defined in) over the page.

import { lightnessOf, linearChannel } from '../../src/renderer/components/palette';

export type ColorVision = 'deuteranopia' | 'protanopia' | 'tritanopia' | 'achromatopsia';

type Matrix3 = readonly [readonly number[], readonly number[], readonly number[]];

/** Rows map linear (r, g, b) to the simulated linear (r, g, b). */
export const COLOR_VISION_MATRICES: Record<ColorVision, Matrix3> = {
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
  achromatopsia: [
    [0.2126, 0.7152, 0.0722],
    [0.2126, 0.7152, 0.0722],
    [0.2126, 0.7152, 0.0722],
  ],
};

export const COLOR_VISIONS = Object.keys(COLOR_VISION_MATRICES) as ColorVision[];

/** The `values` attribute of an feColorMatrix type="matrix" (4 × 5, alpha kept) applying the simulation. */
export function feColorMatrixValues(vision: ColorVision): string {
  const rows = COLOR_VISION_MATRICES[vision].map((row) => `${row.join(' ')} 0 0`);
  return [...rows, '0 0 0 1 0'].join('  ');
}

/** Simulates a linear RGB triple; results are clamped to 0..1 as a display would. */
export function simulateLinear(vision: ColorVision, rgb: readonly [number, number, number]): [number, number, number] {
  const [r, g, b] = rgb;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const row = (m: readonly number[]) => clamp(m[0]! * r + m[1]! * g + m[2]! * b);
  const matrix = COLOR_VISION_MATRICES[vision];
  return [row(matrix[0]), row(matrix[1]), row(matrix[2])];
}

/** CIELAB L* of linear RGB. */
export function lightnessOfLinear([r, g, b]: readonly [number, number, number]): number {
  return lightnessOf(0.2126 * r + 0.7152 * g + 0.0722 * b);
}

/** How far apart two colours stay in lightness (ΔL*) for a viewer with `vision`; both given as sRGB 0..255. */
export function lightnessGap(vision: ColorVision | 'typical', a: readonly number[], b: readonly number[]): number {
  const lightness = (c: readonly number[]) => {
    const linear: [number, number, number] = [linearChannel(c[0]!), linearChannel(c[1]!), linearChannel(c[2]!)];
    return lightnessOfLinear(vision === 'typical' ? linear : simulateLinear(vision, linear));
  };
  return Math.abs(lightness(a) - lightness(b));
}
