// Throttling of password sign-ins (limits.ts: SIGN_IN), counted by the shared throttle so every process counts
// together. Per account: a challenge after a few failures, then a lock whose length doubles with every further
// failure. Per network address: a challenge after many failures (schools share addresses), a stop after very many.
import { SIGN_IN } from '../../platform/limits.ts';
import type { Throttle } from '../../platform/throttle.ts';

/** `accountFailures`: the account's failures in the window (a success with none has nothing to reset). */
export type GuardState = { captcha: boolean; retryAfterSeconds?: number; accountFailures: number };

const account = (login: string) => login.trim().toLowerCase();

export class SignInGuard {
  readonly #throttle: Throttle;

  constructor(throttle: Throttle) {
    this.#throttle = throttle;
  }

  async state(login: string | undefined, address: string): Promise<GuardState> {
    const [accountFailures, addressFailures, lockLeft] = await Promise.all([
      login ? this.#throttle.count(SIGN_IN.account, account(login)) : 0,
      this.#throttle.count(SIGN_IN.address, address),
      login ? this.#throttle.lockedFor(SIGN_IN.account.name, account(login)) : 0,
    ]);
    if (lockLeft > 0) return { captcha: true, retryAfterSeconds: lockLeft, accountFailures };
    if (addressFailures >= SIGN_IN.address.max)
      return { captcha: true, retryAfterSeconds: SIGN_IN.address.windowSeconds, accountFailures };
    return {
      captcha: accountFailures >= SIGN_IN.accountChallengeAfter || addressFailures >= SIGN_IN.addressChallengeAfter,
      accountFailures,
    };
  }

  async failed(login: string, address: string): Promise<void> {
    const [failures] = await Promise.all([
      this.#throttle.hit(SIGN_IN.account, account(login)),
      this.#throttle.hit(SIGN_IN.address, address),
    ]);
    if (failures >= SIGN_IN.account.max) {
      const seconds = Math.min(
        SIGN_IN.firstLockSeconds * 2 ** (failures - SIGN_IN.account.max),
        SIGN_IN.maxLockSeconds,
      );
      await this.#throttle.lock(SIGN_IN.account.name, account(login), seconds);
    }
  }

  async succeeded(login: string): Promise<void> {
    await this.#throttle.reset(SIGN_IN.account, account(login));
  }
}
