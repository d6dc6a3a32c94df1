// The first set-up of a second factor in HTTP tests: the page asks first for the code the server sent to the
// person's verified email (else mobile). The code is read where the demo shows it, the dev mailbox (/dev/mailbox: the
// newest second_factor_setup_code message to the address or number the page names, masked), and typed.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { maskEmail, maskMobile } from '../../src/domain/people/masks.ts';
import { type Agent, formAction, hiddenField, html, type Step } from './agent.ts';

/** Whether the page is the first set-up's proof (the code sent to the verified contact). */
export const asksSetupProof = (page: Step) => page.body.includes('id="proof-form"');

/** The newest set-up code the server at `base` sent, to a recipient the page names (masked) or `recipient`. */
export async function setupCode(base: string, page: Step | undefined, recipient?: string): Promise<string> {
  const list = await (await fetch(`${base}/dev/mailbox`)).text();
  const rows = [
    ...list.matchAll(
      /<code>([^<]+)<\/code><\/td><td><a href="\/dev\/mailbox\/([\w-]+)">[^<]*<\/a><small class="muted">second_factor_setup_code</g,
    ),
  ];
  const named = (to: string) =>
    recipient ? to === recipient : !page || page.body.includes(html(to.includes('@') ? maskEmail(to) : maskMobile(to)));
  const row = rows.find((m) => named(m[1]!));
  assert.ok(row, `a set-up code was sent (${rows.length} such messages)`);
  const message = await (await fetch(`${base}/dev/mailbox/${row[2]}`)).text();
  const code = /驗證碼(?:是)?：(\d{6})/.exec(message)?.[1];
  assert.ok(code, 'the message carries the code');
  return code;
}

/** Types the code of the set-up proof when `page` asks for it; the page it leads to (the set-up), else `page`. */
export async function passSetupProof(base: string, agent: Agent, page: Step, stopAt?: string): Promise<Step> {
  if (!asksSetupProof(page)) return page;
  const code = await setupCode(base, page);
  const next = await agent.submit(
    formAction(page.body, /\/second-factor\/proof$/, page.url),
    { _csrf: hiddenField(page.body, '_csrf'), code },
    stopAt,
  );
  assert.ok(
    !asksSetupProof(next),
    `the code was taken (${next.status} ${next.url}) ${/role="alert">([^<]*)/.exec(next.body)?.[1]}`,
  );
  return next;
}

/**
 * In the browser, after the password: when the page asks for the set-up code, types the one the server sent (read from
 * the dev mailbox) and waits for the set-up; whether it was asked. `before` runs on the proof page first (a test's
 * checks of it).
 */
export async function typeSetupCode(page: Page, base: string, before?: () => Promise<void>): Promise<boolean> {
  await page.locator('#proof-form, #totp-secret, #passkey-form').first().waitFor();
  if (!(await page.locator('#proof-form').count())) return false;
  await before?.();
  const code = await setupCode(base, { url: page.url(), status: 200, body: await page.content() });
  await page.fill('#proof-code', code);
  await page.click('#proof-form button[type=submit]');
  await page.locator('#totp-secret, #passkey-form').first().waitFor();
  return true;
}
