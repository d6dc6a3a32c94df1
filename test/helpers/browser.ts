// Headless Chromium for browser and interop tests (Debian's chromium through playwright-core), and screenshots.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { width: 1280, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));

/**
 * Why browser tests cannot run here, if they cannot: outside CI a missing Chromium skips them with this reason;
 * in CI (CI=true) it is a failure, since .ci/run installs the package.
 */
export function missingTool(file: string, install: string): string | false {
  if (fs.existsSync(file) || process.env.CI === 'true') return false;
  return `${file} is not installed (apt-get install ${install}); these tests are required in CI`;
}

export const browserSkip = missingTool(CHROMIUM, 'chromium');

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install the Debian package "chromium" (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A fresh context (own cookies) with the desktop viewport; Traditional Chinese first, like the schools' browsers. */
export async function newPage(browser: Browser, locale = 'zh-TW'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { ...DESKTOP }, locale });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  return { context, page };
}

/**
 * What makes the page wider than the window (nothing scrolls sideways but what is meant to: a `.table-scroll` or a
 * `pre` box scrolls inside itself): the outermost elements that stick out, or none.
 */
export function sideways(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width + 1) return [];
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const parent = el.parentElement;
      if (!parent || el.getBoundingClientRect().right <= width + 1 || parent.getBoundingClientRect().right > width + 1)
        continue;
      if (parent.closest('.table-scroll, pre')) continue;
      const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${Array.from(el.classList)
        .map((c) => `.${c}`)
        .join('')}`;
      out.push(`${name} "${(el.textContent ?? '').trim().slice(0, 50)}"`);
    }
    return out.length ? out.slice(0, 5) : [`the page is ${document.documentElement.scrollWidth} px wide`];
  });
}

/**
 * Saves full-page screenshots of the current page at desktop and phone widths:
 * test-artifacts/screenshots/<name>-desktop.png and <name>-phone.png, after checking that at neither width the page
 * is wider than the window (a phone would scroll it sideways). Leaves the viewport at desktop size.
 */
export async function shoot(page: Page, name: string): Promise<string[]> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-');
  const files: string[] = [];
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize({ ...size });
    const wide = await sideways(page);
    if (wide.length) throw new Error(`${name} at ${label} width scrolls sideways: ${wide.join('; ')}`);
    const file = path.join(SCREENSHOT_DIR, `${safe}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
    files.push(file);
  }
  await page.setViewportSize({ ...DESKTOP });
  return files;
}

/**
 * A fresh page that records what a person should never meet: script errors, console errors, failed requests and
 * HTTP errors. `allow` says which error answers a test expects (status and path); by default none. `problems`: an
 * array of the test's own to collect into (several pages, one list).
 */
export async function watchedPage(
  browser: Browser,
  opts: { locale?: string; allow?: (status: number, path: string) => boolean; problems?: string[] } = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const { context, page } = await newPage(browser, opts.locale);
  const problems = opts.problems ?? [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console error on ${page.url()}: ${msg.text()}`);
    }
  });
  page.on('requestfailed', (req) => {
    // The person check's widget ends its proof-of-work worker once a solution is found or the page moves on; a
    // worker script still loading then is aborted, which nobody sees.
    if (
      req.failure()?.errorText === 'net::ERR_ABORTED' &&
      new URL(req.url()).pathname.startsWith('/static/altcha/workers/')
    )
      return;
    problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !opts.allow?.(res.status(), new URL(res.url()).pathname)) {
      problems.push(`HTTP ${res.status()} for ${res.url()}`);
    }
  });
  return { context, page, problems };
}

/**
 * Waits until the page's person check has passed by itself, as a person waits for it: the widget solves its proof of
 * work and puts its answer in the form (input name="altcha").
 */
export async function passChallenge(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const input = document.querySelector<HTMLInputElement>('input[name="altcha"]');
      return !!input && input.value.length > 0;
    },
    undefined,
    { timeout },
  );
}
