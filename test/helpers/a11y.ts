// Accessibility checks in a real browser: axe-core (WCAG 2.0–2.2 A and AA rules) on the page as it is, and the
// contrast of the keyboard focus ring against what is behind it (WCAG 1.4.11, 2.4.13's 3:1).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { shoot } from './browser.ts';

// Evaluated through the DevTools protocol: the pages' Content-Security-Policy (script-src 'self') stays as it is.
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

type AxeViolation = { id: string; impact: string; help: string; nodes: { target: string[] }[] };

/** axe-core's violations on the page now, as one line each (empty: none). */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: unknown[] }> } }
    ).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations;
  });
  return (violations as AxeViolation[]).map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

/** WCAG relative-luminance contrast of two CSS colours (rgb/rgba, alpha ignored; anything else is refused). */
export function contrast(a: string, b: string): number {
  for (const c of [a, b]) if (!/^rgba?\(/.test(c)) throw new Error(`cannot measure the colour ${c}`);
  const lum = (css: string) => {
    const [r, g, bl] = (css.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map(Number);
    const channel = (v: number) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(bl!);
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/**
 * Tabs through the page and measures, for every control that takes the focus, its focus indicator: the outline's
 * width and its contrast against the first opaque background behind the control. Returns the failures.
 */
export async function focusProblems(page: Page, maxTabs = 40): Promise<string[]> {
  const problems: string[] = [];
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const seen = new Set<string>();
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return undefined;
      // The ring may be drawn on a wrapping label (identity cards) rather than the radio inside it.
      const ringed = [el, el.closest('label')].find(
        (e): e is HTMLElement =>
          !!e && getComputedStyle(e).outlineStyle !== 'none' && parseFloat(getComputedStyle(e).outlineWidth) > 0,
      );
      const style = getComputedStyle(ringed ?? el);
      let bg = 'rgb(255, 255, 255)';
      for (let node: HTMLElement | null = (ringed ?? el).parentElement; node; node = node.parentElement) {
        const c = getComputedStyle(node).backgroundColor;
        if (c && c !== 'transparent' && !c.startsWith('rgba(0, 0, 0, 0)')) {
          bg = c;
          break;
        }
      }
      const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : ''}${el.textContent ? ` "${el.textContent.trim().slice(0, 30)}"` : ''}`;
      return { name, ring: !!ringed, width: parseFloat(style.outlineWidth), color: style.outlineColor, bg };
    });
    if (!info) continue;
    if (seen.has(info.name)) break; // around the page once
    seen.add(info.name);
    if (!info.ring || info.width < 2) problems.push(`${info.name}: no visible focus ring`);
    else if (contrast(info.color, info.bg) < 3)
      problems.push(
        `${info.name}: focus ring ${info.color} on ${info.bg} is ${contrast(info.color, info.bg).toFixed(2)}:1`,
      );
  }
  return problems;
}

/**
 * A walk's check of each page it reaches: axe-core clean, the focus visible, photographed as `<prefix>-<name>`, and
 * nothing in the console or the network log (`problems`, from watchedPage).
 */
export function pageChecks(prefix: string) {
  return async (page: Page, name: string, problems: string[]) => {
    assert.deepEqual(await axeViolations(page), [], `axe: ${name}`);
    assert.deepEqual(await focusProblems(page), [], `focus: ${name}`);
    await shoot(page, `${prefix}-${name}`);
    assert.deepEqual(problems, [], `console and network: ${name}`);
  };
}
