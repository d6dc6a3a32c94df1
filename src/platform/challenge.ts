// The "are you a person?" check on the sign-in form (after failures), password reset, registration and the school
// credential form. Accessible and private: an ALTCHA proof of work that the browser solves by itself (nothing to
// read, type or hear; no third party), and without scripts a question in words, answered with a number (its token
// sealed: it does not tell the answer). Each check is good once (a question: answered once, right or wrong); a used
// one is remembered until it would have expired anyway.
import crypto from 'node:crypto';
import { type Challenge, createChallenge, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { z } from 'zod';
import type { Keyring } from './keyring.ts';
import type { SharedStore } from './shared-store/types.ts';

/** How long a check may be used after it was given (a slow reader filling in a long form included). */
export const CHALLENGE_SECONDS = 30 * 60;
const ALGORITHM = 'PBKDF2/SHA-256';
/** PBKDF2 rounds per try; about 256 tries (key prefix "00") take a phone well under a second. */
const COST = 5000;

/** What a form sends back: the widget's payload, or the question's token and the number typed. */
export type ChallengeFields = { altcha?: unknown; question_token?: unknown; question_answer?: unknown };

/**
 * A question in words for browsers without scripts: "three plus four?", answered 7. The token goes back with the
 * answer: the expected answer sealed (encrypted and authenticated), so it tells a script nothing it could answer with.
 */
export type Question = { token: string; a: number; b: number };

const Payload = z.object({
  challenge: z.object({ parameters: z.record(z.string(), z.unknown()), signature: z.string().max(200) }),
  solution: z.object({
    counter: z.number().int().min(0),
    derivedKey: z.string().max(200),
    time: z.number().optional(),
  }),
});

/** What a question's token holds, sealed: the answer, when it expires (seconds), and its own name for "used once". */
const Token = z.object({ s: z.number().int(), e: z.number().int(), n: z.string().max(40) });

export class Challenges {
  readonly #store: SharedStore;
  readonly #keyring: Keyring;
  readonly #secret: string;

  constructor(store: SharedStore, keyring: Keyring) {
    this.#store = store;
    this.#keyring = keyring;
    this.#secret = keyring.key('challenge').toString('base64url');
  }

  /** A new proof-of-work challenge for the widget (stateless: signed, stored nowhere). */
  create(): Promise<Challenge> {
    return createChallenge({
      algorithm: ALGORITHM,
      cost: COST,
      deriveKey,
      expiresAt: new Date(Date.now() + CHALLENGE_SECONDS * 1000),
      hmacSignatureSecret: this.#secret,
    });
  }

  /**
   * A new question in words (two numbers from 1 to 9 to add) for the page's <noscript> part; its token is sealed with
   * the master secret's challenge key (stored nowhere: any process sharing SECRET_KEY checks it).
   */
  question(): Question {
    const a = crypto.randomInt(1, 10);
    const b = crypto.randomInt(1, 10);
    const token: z.infer<typeof Token> = {
      s: a + b,
      e: Math.floor(Date.now() / 1000) + CHALLENGE_SECONDS,
      n: crypto.randomBytes(12).toString('base64url'),
    };
    return { token: this.#keyring.seal('challenge-question', JSON.stringify(token)), a, b };
  }

  /** Whether the form carries a check solved now and never used before (it is used up by this call). */
  async verify(fields: ChallengeFields): Promise<boolean> {
    if (typeof fields.altcha === 'string' && fields.altcha) return this.#verifyAltcha(fields.altcha);
    if (typeof fields.question_token === 'string' && typeof fields.question_answer === 'string')
      return this.#verifyQuestion(fields.question_token, fields.question_answer);
    return false;
  }

  async #verifyAltcha(raw: string): Promise<boolean> {
    if (raw.length > 4000) return false;
    let payload: z.infer<typeof Payload>;
    try {
      payload = Payload.parse(JSON.parse(Buffer.from(raw, 'base64').toString('utf8')));
    } catch {
      return false;
    }
    const challenge = payload.challenge as unknown as Challenge;
    if (challenge.parameters.algorithm !== ALGORITHM || challenge.parameters.cost !== COST) return false;
    let result: Awaited<ReturnType<typeof verifySolution>>;
    try {
      result = await verifySolution({
        challenge,
        solution: payload.solution,
        deriveKey,
        hmacSignatureSecret: this.#secret,
      });
    } catch {
      return false;
    }
    return result.verified && !result.expired && this.#firstUse(`altcha:${payload.challenge.signature}`);
  }

  async #verifyQuestion(token: string, answer: string): Promise<boolean> {
    if (token.length > 400) return false;
    let parsed: z.infer<typeof Token>;
    try {
      // Opening checks the seal's tag: a token changed, made up or sealed with another secret does not open.
      parsed = Token.parse(JSON.parse(this.#keyring.open('challenge-question', token)));
    } catch {
      return false;
    }
    if (parsed.e < Date.now() / 1000) return false;
    const typed = answer.normalize('NFKC').trim();
    const right = /^\d{1,3}$/.test(typed) && Number(typed) === parsed.s;
    // Used up by any answer, right or wrong: there are only 17 sums, and a question that took wrong answers could be
    // sent with each of them in turn (the page asks a new one each time it is shown).
    return (await this.#firstUse(`question:${parsed.n}`)) && right;
  }

  /** True the first time a check is used; its mark outlives the check itself. */
  async #firstUse(id: string): Promise<boolean> {
    const key = `challenge-used:${crypto.createHash('sha256').update(id).digest('base64url')}`;
    return (await this.#store.increment(key, CHALLENGE_SECONDS + 60)) === 1;
  }
}
