// The bureau's view of people (issue 15, item 7): a search by name, login, email, mobile number or national ID whose
// results show contacts and IDs masked; one person's page (its every reading audited); the audited reveal of the full
// national ID, with a reason; lock and unlock; a password-reset mail sent for them; their second factor shown and
// removed (a lost phone), with a reason, the person told. Ending a locked person's sessions
// and grants is the provider's (oidc/person-access.ts): queued with the lock, run by the caller in the same request.
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { type PendingSignOut, queueSignOut } from '../activity/pending-sign-outs.ts';
import { recordAudit } from '../audit.ts';
import { type Channel, enqueueMessage } from '../outbox/outbox.ts';
import { maskEmail, maskMobile } from './masks.ts';
import { isValidNationalId, normaliseNationalId } from './national-id.ts';
import { maskedNationalId, nationalIdIndex, openNationalId } from './national-id-store.ts';
import { secondFactorRemovedNotice } from './notices.ts';
import type { Passkeys } from './passkeys.ts';
import type { PasswordLinks } from './password-links.ts';
import { findPersonById, normaliseMobile, type Person, type PersonStatus } from './persons.ts';
import { resetLinkMail } from './reset-mail.ts';
import type { SecondFactor } from './second-factor.ts';

export type PersonHit = {
  id: string;
  name: string;
  username: string | null;
  email?: string;
  mobile?: string;
  nationalId?: string;
  status: PersonStatus;
};

export type PersonCard = {
  id: string;
  name: string;
  username: string | null;
  email: string | null;
  emailVerified: boolean;
  mobile: string | null;
  mobileVerified: boolean;
  /** Masked (the full one only through reveal()). */
  nationalId?: string;
  status: PersonStatus;
  createdAt: Date;
  passwordChangedAt: Date | null;
};

export type PersonIdentity = {
  id: string;
  role: string;
  schoolCode: string | null;
  schoolName: string | null;
  status: string;
  source: string;
  createdAt: Date;
  endedAt: Date | null;
};

/** A person's second factor: the authenticator app (when it was set up), and how many passkeys. */
export type SecondFactorState = { authenticator?: { since: Date }; passkeys: number };

export const PEOPLE_PAGE_SIZE = 50;
export const REASON_MAX = 200;

