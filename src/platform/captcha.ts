// Image challenges (svg-captcha): the answer waits in the one-use store for one try, five minutes at most.
import svgCaptcha from 'svg-captcha';
import { z } from 'zod';
import { ANONYMOUS_STATE } from './limits.ts';
import type { OneUseKind, OneUseStore } from './one-use.ts';
import type { Throttle } from './throttle.ts';

export type Captcha = { id: string; image: string };

export class Captchas {
  /** The stored answers (tests read them to solve a challenge). */
  readonly answers: OneUseKind<string>;
  readonly #throttle: Throttle;

  constructor(oneUse: OneUseStore, throttle: Throttle) {
    this.answers = oneUse.kind({ name: 'captcha', schema: z.string().max(10), ttlSeconds: 300 });
    this.#throttle = throttle;
  }

  /** A new challenge for the visitor at `address` (counted: LimitReached past ANONYMOUS_STATE). */
  async create(address: string): Promise<Captcha> {
    await this.#throttle.enforce(ANONYMOUS_STATE, address);
    const { text, data } = svgCaptcha.create({
      size: 4,
      noise: 2,
      ignoreChars: '0oO1ilI',
      color: false,
      background: '#f4f6f9',
    });
    const id = await this.answers.issue(text.toLowerCase());
    return { id, image: `data:image/svg+xml;base64,${Buffer.from(data).toString('base64')}` };
  }

  /** True once for the right answer; the challenge is gone after any attempt. */
  async solve(id: unknown, answer: unknown): Promise<boolean> {
    if (typeof answer !== 'string') return false;
    const expected = await this.answers.take(id);
    return !!expected && answer.trim().toLowerCase() === expected;
  }
}
