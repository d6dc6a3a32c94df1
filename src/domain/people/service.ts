// People: finding them, checking their passwords, and every change to their sign-in data (password, contact, language),
// each in one transaction with its audit entry and the notice it sends.
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { type PendingSignOut, queueSignOut } from '../activity/pending-sign-outs.ts';
import { type AuditEvent, recordAudit } from '../audit.ts';
import { enqueueMessage, type NewMessage, type Outbox } from '../outbox/outbox.ts';
import { removeAllLinks } from '../upstreams/links.ts';
import { maskedNationalId, nationalIdIndex } from './national-id-store.ts';
import { passwordChangedNotice } from './notices.ts';
import { checkNewPassword, type NewPasswordProblems } from './password-policy.ts';
import type { Passwords } from './passwords.ts';
import {
  type ContactKind,
  confirmPasswordVersion,
  contactHeldByOther,
  findByVerifiedContact,
  findPersonById,
  findPersonByLogin,
  findPersonIdByNationalIdIndex,
  lockContactValues,
  type Person,
  rehashPassword,
  saveNewPassword,
  updateContact,
  updateContactPhone,
  updateLocale,
  type VerifiedContacts,
} from './persons.ts';

/**
 * On success `signedInAt` is the sign-in's time (seconds, the database's clock: the login's `ts`, auth_time; see
 * checkPassword). On failure `personId` says whose account it was (for the audit log only, never for the person at
 * the keyboard).
 */
