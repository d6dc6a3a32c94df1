// The second factor (issue 14, item 1): a 6-digit code from an authenticator app (TOTP, RFC 6238, by otplib), asked
// after the password (or a linked upstream account) when the app asks for it (`acr_values` with MFA_ACR: the school
// back office and the bureau console do). Set up at the first such sign-in: the page shows a QR code of a new secret,
// and the first right code keeps it. A code is good once (the last time step used is kept); wrong codes are counted
// per person and per network address. Secrets are sealed with the master key.
import type { Knex } from 'knex';
import { generateSecret, generateURI, verify } from 'otplib';
import { z } from 'zod';
import type { Keyring } from '../../platform/keyring.ts';
import { SECOND_FACTOR } from '../../platform/limits.ts';
import type { OneUseKind, OneUseStore } from '../../platform/one-use.ts';
import type { Throttle } from '../../platform/throttle.ts';
import { recordAudit } from '../audit.ts';
import type { Channel } from '../outbox/outbox.ts';
import { queueSecondFactorNotice } from './notices.ts';

/** The `acr` of a sign-in with a second factor (what the back office asks for and checks in the ID token). */
export const MFA_ACR = 'urn:campus-sso:acr:mfa';

/** Whether an authorization request asks for a second factor. */
export function asksForSecondFactor(params: Record<string, unknown>): boolean {
  return typeof params.acr_values === 'string' && params.acr_values.split(' ').includes(MFA_ACR);
}

/** The first factor passed in an interaction that also needs the second: kept under the interaction's uid. */
const FirstFactor = z.object({
  personId: z.uuid(),
  amr: z.array(z.string().max(10)).max(4),
  remember: z.boolean(),
  /**
   * When the first factor was given (seconds; a password's: the database's clock at its check, People.checkPassword),
   * the sign-in's time once the second is given too: a password changed in between then ends the sign-in at once.
   */
  ts: z.number().int().positive().optional(),
});
export type FirstFactor = z.infer<typeof FirstFactor>;

/** A secret being set up (shown as a QR code), kept under the interaction's uid until its first right code. */
const Enrolment = z.object({ personId: z.uuid(), secret: z.string().max(128) });

export type CodeResult = 'ok' | 'wrong' | 'limited';

const CODE = /^\d{6}$/;

/** The lock a person is under once the day's wrong codes are used up (SECOND_FACTOR.personDay). */
const DAY_WAIT = 'second-factor-day-wait';

/** Seconds the person's second-factor step still waits after too many wrong codes in a day; 0 when it does not. */
export const dayWaitSeconds = (throttle: Throttle, personId: string) => throttle.lockedFor(DAY_WAIT, personId);

/**
 * One try at the second factor (a code or a passkey), counted before it is made, per network address, per person in
 * 15 minutes and per person in a day (SECOND_FACTOR, each a Throttle.attempt: tries sent at once cannot slip past any
 * count): refused past any limit; the fifth wrong one of the person's, or the address's last, says to wait; the day's
 * last puts the person under a day's wait (dayWaitSeconds says how long). A success clears the person's 15-minute
 * count and takes back its own try from the address's and the day's (one's own right code must not wipe the wrong
 * ones tried at others, nor a guesser's wrong ones of the day).
 */
export async function countedTry(
  throttle: Throttle,
  who: { personId: string; address: string },
  attempt: () => Promise<boolean>,
): Promise<CodeResult> {
  if ((await dayWaitSeconds(throttle, who.personId)) > 0) return 'limited';
  let person: { outcome: CodeResult; left: number } | undefined;
  let day: { outcome: CodeResult; left: number } | undefined;
  const address = await throttle.attempt(
    SECOND_FACTOR.address,
    who.address,
    async () => {
      const tried = await throttle.attempt(SECOND_FACTOR.person, who.personId, async () => {
        day = await throttle.attempt(SECOND_FACTOR.personDay, who.personId, attempt, 'refund');
        return day.outcome === 'ok';
      });
      person = tried;
      return tried.outcome === 'ok';
    },
    'refund',
  );
  const tried = person as { outcome: CodeResult; left: number } | undefined;
  const daily = day as { outcome: CodeResult; left: number } | undefined;
  if (daily && (daily.outcome === 'limited' || (daily.outcome === 'wrong' && daily.left <= 0))) {
    await throttle.lock(DAY_WAIT, who.personId, SECOND_FACTOR.personDayWaitSeconds);
    return 'limited';
  }
  if (address.outcome === 'limited' || !tried) return 'limited';
  if (tried.outcome !== 'wrong') return tried.outcome;
  return tried.left <= 0 || address.left <= 0 ? 'limited' : 'wrong';
}

