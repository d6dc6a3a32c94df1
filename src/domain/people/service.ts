// People: finding them, checking their passwords, and every change to their sign-in data (password, contact, language),
// each in one transaction with its audit entry and the notice it sends.
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { type PendingSignOut, queueSignOut } from '../activity/pending-sign-outs.ts';
import { type AuditEvent, recordAudit } from '../audit.ts';
import { enqueueMessage, type NewMessage, type Outbox } from '../outbox/outbox.ts';
import { maskedNationalId, nationalIdIndex } from './national-id-store.ts';
import { passwordChangedNotice } from './notices.ts';
import { checkNewPassword, type NewPasswordProblems } from './password-policy.ts';
import type { Passwords } from './passwords.ts';
import {
  type ContactKind,
  findByVerifiedContact,
  findPersonById,
  findPersonByLogin,
  findPersonIdByNationalIdIndex,
  type Person,
  updateContact,
  updateLocale,
  updatePasswordHash,
} from './persons.ts';

/** On failure `personId` says whose account it was (for the audit log only, never for the person at the keyboard). */
export type SignInResult =
  | { ok: true; person: Person }
  | { ok: false; reason: 'bad_credentials' | 'inactive'; personId?: string };

export class People {
  readonly #db: Knex;
  readonly #keyring: Keyring;
  readonly #issuer: string;
  readonly #outbox: Pick<Outbox, 'offers'>;
  readonly passwords: Passwords;

  /** `issuer`: the public base of the links in notices; `outbox`: which channels notices may go by. */
  constructor(deps: {
    db: Knex;
    keyring: Keyring;
    passwords: Passwords;
    issuer: string;
    outbox: Pick<Outbox, 'offers'>;
  }) {
    this.#db = deps.db;
    this.#keyring = deps.keyring;
    this.passwords = deps.passwords;
    this.#issuer = deps.issuer;
    this.#outbox = deps.outbox;
  }

  findById(id: string): Promise<Person | undefined> {
    return findPersonById(this.#db, id);
  }

  findByLogin(login: string): Promise<Person | undefined> {
    return findPersonByLogin(this.#db, login);
  }

  findByVerifiedContact(kind: ContactKind, value: string): Promise<Person | undefined> {
    return findByVerifiedContact(this.#db, kind, value);
  }

  async findIdByNationalId(raw: string): Promise<string | undefined> {
    const index = nationalIdIndex(this.#keyring, raw);
    return index ? findPersonIdByNationalIdIndex(this.#db, index) : undefined;
  }

  maskedNationalId(person: Pick<Person, 'national_id_sealed'>): string | undefined {
    return maskedNationalId(this.#keyring, person.national_id_sealed);
  }

  /** A login name and password. The answer never tells whether the account exists (a miss costs a compare too). */
  async authenticate(login: string, password: string): Promise<SignInResult> {
    return this.checkPassword(await findPersonByLogin(this.#db, login), password);
  }

  /** The password of a person found by their login name (undefined: nobody, which costs a compare all the same). */
  async checkPassword(person: Person | undefined, password: string): Promise<SignInResult> {
    const matches = person?.password_hash
      ? await this.passwords.verify(password, person.password_hash)
      : await this.passwords.verifyDecoy(password);
    if (!person || !matches) return { ok: false, reason: 'bad_credentials', personId: person?.id };
    if (person.status !== 'active') return { ok: false, reason: 'inactive', personId: person.id };
    if (this.passwords.needsRehash(person.password_hash!)) {
      await updatePasswordHash(this.#db, person.id, await this.passwords.hash(password));
    }
    return { ok: true, person };
  }

  /** Whether `password` is the person's current password (false for someone without one). */
  async isCurrentPassword(person: Pick<Person, 'password_hash'>, password: string): Promise<boolean> {
    return !!password && !!person.password_hash && this.passwords.verify(password, person.password_hash);
  }

  /** The one check of a new password chosen by this person (not their current one either). */
  async checkNewPassword(person: Person, password: string, confirm: string): Promise<NewPasswordProblems> {
    const problems = checkNewPassword({
      password,
      confirm,
      context: { username: person.username, email: person.email, name: person.name },
    });
    if (problems.password || problems.confirm) return problems;
    return (await this.isCurrentPassword(person, password)) ? { password: 'password.field.sameAsCurrent' } : {};
  }

  /**
   * The one password writer: the new hash, the forced change cleared, the time, the audit entry, (`notify`) the
   * "your password was changed" notice and the sign-out of the person's other sessions (`signOut`), queued, in one
   * transaction. The caller runs the sign-out (PersonAccess.endPending) in the same request; if that fails, it stays
   * queued and is retried, so the old password's sessions never outlive the change.
   */
  async setPassword(
    person: Person,
    password: string,
    change: { audit: AuditEvent; notify?: boolean; signOut: { keep?: string; reason: string } },
  ): Promise<PendingSignOut> {
    const hash = await this.passwords.hash(password);
    const changedAt = new Date();
    const notice = change.notify
      ? passwordChangedNotice(person, changedAt, `${this.#issuer}/password/forgot`, (c) => this.#outbox.offers(c))
      : undefined;
    return this.#db.transaction(async (trx) => {
      await updatePasswordHash(trx, person.id, hash, changedAt);
      await recordAudit(trx, change.audit);
      if (notice) await enqueueMessage(trx, notice);
      return queueSignOut(trx, { personId: person.id, ...change.signOut, before: changedAt });
    });
  }

  /**
   * Saves a verified email address or mobile number. `notice` words the message to the previous email address.
   * A unique violation (someone else took the value meanwhile) is the caller's to answer.
   */
  async setContact(
    personId: string,
    kind: ContactKind,
    value: string,
    notice?: (previous: { email: string | null }) => NewMessage | undefined,
  ): Promise<void> {
    await this.#db.transaction(async (trx) => {
      const previous = await updateContact(trx, personId, kind, value);
      await recordAudit(trx, {
        actor: personId,
        action: `person.${kind}_changed`,
        subject: personId,
        detail: { via: 'account', verified: true },
      });
      const message = notice?.(previous);
      if (message && this.#outbox.offers(message.channel)) await enqueueMessage(trx, message);
    });
  }

  async setLocale(personId: string, locale: string): Promise<void> {
    await this.#db.transaction(async (trx) => {
      await updateLocale(trx, personId, locale);
      await recordAudit(trx, {
        actor: personId,
        action: 'person.locale_changed',
        subject: personId,
        detail: { locale },
      });
    });
  }
}