export type SignInResult =
  | { ok: true; person: Person; signedInAt: number }
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

  /** Whether someone else holds this email address or mobile number (the change would be refused at saving). */
  contactHeldByOther(personId: string, kind: ContactKind, value: string): Promise<boolean> {
    return contactHeldByOther(this.#db, personId, kind, value);
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

  /**
   * The password of a person found by their login name (undefined: nobody, which costs a compare all the same).
   *
   * A password change must end every session signed in with the password it replaced, a sign-in racing it too: one
   * that read the person's row before the change committed and compares the old hash while it commits. The provider
   * ends a session whose sign-in time (`loginTs`, whole seconds) is before the second of the person's
   * password_changed_at at each use: every authorization (oidc/configuration.ts findAccount) and every page of our own
   * (PersonAccess.sessionAlive); the change's queued sign-out ends at once those it finds. So a sign-in's time is not
   * when it finishes but `signedInAt`, read with the password's version after the compare (confirmPasswordVersion:
   * the row by its primary key, FOR KEY SHARE, in the statement that writes the sign-in's audit entry, `success`), and
   * a change takes its time after holding the row FOR UPDATE and letting the database's clock pass into the next
   * second (saveNewPassword). The row lock orders a change C and this sign-in S's read, and there are two orders:
   * - S's read held the row first: C held it only after that read ended and took its time in a later second, so S's
   *   loginTs is before C's time and S ends at its first use after C committed (a use before that is a use while the
   *   old password was still the person's);
   * - C held the row first: S's read waited for C to end and saw C's version (every change moves it on, a rehash does
   *   not), not the one of the row S compared the password with: S is refused as a wrong password is.
   * This holds whatever the requests, processes, pools or the time a compare takes; a sign-in that read the row after
   * C committed compared C's hash. A sign-in with the new password reads at or after C's second, so it stays
   * (findAccount's comparison is strict), as does the browser that made the change (counted as signed in at it:
   * PersonAccess.endEverywhere). A sign-in that goes on to a second factor keeps this time (FirstFactor's `ts`) as
   * its own when that factor is given, so a change made in between ends it too.
   *
   * `success`: the detail of the sign-in's audit entry (sign_in.success), written only if the sign-in stands.
   */
  async checkPassword(
    person: Person | undefined,
    password: string,
    success?: { detail: Record<string, unknown> },
  ): Promise<SignInResult> {
    const matches = person?.password_hash
      ? await this.passwords.verify(password, person.password_hash)
      : await this.passwords.verifyDecoy(password);
    if (!person || !matches) return { ok: false, reason: 'bad_credentials', personId: person?.id };
    if (person.status !== 'active') return { ok: false, reason: 'inactive', personId: person.id };
    const audit = success && {
      actor: person.id,
      action: 'sign_in.success',
      subject: person.id,
      detail: success.detail,
    };
    const current = await confirmPasswordVersion(this.#db, person.id, person.password_changed_at, audit);
    // The password changed since the row was read: what matched is no longer the person's password.
    if (!current?.unchanged) return { ok: false, reason: 'bad_credentials', personId: person.id };
    if (this.passwords.needsRehash(person.password_hash!)) await this.rehash(person, password);
    return { ok: true, person, signedInAt: current.readAt };
  }

  /**
   * Stores the password just checked against `person.password_hash` hashed anew (the configured cost or scheme), if
   * that hash is still the stored one: never over a new password saved meanwhile (false then).
   */
  async rehash(person: Pick<Person, 'id' | 'password_hash'>, password: string): Promise<boolean> {
    if (!person.password_hash) return false;
    return rehashPassword(this.#db, person.id, person.password_hash, await this.passwords.hash(password));
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
   * queued and is retried, so the old password's sessions never outlive the change. `removeLinks` (a reset; a change
   * where the person asked for it): the person's linked upstream accounts are removed too (audited with that reason;
   * the notice says so); `linksRemoved` counts them.
   */
  async setPassword(
    person: Person,
    password: string,
    change: {
      audit: AuditEvent;
      notify?: boolean;
      signOut: { keep?: string; reason: string };
      removeLinks?: 'password_reset' | 'password_changed';
    },
  ): Promise<PendingSignOut & { linksRemoved: number }> {
    const hash = await this.passwords.hash(password);
    return this.#db.transaction(async (trx) => {
      // The change's time, from the database, after holding the row (see checkPassword): up to a second's wait.
      const changedAt = await saveNewPassword(trx, person.id, hash);
      await recordAudit(trx, change.audit);
      const linksRemoved = change.removeLinks ? (await removeAllLinks(trx, person.id, change.removeLinks)).length : 0;
      const notice = change.notify
        ? passwordChangedNotice(
            person,
            changedAt,
            `${this.#issuer}/password/forgot`,
            (c) => this.#outbox.offers(c),
            linksRemoved > 0,
          )
        : undefined;
      if (notice) await enqueueMessage(trx, notice);
      const pending = await queueSignOut(trx, { personId: person.id, ...change.signOut, before: changedAt });
      return { ...pending, linksRemoved };
    });
  }

  /**
   * Saves a verified email address or mobile number. `notice` words the message about it to the contacts the account
   * had before (notices.ts noticeTarget: the verified email, else the verified mobile).
   * A unique violation (someone else took the value meanwhile) is the caller's to answer.
   */
  async setContact(
    personId: string,
    kind: ContactKind,
    value: string,
    notice?: (previous: VerifiedContacts) => NewMessage | undefined,
  ): Promise<void> {
    await this.#db.transaction(async (trx) => {
      // The lock a registration's activation takes on its address: the two come one after the other, and the second
      // finds the address taken (here a unique violation, there the "taken" page), never a 500.
      if (kind === 'email') await lockContactValues(trx, { email: value, national_id_index: null });
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

  /**
   * Saves the contact phone (聯絡電話) the person typed, already in its one stored form, or removes it (null): a number
   * the school calls, never a login and never texted, so there is nothing to prove and it is nobody else's to hold.
   * With its audit entry (never the number) and the message `notice` words to the account's contacts (never the number
   * either), in one transaction. False when it already was so: nothing is written, nothing sent.
   */
  async setContactPhone(
    personId: string,
    phone: string | null,
    notice?: (previous: VerifiedContacts) => NewMessage | undefined,
  ): Promise<boolean> {
    return this.#db.transaction(async (trx) => {
      const previous = await updateContactPhone(trx, personId, phone);
      if (!previous) throw new Error('person disappeared');
      if (previous.contact_phone === phone) return false;
      await recordAudit(trx, {
        actor: personId,
        action: phone ? 'person.contact_phone_changed' : 'person.contact_phone_removed',
        subject: personId,
        detail: { via: 'account' },
      });
      const message = notice?.(previous);
      if (message && this.#outbox.offers(message.channel)) await enqueueMessage(trx, message);
      return true;
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