/** The time step a right TOTP code belongs to (none for a wrong one). */
function timeStepOf(result: { valid: boolean }): number | undefined {
  return result.valid && 'timeStep' in result && typeof result.timeStep === 'number' ? result.timeStep : undefined;
}

export class SecondFactor {
  readonly #db: Knex;
  readonly #keyring: Keyring;
  readonly #throttle: Throttle;
  readonly #issuerName: string;
  readonly #offers: (channel: Channel) => boolean;
  readonly firstFactors: OneUseKind<FirstFactor>;
  readonly #enrolments: OneUseKind<z.infer<typeof Enrolment>>;

  constructor(deps: {
    db: Knex;
    keyring: Keyring;
    throttle: Throttle;
    oneUse: OneUseStore;
    issuerName: string;
    /** Which channels notices may go by (the outbox's): the person is told when a factor is added. */
    offers: (channel: Channel) => boolean;
  }) {
    this.#db = deps.db;
    this.#offers = deps.offers;
    this.#keyring = deps.keyring;
    this.#throttle = deps.throttle;
    this.#issuerName = deps.issuerName;
    this.firstFactors = deps.oneUse.kind({ name: 'second-factor-first', schema: FirstFactor, ttlSeconds: 10 * 60 });
    this.#enrolments = deps.oneUse.kind({ name: 'second-factor-setup', schema: Enrolment, ttlSeconds: 10 * 60 });
  }

  async enrolled(personId: string): Promise<boolean> {
    return !!(await this.#db('person_totp').where({ person_id: personId }).first('person_id'));
  }

  /**
   * The secret being set up in this interaction (a new one the first time; the same again when the page is drawn
   * again), and its otpauth:// URI for the QR code.
   */
  async enrolment(uid: string, personId: string, label: string): Promise<{ secret: string; uri: string }> {
    const current = await this.#enrolments.peek(uid);
    const secret = current?.personId === personId ? current.secret : generateSecret();
    if (current?.personId !== personId) await this.#enrolments.save(uid, { personId, secret });
    return { secret, uri: generateURI({ issuer: this.#issuerName, label, secret }) };
  }

  /** Checks a code: the person's kept secret, or (not set up yet) the one being set up in this interaction. */
  check(uid: string, who: { personId: string; address: string }, code: string): Promise<CodeResult> {
    return countedTry(
      this.#throttle,
      who,
      async () => CODE.test(code) && (await this.#checkCode(uid, who.personId, code)),
    );
  }

  async #checkCode(uid: string, personId: string, code: string): Promise<boolean> {
    const row: { secret_sealed: string; last_time_step: string | number } | undefined = await this.#db('person_totp')
      .where({ person_id: personId })
      .first('secret_sealed', 'last_time_step');
    if (row) {
      const secret = this.#keyring.open('totp-secret', row.secret_sealed);
      const result = await verify({
        secret,
        token: code,
        epochTolerance: 30,
        afterTimeStep: Number(row.last_time_step),
      });
      const step = timeStepOf(result);
      if (step === undefined) return false;
      // Used once: a second use of the same code (or an older one), here or in another process, finds nothing to move.
      const moved = await this.#db('person_totp')
        .where({ person_id: personId })
        .andWhere('last_time_step', '<', step)
        .update({ last_time_step: step });
      return moved === 1;
    }
    const setup = await this.#enrolments.peek(uid);
    if (setup?.personId !== personId) return false;
    const step = timeStepOf(await verify({ secret: setup.secret, token: code, epochTolerance: 30 }));
    if (step === undefined) return false;
    const kept = await this.#db.transaction(async (trx) => {
      const inserted = await trx('person_totp')
        .insert({
          person_id: personId,
          secret_sealed: this.#keyring.seal('totp-secret', setup.secret),
          last_time_step: step,
        })
        .onConflict('person_id')
        .ignore()
        .returning('person_id');
      if (inserted.length) {
        await recordAudit(trx, { actor: personId, action: 'second_factor.enrolled', subject: personId });
        await queueSecondFactorNotice(trx, personId, 'totp', this.#offers);
      }
      return inserted.length === 1;
    });
    if (kept) await this.#enrolments.take(uid);
    return kept;
  }

  /** Removes a person's second factor (a lost phone): the next sign-in that needs one sets it up again. */
  async reset(personId: string, actor: string, within?: Knex.Transaction): Promise<boolean> {
    return (within ?? this.#db).transaction(async (trx) => {
      const removed = await trx('person_totp').where({ person_id: personId }).delete();
      if (removed) await recordAudit(trx, { actor, action: 'second_factor.reset', subject: personId });
      return removed > 0;
    });
  }
}