/** What the search text is: a national ID and a mobile number are looked up exactly, anything else as text. */
export function searchKind(text: string): 'national_id' | 'mobile' | 'text' {
  if (isValidNationalId(normaliseNationalId(text))) return 'national_id';
  if (normaliseMobile(text.normalize('NFKC'))) return 'mobile';
  return 'text';
}

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class PeopleDirectory {
  readonly #db: Knex;
  readonly #keyring: Keyring;
  readonly #links: PasswordLinks;
  readonly #issuer: string;
  readonly #secondFactor: SecondFactor;
  readonly #passkeys: Passkeys;
  readonly #offers: (channel: Channel) => boolean;

  constructor(deps: {
    db: Knex;
    keyring: Keyring;
    passwordLinks: PasswordLinks;
    issuer: string;
    secondFactor: SecondFactor;
    passkeys: Passkeys;
    /** Which channels notices may go by (the outbox's): the person is told when their second factor is removed. */
    offers: (channel: Channel) => boolean;
  }) {
    this.#db = deps.db;
    this.#keyring = deps.keyring;
    this.#links = deps.passwordLinks;
    this.#issuer = deps.issuer;
    this.#secondFactor = deps.secondFactor;
    this.#passkeys = deps.passkeys;
    this.#offers = deps.offers;
  }

  /**
   * People whose name holds the text, whose username or email starts with it, or whose mobile number or national ID
   * it is; contacts and IDs masked. The search is audited (what kind of text, never the text: it may be an ID).
   */
  async search(text: string, actor: string): Promise<{ hits: PersonHit[]; more: boolean }> {
    const q = text.normalize('NFKC').trim();
    if (!q) return { hits: [], more: false };
    const kind = searchKind(q);
    const rows: Person[] = await this.#db('persons')
      .modify((query) => {
        if (kind === 'national_id') query.where({ national_id_index: nationalIdIndex(this.#keyring, q) ?? '' });
        else if (kind === 'mobile') query.where({ mobile: normaliseMobile(q) });
        else {
          const lower = likeEscape(q.toLowerCase());
          query.where((w) =>
            w
              .whereILike('name', `%${likeEscape(q)}%`)
              .orWhereRaw('lower(username) like ?', [`${lower}%`])
              .orWhereRaw('lower(email) like ?', [`${lower}%`]),
          );
        }
      })
      .orderBy(['name', 'created_at'])
      .limit(PEOPLE_PAGE_SIZE + 1);
    await recordAudit(this.#db, {
      actor,
      action: 'admin.people_searched',
      detail: { kind, found: Math.min(rows.length, PEOPLE_PAGE_SIZE) },
    });
    return {
      hits: rows.slice(0, PEOPLE_PAGE_SIZE).map((p) => ({
        id: p.id,
        name: p.name,
        username: p.username,
        email: p.email ? maskEmail(p.email) : undefined,
        mobile: p.mobile ? maskMobile(p.mobile) : undefined,
        nationalId: maskedNationalId(this.#keyring, p.national_id_sealed),
        status: p.status,
      })),
      more: rows.length > PEOPLE_PAGE_SIZE,
    };
  }

  /** One person's card for an administrator, the reading audited; undefined when there is no such person. */
  async view(personId: string, actor: string): Promise<PersonCard | undefined> {
    const p = await findPersonById(this.#db, personId);
    if (!p) return undefined;
    await recordAudit(this.#db, { actor, action: 'admin.person_viewed', subject: p.id });
    const created: { created_at: Date } = await this.#db('persons').where({ id: p.id }).first('created_at');
    return {
      id: p.id,
      name: p.name,
      username: p.username,
      email: p.email,
      emailVerified: p.email_verified,
      mobile: p.mobile,
      mobileVerified: p.mobile_verified,
      nationalId: maskedNationalId(this.#keyring, p.national_id_sealed),
      status: p.status,
      createdAt: created.created_at,
      passwordChangedAt: p.password_changed_at,
    };
  }

  /** Every identity the person has or had, newest first, with its school. */
  identities(personId: string): Promise<PersonIdentity[]> {
    return this.#db('identities as i')
      .leftJoin('schools as s', 's.code', 'i.school_code')
      .where('i.person_id', personId)
      .select(
        'i.id',
        'i.role',
        'i.school_code as schoolCode',
        's.name as schoolName',
        'i.status',
        'i.source',
        'i.created_at as createdAt',
        'i.ended_at as endedAt',
      )
      .orderBy('i.created_at', 'desc');
  }

  /** Checks a reason typed for a reveal or a lock: a message key under admin.people.errors, or undefined. */
  static reasonProblem(reason: string): string | undefined {
    if (!reason.trim()) return 'reasonRequired';
    if ([...reason].length > REASON_MAX) return 'reasonTooLong';
    return undefined;
  }

  /** The full national ID, the reveal audited with its reason; `none` when the person has none on record. */
  async revealNationalId(
    personId: string,
    reason: string,
    actor: string,
  ): Promise<{ ok: true; nationalId: string } | { ok: false; error: string }> {
    const problem = PeopleDirectory.reasonProblem(reason);
    if (problem) return { ok: false, error: problem };
    const p = await findPersonById(this.#db, personId);
    if (!p?.national_id_sealed) return { ok: false, error: 'noNationalId' };
    await recordAudit(this.#db, {
      actor,
      action: 'admin.national_id_revealed',
      subject: p.id,
      detail: { reason: reason.trim() },
    });
    return { ok: true, nationalId: openNationalId(this.#keyring, p.national_id_sealed) };
  }

  /**
   * Locks an active account (no sign-in at all until unlocked), audited with the reason; its sessions' ending is
   * queued with it (`signOut`, for PersonAccess.endPending).
   */
  async lock(
    personId: string,
    reason: string,
    actor: string,
  ): Promise<{ ok: true; signOut: PendingSignOut } | { ok: false; error: string }> {
    const problem = PeopleDirectory.reasonProblem(reason);
    if (problem) return { ok: false, error: problem };
    let signOut: PendingSignOut | undefined;
    const result = await this.#setStatus(
      personId,
      'active',
      'locked',
      actor,
      { reason: reason.trim() },
      async (trx) => {
        signOut = await queueSignOut(trx, { personId, reason: 'admin_locked', actor });
      },
    );
    return result.ok ? { ok: true, signOut: signOut! } : result;
  }

  async unlock(personId: string, actor: string): Promise<{ ok: true } | { ok: false; error: string }> {
    return this.#setStatus(personId, 'locked', 'active', actor, {});
  }

  async #setStatus(
    personId: string,
    from: PersonStatus,
    to: PersonStatus,
    actor: string,
    detail: Record<string, unknown>,
    alsoWithin?: (trx: Knex.Transaction) => Promise<void>,
  ): Promise<{ ok: true } | { ok: false; error: string }> {
    return this.#db.transaction(async (trx) => {
      const changed = await trx('persons')
        .where({ id: personId, status: from })
        .update({ status: to, updated_at: trx.fn.now() })
        .returning('id');
      if (!changed.length) return { ok: false as const, error: to === 'locked' ? 'notActive' : 'notLocked' };
      await recordAudit(trx, {
        actor,
        action: to === 'locked' ? 'admin.person_locked' : 'admin.person_unlocked',
        subject: personId,
        detail,
      });
      await alsoWithin?.(trx);
      return { ok: true as const };
    });
  }

  /**
   * Sends the forgot-password mail (a one-use link, one hour) to the person's verified email, audited: `noEmail`
   * without one, `notActive` for an account that cannot sign in.
   */
  async sendPasswordReset(personId: string, actor: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const p = await findPersonById(this.#db, personId);
    if (p?.status !== 'active') return { ok: false, error: 'notActive' };
    const mail = await resetLinkMail(this.#links, this.#issuer, p);
    if (!mail) return { ok: false, error: 'noEmail' };
    await this.#db.transaction(async (trx) => {
      await enqueueMessage(trx, mail);
      await recordAudit(trx, { actor, action: 'admin.password_reset_sent', subject: p.id, detail: { via: 'email' } });
    });
    return { ok: true };
  }

  /** The person's second factor as it is now: the authenticator app with its set-up date, the number of passkeys. */
  async secondFactor(personId: string): Promise<SecondFactorState> {
    const [totp, passkeys]: [{ created_at: Date } | undefined, number] = await Promise.all([
      this.#db('person_totp').where({ person_id: personId }).first('created_at'),
      this.#passkeys.count(personId),
    ]);
    return { ...(totp ? { authenticator: { since: totp.created_at } } : {}), passkeys };
  }

  /**
   * Removes the person's second factor (a lost phone, or one set up by someone else), with a reason: the authenticator
   * app and every passkey (SecondFactor.reset, Passkeys.reset, as the CLI does), one entry of the administrator with the
   * reason, and a notice to the person by the one rule (accountNotice), all in one transaction; the next sign-in that
   * needs a second factor sets one up again. `noSecondFactor` when there is none (a page drawn before it was removed),
   * said before the reason, whose form such a page no longer has.
   */
  async removeSecondFactor(
    personId: string,
    reason: string,
    actor: string,
  ): Promise<{ ok: true } | { ok: false; error: string }> {
    const state = await this.secondFactor(personId);
    if (!state.authenticator && !state.passkeys) return { ok: false, error: 'noSecondFactor' };
    const problem = PeopleDirectory.reasonProblem(reason);
    if (problem) return { ok: false, error: problem };
    return this.#db.transaction(async (trx) => {
      const authenticator = await this.#secondFactor.reset(personId, actor, trx);
      const passkeys = await this.#passkeys.reset(personId, actor, trx);
      // Removed meanwhile (another tab, another administrator): nothing done, nothing written.
      if (!authenticator && !passkeys) return { ok: false as const, error: 'noSecondFactor' };
      await recordAudit(trx, {
        actor,
        action: 'admin.second_factor_removed',
        subject: personId,
        detail: { reason: reason.trim(), authenticator, passkeys },
      });
      const person = await findPersonById(trx, personId);
      const notice = person && secondFactorRemovedNotice(person, new Date(), this.#offers);
      if (notice) await enqueueMessage(trx, notice);
      return { ok: true as const };
    });
  }
}
