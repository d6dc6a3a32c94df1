// The one way to count attempts and hold locks, shared by every server process (Redis or PostgreSQL). Every limit is
// declared in limits.ts; the subject counted (an account, an address, a phone number) is never stored as it is:
// keys carry a keyed digest of it.
import crypto from 'node:crypto';
import type { Keyring } from './keyring.ts';
import type { SharedStore } from './shared-store/types.ts';

export type Limit = {
  /** The key's name in the store (stable: renaming it forgets the counts). */
  name: string;
  windowSeconds: number;
  /** Attempts allowed within the window. */
  max: number;
};

/** Thrown by `Throttle.enforce`: the caller answers 429 with Retry-After (web/error-handler.ts does). */
export class LimitReached extends Error {
  readonly limit: Limit;

  constructor(limit: Limit) {
    super(`limit ${limit.name} reached`);
    this.limit = limit;
  }
}

export class Throttle {
  readonly #store: SharedStore;
  readonly #key: Buffer;

  constructor(store: SharedStore, keyring: Keyring) {
    this.#store = store;
    this.#key = keyring.key('throttle');
  }

  #subject(name: string, subject: string): string {
    const mac = crypto.createHmac('sha256', this.#key).update(`${name}\0${subject}`).digest('base64url').slice(0, 27);
    return `limit:${name}:${mac}`;
  }

  /** Counts one attempt; returns the count within the window, this one included. */
  hit(limit: Limit, subject: string): Promise<number> {
    return this.#store.increment(this.#subject(limit.name, subject), limit.windowSeconds);
  }

  count(limit: Limit, subject: string): Promise<number> {
    return this.#store.count(this.#subject(limit.name, subject));
  }

  /** Takes back one attempt counted by `hit` (a try that turned out right, where right tries must not wipe others'). */
  refund(limit: Limit, subject: string): Promise<void> {
    return this.#store.decrement(this.#subject(limit.name, subject));
  }

  reset(limit: Limit, subject: string): Promise<void> {
    return this.#store.reset(this.#subject(limit.name, subject));
  }

  /** Counts one attempt; false once the count is over the limit. */
  async allow(limit: Limit, subject: string): Promise<boolean> {
    return (await this.hit(limit, subject)) <= limit.max;
  }

  /** Counts one attempt; throws LimitReached once the count is over the limit. */
  async enforce(limit: Limit, subject: string): Promise<void> {
    if (!(await this.allow(limit, subject))) throw new LimitReached(limit);
  }

  /**
   * One try at something the limit guards (a code, a password), counted before it is made, so that tries sent at once
   * cannot all pass a check made before any of them is counted: past the limit it is not made at all. A success
   * clears the count (`onSuccess: 'reset'`, for a subject that is one person's: their own right answer), or takes back
   * only its own try (`'refund'`, for a subject many share, such as a network address: one's own right answer must not
   * wipe the wrong ones tried at others). `left`: the tries the window still allows after this one.
   */
  async attempt(
    limit: Limit,
    subject: string,
    tryIt: () => Promise<boolean>,
    onSuccess: 'reset' | 'refund' = 'reset',
  ): Promise<{ outcome: 'ok' | 'wrong' | 'limited'; left: number }> {
    const tries = await this.hit(limit, subject);
    if (tries > limit.max) return { outcome: 'limited', left: 0 };
    if (await tryIt()) {
      await (onSuccess === 'reset' ? this.reset(limit, subject) : this.refund(limit, subject));
      return { outcome: 'ok', left: limit.max };
    }
    return { outcome: 'wrong', left: limit.max - tries };
  }

  /** Whether the limit is used up already (without counting). */
  async exhausted(limit: Limit, subject: string): Promise<boolean> {
    return (await this.count(limit, subject)) >= limit.max;
  }

  /** Holds a lock named `name` on the subject for `seconds`. */
  async lock(name: string, subject: string, seconds: number): Promise<void> {
    await this.#store.put(this.#subject(`${name}:lock`, subject), String(Date.now() + seconds * 1000), seconds);
  }

  /** Seconds left on the subject's lock, 0 when there is none. */
  async lockedFor(name: string, subject: string): Promise<number> {
    const until = Number(await this.#store.peek(this.#subject(`${name}:lock`, subject)));
    return Number.isFinite(until) ? Math.max(0, Math.ceil((until - Date.now()) / 1000)) : 0;
  }
}
