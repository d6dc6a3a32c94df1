// Throttling of password sign-ins (limits.ts: SIGN_IN), counted by the shared throttle so every process counts
// together. Per account — the person the login names, whichever of their names (username, email, any spelling of
// the mobile number) was typed; for a login that names nobody, its normalised form, so the answers reveal nothing:
// a challenge after a few failures, then a lock whose length doubles with every further failure, holding for every
// name of the account. Per network address: a challenge after many failures (schools share addresses), a stop after
// very many.
import { SIGN_IN } from '../../platform/limits.ts';
import type { Throttle } from '../../platform/throttle.ts';
import { normaliseLogin, type Person } from './persons.ts';

/**
 * `accountFailures`, `addressFailures`: the failures in the window (a success with none has nothing to reset). `busy`:
 * no turn for the check (too many waiting, SignInGuard.enter), to be tried again in `retryAfterSeconds`.
 */
export type GuardState = {
  challenge: boolean;
  retryAfterSeconds?: number;
  busy?: boolean;
  accountFailures: number;
  addressFailures: number;
};

/** What the account counters are kept under: the person, or the normalised login that names nobody. */
export function signInSubject(person: Pick<Person, 'id'> | undefined, login: string): string {
  return person ? `person:${person.id}` : `login:${normaliseLogin(login)}`;
}

/** The password checks of one account, or from one address, under way in this process, and those waiting a turn. */
type Line = { running: number; waiting: (() => void)[]; users: number };

/**
 * Turns per account and per network address in one process: before the person check is due, as many checks under way
 * as failures are left until it is; once it is due (each check then comes with a solved one), `due`; beyond `waiting`
 * waiting, a sign-in is told to try again in a few seconds, nothing checked.
 */
const TURNS = {
  account: { due: 1, waiting: 64 },
  // Schools share addresses: many pupils at once, and a few typing mistakes should not make them queue one by one.
  address: { due: 8, waiting: 1000 },
} as const;

const turnsFor = (failures: number, challengeAfter: number, due: number) =>
  failures < challengeAfter ? challengeAfter - failures : due;

export class SignInGuard {
  readonly #throttle: Throttle;
  readonly #lines = new Map<string, Line>();
  /** Failures counted by this process: a sign-in that waited reads the counts again when this moved. */
  #counted = 0;

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
    const counts = { accountFailures, addressFailures };
    if (lockLeft > 0) return { challenge: true, retryAfterSeconds: lockLeft, ...counts };
    if (addressFailures >= SIGN_IN.address.max) {
      return { challenge: true, retryAfterSeconds: SIGN_IN.address.windowSeconds, ...counts };
    }
    return {
      challenge: accountFailures >= SIGN_IN.accountChallengeAfter || addressFailures >= SIGN_IN.addressChallengeAfter,
      ...counts,
    };
  }

  /**
   * The state for a password check, with a turn to make it: `leave` ends the turn (after the check and, when it
   * failed, its counting). Failures are counted after the check (before it, a class signing in to one shared account
   * at once would be asked for the person check), which would let guesses sent at once all be checked before the
   * first is counted. So an account, and an address, has in each process only as many checks under way as failures
   * are left before the person check (TURNS); the others wait their turn, the account's first, and read the counts
   * again when a failure was counted meanwhile: a burst of wrong passwords at an account gets three checks, one from
   * an address at many accounts thirty, the rest the person check. Right passwords count no failure: all go through,
   * in turn. A lock or a stop is answered at once.
   */
  async enter(subject: string, address: string): Promise<{ state: GuardState; leave: () => void }> {
    let seen = this.#counted;
    const read = async () => {
      for (;;) {
        seen = this.#counted;
        const state = await this.state(subject, address);
        if (this.#counted === seen) return state;
      }
    };
    const lines = [this.#join(`account:${subject}`), this.#join(`address:${address}`)] as const;
    const taken: Line[] = [];
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      for (const line of taken) {
        line.running--;
        line.waiting.shift()?.();
      }
      for (const [key, line] of lines) this.#quit(key, line);
    };
    try {
      let state = await read();
      if (state.retryAfterSeconds) return { state, leave };
      for (const [i, [, line]] of lines.entries()) {
        const turns = () =>
          i === 0
            ? turnsFor(state.accountFailures, SIGN_IN.accountChallengeAfter, TURNS.account.due)
            : turnsFor(state.addressFailures, SIGN_IN.addressChallengeAfter, TURNS.address.due);
        while (line.running >= turns()) {
          if (line.waiting.length >= (i === 0 ? TURNS.account : TURNS.address).waiting)
            return { state: { ...state, busy: true, retryAfterSeconds: 5 }, leave };
          await new Promise<void>((resolve) => line.waiting.push(resolve));
          if (this.#counted !== seen) state = await read();
        }
        line.running++;
        taken.push(line);
      }
      return { state, leave };
    } catch (err) {
      // A turn this sign-in was woken for goes to the next.
      for (const [, line] of lines) line.waiting.shift()?.();
      leave();
      throw err;
    }
  }

  #join(key: string): [string, Line] {
    const line = this.#lines.get(key) ?? { running: 0, waiting: [], users: 0 };
    this.#lines.set(key, line);
    line.users++;
    return [key, line];
  }

  #quit(key: string, line: Line): void {
    if (--line.users === 0) this.#lines.delete(key);
  }

  async failed(subject: string, address: string): Promise<void> {
    const [failures] = await Promise.all([
      this.#throttle.hit(SIGN_IN.account, subject),
      this.#throttle.hit(SIGN_IN.address, address),
    ]);
    // Counted: the sign-ins waiting here read the counts again before their check.
    this.#counted++;
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
