// axe-core over the whole page, reduced to what the specs assert on: the serious and critical violations,
// one readable line per offending element (rule, impact, what is wrong, where); and how the element that
// has the keyboard focus shows it.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => BLOCKING_IMPACTS.has(violation.impact ?? ''))
    .flatMap((violation) =>
      violation.nodes.map(
        (node) => `${violation.id} (${violation.impact}): ${violation.help} at ${node.target.join(' ')} — ${node.failureSummary ?? ''}`,
      ),
    );
}

/** The few DOM members read inside the page (the specs compile without the DOM's types). */
interface FocusedElement {
  id: string;
  tagName: string;
  getAttribute(name: string): string | null;
  textContent: string | null;
}
interface PageGlobals {
  getComputedStyle(element: unknown): { outlineStyle: string; outlineWidth: string };
}

/** The focused element, named as a person would find it, and its focus ring ("solid 2px"), or "none" when it shows none. */
export async function focusRingOfActiveElement(page: Page): Promise<{ name: string; ring: string }> {
  const focused = page.locator(':focus');
  if ((await focused.count()) === 0) return { name: 'nothing', ring: 'none' };
  return focused.evaluate((node) => {
    const element = node as unknown as FocusedElement;
    const style = (globalThis as unknown as PageGlobals).getComputedStyle(node);
    const name = element.getAttribute('aria-label') ?? (element.textContent?.trim() || `${element.tagName.toLowerCase()}#${element.id}`);
    const isVisible = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2;
    return { name, ring: isVisible ? `${style.outlineStyle} ${style.outlineWidth}` : 'none' };
  });
}
