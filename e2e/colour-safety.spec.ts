// Story 10: a person with a colour-vision deficiency, or a greyscale projector, tells the routes apart. The legend
// (painted by the timeline's own fill calls) is rendered through SVG feColorMatrix simulations of deuteranopia,
// protanopia, tritanopia and achromatopsia, and its route swatches still differ in lightness by at least 12 L*
// (the palette is designed for 15; 12 leaves room for the screenshot's smoothing of patterns and edges).
import { COLOR_VISIONS, type ColorVision, feColorMatrixValues } from '../test/support/color-vision';
import { seriousAxeViolations } from './support/accessibility';
import { expect, test } from './support/dashboard';
import { type Box, meanLightnessIn } from './support/page-measures';
import { screenshotPath } from './support/ui';

const MIN_ROUTE_LIGHTNESS_GAP = 12;
const ROUTE_SWATCHES = ['sleep', 'other', 'hello'] as const;

test('the route swatches stay apart in lightness under every colour-vision simulation and in greyscale', async ({ page }) => {
  expect(await seriousAxeViolations(page)).toEqual([]);
  // One filter per simulation, in an SVG the legend's CSS can point at.
  const filters = COLOR_VISIONS.map(
    (vision) => `<filter id="cvd-${vision}"><feColorMatrix type="matrix" values="${feColorMatrixValues(vision)}" /></filter>`,
  ).join('');
  await page.evaluate(
    `document.body.insertAdjacentHTML('beforeend', ${JSON.stringify(`<svg width="0" height="0" aria-hidden="true" style="position:absolute"><defs>${filters}</defs></svg>`)})`,
  );

  const legend = page.getByRole('list', { name: 'Legend' });
  await expect(legend.getByTestId('legend-swatch')).toHaveCount(7);
  const legendBox = (await legend.boundingBox())!;
  const swatchBoxes: Box[] = [];
  for (const kind of ROUTE_SWATCHES) {
    const box = (await legend.locator(`[data-testid=legend-swatch][data-kind="${kind}"]`).boundingBox())!;
    // Inside the swatch, clear of its anti-aliased edge.
    swatchBoxes.push({ x: box.x - legendBox.x + 2, y: box.y - legendBox.y + 2, width: box.width - 4, height: box.height - 4 });
  }

  const visions: Array<ColorVision | 'typical'> = ['typical', ...COLOR_VISIONS];
  for (const vision of visions) {
    await legend.evaluate(
      (element, filter) => {
        (element as unknown as { style: { filter: string } }).style.filter = filter;
      },
      vision === 'typical' ? '' : `url(#cvd-${vision})`,
    );
    const [sleep, other, hello] = await meanLightnessIn(page, legend, swatchBoxes);
    await legend.screenshot({ path: screenshotPath(`10-legend-${vision}`) });
    const gaps = {
      'sleep/other': Math.abs(other! - sleep!),
      'other/hello': Math.abs(hello! - other!),
      'sleep/hello': Math.abs(hello! - sleep!),
    };
    for (const [pair, gap] of Object.entries(gaps)) {
      expect(
        gap,
        `${vision}: ${pair} are ${gap.toFixed(1)} L* apart (L* sleep ${sleep!.toFixed(1)}, other ${other!.toFixed(1)}, GET / ${hello!.toFixed(1)})`,
      ).toBeGreaterThanOrEqual(MIN_ROUTE_LIGHTNESS_GAP);
    }
  }
});
