// Image captchas (svg-captcha): the answer waits in the shared store for one use, five minutes at most.
import crypto from 'node:crypto';
import svgCaptcha from 'svg-captcha';
import type { SharedStore } from './shared-store/types.ts';

const TTL_SECONDS = 300;

export type Captcha = { id: string; image: string };

export async function newCaptcha(store: SharedStore): Promise<Captcha> {
  const { text, data } = svgCaptcha.create({ size: 4, noise: 2, ignoreChars: '0oO1ilI', color: false, background: '#f4f6f9' });
  const id = crypto.randomBytes(16).toString('base64url');
  await store.put(`captcha:${id}`, text.toLowerCase(), TTL_SECONDS);
  return { id, image: `data:image/svg+xml;base64,${Buffer.from(data).toString('base64')}` };
}

/** True once for the right answer; the challenge is gone after any attempt. */
export async function solveCaptcha(store: SharedStore, id: unknown, answer: unknown): Promise<boolean> {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(id) || typeof answer !== 'string') return false;
  const expected = await store.take(`captcha:${id}`);
  return !!expected && answer.trim().toLowerCase() === expected;
}
