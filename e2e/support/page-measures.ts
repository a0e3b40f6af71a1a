// What the classroom and colour-safety stories measure on the rendered page: the computed font size of every
// visible text, and the mean lightness of screenshot regions (decoded in the browser, so no image library is needed).
import type { Locator, Page } from '@playwright/test';

export interface SmallText {
  fontSizePx: number;
  text: string;
  /** The element, as tag.class, to find it in the stylesheet. */
  where: string;
}

/**
 * Every visible text on the page (text nodes, and the values of inputs, selects and buttons) whose computed font size
 * is under `minPx`. Text no one can see is left out: visually hidden (1 px boxes), hidden, or not rendered.
 */
export async function textsSmallerThan(page: Page, minPx: number): Promise<SmallText[]> {
  // Runs in the page; written as a string because the specs compile without the DOM's types.
  return page.evaluate(`(() => {
    const minPx = ${minPx};
    const found = [];
    const describe = (element) => element.tagName.toLowerCase() + (element.className && typeof element.className === 'string' ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
    const isSeen = (element) => {
      const rect = element.getBoundingClientRect();
      if (rect.width <= 1 || rect.height <= 1) return false;
      const style = getComputedStyle(element);
      return style.visibility !== 'hidden' && style.display !== 'none' && Number(style.opacity) > 0;
    };
    const check = (element, text) => {
      if (!isSeen(element)) return;
      const size = parseFloat(getComputedStyle(element).fontSize);
      if (size < minPx) found.push({ fontSizePx: size, text: text.trim().slice(0, 60), where: describe(element) });
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.textContent.trim() === '' || !node.parentElement) continue;
      check(node.parentElement, node.textContent);
    }
    for (const element of document.querySelectorAll('input, select, textarea')) check(element, element.value ?? '');
    return found;
  })()`);
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The mean CIELAB lightness (L*) inside each box of a screenshot of `target`, boxes given relative to the target.
 * Means are taken in linear light, as the eye averages a fine pattern, then turned into L*. The PNG is decoded by
 * the browser of a fresh blank page, away from the dashboard's Content-Security-Policy.
 */
export async function meanLightnessIn(page: Page, target: Locator, boxes: readonly Box[]): Promise<number[]> {
  const png = await target.screenshot();
  const decoder = await page.context().newPage();
  try {
    // Runs in the blank page; a string, as above.
    return await decoder.evaluate(`(async () => {
      const base64 = ${JSON.stringify(png.toString('base64'))};
      const regions = ${JSON.stringify(boxes)};
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const image = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(image.width, image.height);
      const ctx = canvas.getContext('2d');
      ctx.drawImage(image, 0, 0);
      const linear = (v) => {
        const c = v / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return regions.map(({ x, y, width, height }) => {
        const data = ctx.getImageData(Math.round(x), Math.round(y), Math.max(1, Math.round(width)), Math.max(1, Math.round(height))).data;
        let sum = 0;
        for (let i = 0; i < data.length; i += 4) sum += 0.2126 * linear(data[i]) + 0.7152 * linear(data[i + 1]) + 0.0722 * linear(data[i + 2]);
        const luminance = sum / (data.length / 4);
        return luminance > 216 / 24389 ? 116 * Math.cbrt(luminance) - 16 : (24389 / 27) * luminance;
      });
    })()`);
  } finally {
    await decoder.close();
  }
}
