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

/**
 * One account's password checks in this process: those under way, those waiting for a turn, the failures counted here,
 * and the sign-ins holding the record (it goes when none does).
 */
type Turns = { running: number; waiting: (() => void)[]; failures: number; users: number };

/** Sign-ins of one account waiting for a turn in one process; more are answered as if the person check were due. */
const MOST_WAITING = 64;

export class SignInGuard {
  readonly #throttle: Throttle;
  readonly #turns = new Map<string, Turns>();

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

  /**
   * The account's state for a password check, with a turn to make it: `leave` ends the turn (after the check and,
   * when it failed, its counting). The failures counted after the check would let a burst of guesses sent at once
   * all be checked before the first is counted; so an account has, in each process, only as many checks under way
   * as failures are left before the person check (at least one), and the others wait their turn, then read the state
   * again when a failure was counted meanwhile: a burst of wrong passwords gets that many checks, the rest the person
   * check. Right passwords sent at once (a class sharing an account) count no failure and all go through, in turn.
   */
  async enter(subject: string, address: string): Promise<{ state: GuardState; leave: () => void }> {
    const own = this.#turns.get(subject) ?? { running: 0, waiting: [], failures: 0, users: 0 };
    this.#turns.set(subject, own);
    own.users++;
    const done = () => {
      if (--own.users === 0) this.#turns.delete(subject);
    };
    // The failures counted here when the state was read; a read while one was being counted may have missed it.
    let seen = own.failures;
    const read = async () => {
      for (;;) {
        seen = own.failures;
        const state = await this.state(subject, address);
        if (own.failures === seen) return state;
      }
    };
    let state: GuardState;
    try {
      state = await read();
      for (;;) {
        const allowed = Math.max(1, SIGN_IN.accountChallengeAfter - state.accountFailures);
        if (own.running < allowed) break;
        if (own.waiting.length >= MOST_WAITING) {
          // No turn: the person check's answer, so nothing is checked.
          done();
          return { state: { ...state, challenge: true }, leave: () => {} };
        }
        await new Promise<void>((resolve) => own.waiting.push(resolve));
        if (own.failures !== seen) state = await read();
      }
    } catch (err) {
      // A turn this sign-in was woken for goes to the next.
      own.waiting.shift()?.();
      done();
      throw err;
    }
    own.running++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      own.running--;
      own.waiting.shift()?.();
      done();
    };
    return { state, leave };
  }

  async failed(subject: string, address: string): Promise<void> {
    const [failures] = await Promise.all([
      this.#throttle.hit(SIGN_IN.account, subject),
      this.#throttle.hit(SIGN_IN.address, address),
    ]);
    // Counted: the sign-ins of this account waiting here read the state again before their check.
    const turns = this.#turns.get(subject);
    if (turns) turns.failures++;
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
