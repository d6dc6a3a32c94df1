// Throttling of password sign-ins (limits.ts: SIGN_IN), counted by the shared throttle so every process counts
// together. Per account — the person the login names, whichever of their names (username, email, any spelling of
// the mobile number) was typed; for a login that names nobody, its normalised form, so the answers reveal nothing:
// a challenge after a few failures, then a lock whose length doubles with every further failure, holding for every
// name of the account. Per network address: a challenge after many failures (schools share addresses), a stop after
// very many.
import { SIGN_IN } from '../../platform/limits.ts';
import type { Throttle } from '../../platform/throttle.ts';
import { normaliseLogin, type Person } from './persons.ts';

/** `accountFailures`: the account's failures in the window (a success with none has nothing to reset). */
export type GuardState = { challenge: boolean; retryAfterSeconds?: number; accountFailures: number };

/** What the account counters are kept under: the person, or the normalised login that names nobody. */
export function signInSubject(person: Pick<Person, 'id'> | undefined, login: string): string {
  return person ? `person:${person.id}` : `login:${normaliseLogin(login)}`;
}

export class SignInGuard {
  readonly #throttle: Throttle;

  constructor(throttle: Throttle) {
    this.#throttle = throttle;
  }

  /** `subject`: from signInSubject(), or undefined before anyone typed a login. */
  async state(subject: string | undefined, address: string): Promise<GuardState> {
    const [accountFailures, addressFailures, lockLeft] = await Promise.all([
      subject ? this.#throttle.count(SIGN_IN.account, subject) : 0,
      this.#throttle.count(SIGN_IN.address, address),
      subject ? this.#throttle.lockedFor(SIGN_IN.account.name, subject) : 0,
    ]);
    if (lockLeft > 0) return { challenge: true, retryAfterSeconds: lockLeft, accountFailures };
    if (addressFailures >= SIGN_IN.address.max) {
      return { challenge: true, retryAfterSeconds: SIGN_IN.address.windowSeconds, accountFailures };
    }
    return {
      challenge: accountFailures >= SIGN_IN.accountChallengeAfter || addressFailures >= SIGN_IN.addressChallengeAfter,
      accountFailures,
    };
  }

  async failed(subject: string, address: string): Promise<void> {
    const [failures] = await Promise.all([
      this.#throttle.hit(SIGN_IN.account, subject),
      this.#throttle.hit(SIGN_IN.address, address),
    ]);
    if (failures >= SIGN_IN.account.max) {
      const seconds = Math.min(
        SIGN_IN.firstLockSeconds * 2 ** (failures - SIGN_IN.account.max),
        SIGN_IN.maxLockSeconds,
      );
      await this.#throttle.lock(SIGN_IN.account.name, subject, seconds);
    }
  }

  async succeeded(subject: string): Promise<void> {
    await this.#throttle.reset(SIGN_IN.account, subject);
  }
}
