// Enrolment: every way a person gets an account or an identity the school vouches for — the registration wizard,
// the school-affairs push (register or add an identity), roster registration with a school-issued credential, and
// the operator's CLI and demo seed — all through createAccount and the identity writers.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Locale } from '../../platform/i18n/index.ts';
import type { Keyring } from '../../platform/keyring.ts';
import { REGISTRATION, ROSTER_CHECK } from '../../platform/limits.ts';
import type { OneUseKind, OneUseStore } from '../../platform/one-use.ts';
import type { Throttle } from '../../platform/throttle.ts';
import { recordAudit } from '../audit.ts';
import { addIdentity } from '../identities/add-identity.ts';
import { nationalIdIndex, sealNationalId } from '../people/national-id-store.ts';
import type { Passwords } from '../people/passwords.ts';
import { findPersonIdByNationalIdIndex } from '../people/persons.ts';
import { releaseUnconfirmedHolder } from '../schools/import/accounts.ts';
import { insertLink, UpstreamAccount } from '../upstreams/links.ts';
import { createAccount, findDuplicates, isUniqueViolation, type NewAccount } from './accounts.ts';
import {
  activateAccount,
  activationState,
  discardRegistration,
  offerResend,
  type ResendOffer,
  ResendOffer as ResendOfferSchema,
  resendActivation,
} from './activation.ts';
import { type FieldErrors, PersonValues, UNCONFIRMED, type ValidPerson } from './person-input.ts';
import {
  type CredentialRow,
  credentialById,
  findCredential,
  listCredentials,
  type StoredCredential,
  schoolsWithCredentials,
  upsertCredentials,
} from './roster-credentials.ts';
import {
  type AddResult,
  addPushedIdentity,
  attachRosterIdentity,
  type PushedIdentity,
  type RosterClaim,
} from './school-verified.ts';

/** What the school-affairs system adds to a registration it pushes: the school vouches for the identity. */
export const SisPush = z.object({
  clientId: z.string(),
  returnUrl: z.string(),
  classCode: z.string().optional(),
  seat: z.number().optional(),
  studentNumber: z.string().optional(),
  birthdate: z.string().optional(),
});
export type SisPush = z.infer<typeof SisPush>;

/** An upstream account a registration links to (issue 13): its name and email prefill the wizard. */
export const FederatedRegistration = UpstreamAccount.extend({ providerName: z.string().max(60) });
export type FederatedRegistration = z.infer<typeof FederatedRegistration>;

/**
 * A registration form filled in beforehand, handed to the wizard (one use): by the school-affairs system (`sis`), or
 * from an upstream account met at a sign-in (`federated`: its name and email; the link is made with the account).
 */
export const RegistrationPrefill = z.object({
  values: PersonValues,
  sis: SisPush.optional(),
  federated: FederatedRegistration.optional(),
  /** The sign-in the registration started from, to return to. */
  interaction: z.string().max(64).optional(),
});
export type RegistrationPrefill = z.infer<typeof RegistrationPrefill>;

/** The address had its activation mails for the hour (REGISTRATION.mailsPerRecipient): nothing made, nothing sent. */
export type MailLimited = { ok: false; mailLimited: true };
export type RegisterResult =
  | { ok: true; personId: string; active?: boolean }
  | { ok: false; errors: FieldErrors }
  | { ok: false; linkTaken: true }
  | MailLimited;
export type RosterRegisterResult =
  | { ok: true; personId: string }
  | { ok: false; errors: FieldErrors }
  | { ok: false; claimed: true }
  | MailLimited;
export type VerifyResult =
  | { ok: true; credentialId: string }
  | { ok: false; reason: 'wrong' | 'limited' | 'challenge' };

class AlreadyClaimed extends Error {}
/** A duplicate found in #create's transaction: rolled back (with what its `before` wrote), answered. */
class Duplicates extends Error {
  readonly errors: FieldErrors;
  constructor(errors: FieldErrors) {
    super('duplicates');
    this.errors = errors;
  }
}
class LinkTaken extends Error {}

/** Another registration (or sign-in) linked the same upstream account between our check and our insert. */
const isLinkClash = (err: unknown) =>
  isUniqueViolation(err) && (err as { constraint?: string }).constraint === 'federated_links_provider_subject_unique';

export class Enrolment {
  readonly #db: Knex;
  readonly #keyring: Keyring;
  readonly #passwords: Passwords;
  readonly #throttle: Throttle;
  readonly #issuer: string;
  /** "Send the activation mail again" offers on the sign-in page (15 minutes). */
  readonly resendOffers: OneUseKind<ResendOffer>;
  /** Registration forms filled in by the school-affairs system, on their way to the wizard (10 minutes). */
  readonly prefills: OneUseKind<RegistrationPrefill>;

  constructor(deps: {
    db: Knex;
    keyring: Keyring;
    passwords: Passwords;
    throttle: Throttle;
    oneUse: OneUseStore;
    issuer: string;
  }) {
    this.#db = deps.db;
    this.#keyring = deps.keyring;
    this.#passwords = deps.passwords;
    this.#throttle = deps.throttle;
    this.#issuer = deps.issuer;
    this.resendOffers = deps.oneUse.kind({ name: 'resend-offer', schema: ResendOfferSchema, ttlSeconds: 15 * 60 });
    this.prefills = deps.oneUse.kind({
      name: 'registration-prefill',
      schema: RegistrationPrefill,
      ttlSeconds: 10 * 60,
    });
  }

  duplicates(q: { email: string; nationalId?: string }): Promise<FieldErrors> {
    return findDuplicates(this.#db, this.#keyring, q);
  }

  /**
   * Runs `create` in a transaction that first runs `before`, then looks for duplicates; a duplicate found or lost in
   * a race is an answer.
   */
  async #create<T extends { ok: boolean }>(
    q: { email: string; nationalId: string },
    create: (trx: Knex.Transaction) => Promise<T>,
    before?: (trx: Knex.Transaction) => Promise<unknown>,
  ): Promise<T | { ok: false; errors: FieldErrors }> {
    try {
      return await this.#db.transaction(async (trx) => {
        await before?.(trx);
        // Found before writing anything but what `before` wrote, which a duplicate undoes (the transaction rolls back).
        const duplicates = await findDuplicates(trx, this.#keyring, q);
        if (Object.keys(duplicates).length) throw new Duplicates(duplicates);
        return create(trx);
      });
    } catch (err) {
      if (err instanceof Duplicates) return { ok: false, errors: err.errors };
      // Lost a race to a registration that committed first: its row is visible now.
      if (isUniqueViolation(err)) {
        const errors = await this.duplicates(q);
        if (Object.keys(errors).length) return { ok: false, errors };
      }
      throw err;
    }
  }

  /**
   * Runs a registration that mails an activation link only while its address may get another activation mail this
   * hour (REGISTRATION.mailsPerRecipient, counted on the address whether it has an account or not, before anything is
   * looked up); one that made nothing after all gives its count back.
   */
  async #withinMailLimit<T extends { ok: boolean }>(
    email: string,
    register: () => Promise<T>,
  ): Promise<T | MailLimited> {
    const recipient = email.toLowerCase();
    if (!(await this.#throttle.allow(REGISTRATION.mailsPerRecipient, recipient)))
      return { ok: false, mailLimited: true };
    let result: T | undefined;
    try {
      result = await register();
      return result;
    } finally {
      if (!result?.ok) await this.#throttle.refund(REGISTRATION.mailsPerRecipient, recipient).catch(() => undefined);
    }
  }

  /** A new account waiting for its mailed link; or active at once when `emailVerified` (an upstream checked it). */
  async #pendingAccount(
    reg: ValidPerson & { locale: Locale },
    birthdate?: string,
    emailVerified = false,
  ): Promise<Pick<NewAccount, 'person' | 'activation'>> {
    return {
      person: {
        email: reg.email,
        emailVerified,
        name: reg.name,
        passwordHash: await this.#passwords.hash(reg.password),
        status: emailVerified ? 'active' : 'pending',
        locale: reg.locale,
        gender: reg.gender,
        contactPhone: reg.phone,
        birthdate,
        nationalId: sealNationalId(this.#keyring, reg.nationalId),
      },
      activation: emailVerified ? undefined : { issuer: this.#issuer, locale: reg.locale },
    };
  }

  /**
   * The wizard's registration: a pending person and their declared identity (unconfirmed: a general member until the
   * school confirms it), or with `sis` the identity the school-affairs system vouched for (active once the person is).
   */
  async register(
    reg: ValidPerson & { locale: Locale; sis?: SisPush; federated?: FederatedRegistration },
  ): Promise<RegisterResult> {
    const { sis, federated } = reg;
    // The upstream's verified address, kept as it was: the mailed link would prove nothing more.
    const verified = !!federated?.emailVerified && federated.email === reg.email;
    const pending = await this.#pendingAccount(reg, sis?.birthdate, verified);
    // Active at once: no activation mail, nothing to count.
    if (verified) return this.#register(reg, pending);
    return this.#withinMailLimit(reg.email, () => this.#register(reg, pending));
  }

  async #register(
    reg: ValidPerson & { locale: Locale; sis?: SisPush; federated?: FederatedRegistration },
    pending: Pick<NewAccount, 'person' | 'activation'>,
  ): Promise<RegisterResult> {
    const { sis, federated } = reg;
    const verified = !pending.activation;
    try {
      return await this.#create(reg, async (trx) => {
        const { personId } = await createAccount(trx, {
          ...pending,
          identity: sis
            ? {
                schoolCode: reg.schoolCode,
                role: reg.kind,
                classCode: sis.classCode,
                source: 'sis',
                attributes: {
                  ...(sis.seat ? { seat: sis.seat } : {}),
                  ...(sis.studentNumber ? { student_no: sis.studentNumber } : {}),
                },
              }
            : { schoolCode: reg.schoolCode, role: reg.kind, source: 'self', status: UNCONFIRMED },
          audit: {
            action: 'person.registered',
            detail: {
              source: sis ? 'sis' : 'self',
              status: verified ? 'active' : 'pending',
              ...(sis ? { client: sis.clientId } : {}),
              ...(federated ? { upstream: federated.provider } : {}),
            },
          },
        });
        // Linked to someone else since the wizard began: nothing of this registration stays.
        if (federated && (await insertLink(trx, personId, federated, 'registration')) !== 'linked')
          throw new LinkTaken();
        return { ok: true as const, personId, active: verified };
      });
    } catch (err) {
      // Linked to someone else first, or by a registration with the same upstream account committed meanwhile (the
      // same form sent twice at once): the upstream account is taken either way.
      if (err instanceof LinkTaken || isLinkClash(err)) return { ok: false, linkTaken: true };
      throw err;
    }
  }

  /** Registration with a verified school credential: the identity comes from the roster; the credential is claimed. */
  async registerFromRoster(credentialId: string, reg: ValidPerson & { locale: Locale }): Promise<RosterRegisterResult> {
    const pending = await this.#pendingAccount(reg);
    return this.#withinMailLimit(reg.email, () => this.#registerFromRoster(credentialId, reg, pending));
  }

  async #registerFromRoster(
    credentialId: string,
    reg: ValidPerson & { locale: Locale },
    pending: Pick<NewAccount, 'person' | 'activation'>,
  ): Promise<RosterRegisterResult> {
    try {
      return await this.#create(
        reg,
        async (trx) => {
          const { personId } = await createAccount(trx, {
            ...pending,
            audit: { action: 'person.registered', detail: { source: 'roster', status: 'pending' } },
          });
          // Claimed first by someone else: nothing of this registration stays. The national ID typed is not compared
          // with the row's here (the identity then confirms nothing of it: people/confirmed-holder.ts).
          if ((await attachRosterIdentity(trx, credentialId, personId, { newAccount: true })) !== 'added')
            throw new AlreadyClaimed();
          return { ok: true as const, personId };
        },
        // The slip's roster row names this national ID, which an account no school confirmed holds (publishing gave
        // the slip instead of that account the identity): the school's word wins, the ID leaves that account.
        (trx) => releaseUnconfirmedHolder(trx, this.#keyring, { credentialId, nationalId: reg.nationalId }),
      );
    } catch (err) {
      if (err instanceof AlreadyClaimed) return { ok: false, claimed: true };
      throw err;
    }
  }

  /** An active account made by an operator (CLI, demo seed), with its identities. */
  async createActive(
    account: Omit<NewAccount, 'activation'> & { identities?: NonNullable<NewAccount['identity']>[] },
  ): Promise<string> {
    return this.#db.transaction(async (trx) => {
      const { personId } = await createAccount(trx, {
        ...account,
        identity: account.identities?.[0] ?? account.identity,
      });
      for (const identity of account.identities?.slice(1) ?? []) {
        await addIdentity(trx, { ...identity, personId, actor: account.actor ?? personId });
      }
      return personId;
    });
  }

  activationState(token: string) {
    return activationState(this.#db, token);
  }

  /** The link's registration, activated if `password` is the one chosen at it. */
  activate(token: string, password: string) {
    const deps = { issuer: this.#issuer, passwords: this.#passwords, throttle: this.#throttle };
    return activateAccount(this.#db, deps, token, password);
  }

  /** The link's registration discarded ("not mine", or its password forgotten). */
  discard(token: string) {
    return discardRegistration(this.#db, token);
  }

  resend(personId: string) {
    return resendActivation(this.#db, this.#throttle, this.#issuer, personId);
  }

  offerResend(offer: ResendOffer): Promise<string | undefined> {
    return offerResend(this.#db, this.resendOffers, offer);
  }

  /** The identity a school-affairs push brings to a signed-in person whose national ID is the pushed one. */
  addPushedIdentity(
    personId: string,
    clientId: string,
    pushed: PushedIdentity & { national_id: string },
  ): Promise<AddResult> {
    const index = nationalIdIndex(this.#keyring, pushed.national_id);
    if (!index) return Promise.resolve('mismatch');
    return addPushedIdentity(this.#db, { personId, clientId, nationalIdIndex: index, identity: pushed });
  }

  /** Whether a national ID has an account, and (given a role, and maybe a school) that identity. */
  async lookup(q: {
    nationalId: string;
    role?: string;
    schoolCode?: string;
  }): Promise<{ has_account: boolean; has_identity: boolean }> {
    const index = nationalIdIndex(this.#keyring, q.nationalId);
    const personId = index ? await findPersonIdByNationalIdIndex(this.#db, index) : undefined;
    if (!personId) return { has_account: false, has_identity: false };
    if (!q.role) return { has_account: true, has_identity: false };
    const identity = await this.#db('identities')
      .where({ person_id: personId, role: q.role, status: 'active' })
      .modify((b) => {
        if (q.schoolCode) b.where({ school_code: q.schoolCode });
      })
      .first('id');
    return { has_account: true, has_identity: !!identity };
  }

  // ---- school-issued verification credentials (roster) ----

  /** Whether the address's next try comes after enough others to be asked for a challenge. */
  async rosterChallengeNeeded(address: string): Promise<boolean> {
    return (await this.#throttle.count(ROSTER_CHECK.address, address)) >= ROSTER_CHECK.addressChallengeAfter;
  }

  /**
   * Checks a credential; every failure looks the same (wrong, unknown, claimed). Every try is counted before anything
   * is checked (Throttle.attempt's way), so that tries sent at once get no more checks, and no fewer person checks,
   * than tries one after another: per network address every try, a right one (or one refused for the person check)
   * taking back only its own count afterwards (never clearing it: one's own slip would wipe the count of guesses at
   * others'); from the address's (addressChallengeAfter + 1)-th try on, `personCheck` must pass before the password is
   * checked; per account (Throttle.attempt), cleared by a success.
   */
  async verifyCredential(q: {
    address: string;
    schoolCode: string;
    role: string;
    account: string;
    password: string;
    /** The person check, asked only when it is due (it may be used up); none: a try that needs it fails. */
    personCheck?: () => Promise<boolean>;
  }): Promise<VerifyResult> {
    const account = `${q.schoolCode}:${q.account.toLowerCase()}`;
    const tries = await this.#throttle.hit(ROSTER_CHECK.address, q.address);
    if (tries > ROSTER_CHECK.address.max) return { ok: false, reason: 'limited' };
    if (tries > ROSTER_CHECK.addressChallengeAfter && !(await q.personCheck?.())) {
      // No password was checked: the try is taken back (the form comes back with the person check to do).
      await this.#throttle.refund(ROSTER_CHECK.address, q.address);
      return { ok: false, reason: 'challenge' };
    }
    let credentialId: string | undefined;
    const { outcome } = await this.#throttle.attempt(ROSTER_CHECK.account, account, async () => {
      const row = await findCredential(this.#db, q);
      const matches = await this.#credentialMatches(row, q.password);
      credentialId = row && matches && !row.claimed_by_person_id ? row.id : undefined;
      return credentialId !== undefined;
    });
    if (outcome === 'ok' && credentialId) {
      // A right slip takes back its own try only: a class signing up from one school address is not stopped, and
      // one's own slip cannot wipe the wrong tries made at others'.
      await this.#throttle.refund(ROSTER_CHECK.address, q.address);
      return { ok: true, credentialId };
    }
    if (outcome === 'limited') return { ok: false, reason: 'limited' };
    return { ok: false, reason: 'wrong' };
  }

  /**
   * The password against the credential: a school system's by its bcrypt hash, a published one against its sealed
   * password (then the decoy hash too, so every answer takes a hash's time); none: the decoy.
   */
  async #credentialMatches(row: StoredCredential | undefined, password: string): Promise<boolean> {
    if (row?.password_hash) return this.#passwords.verify(password, row.password_hash);
    if (!row?.password_sealed) return this.#passwords.verifyDecoy(password);
    const expected = Buffer.from(this.#keyring.open('roster-password', row.password_sealed));
    const given = Buffer.from(password);
    const same = given.length === expected.length && crypto.timingSafeEqual(given, expected);
    await this.#passwords.verifyDecoy(password);
    return same;
  }

  /** An unclaimed credential by id. */
  async openCredential(id: string): Promise<StoredCredential | undefined> {
    const credential = await credentialById(this.#db, id);
    return credential && !credential.claimed_by_person_id ? credential : undefined;
  }

  /**
   * Adds the credential's identity to an existing account: `added`, or why not (claimed first; the slip's roster row
   * names another national ID than the account's).
   */
  addRosterIdentity(credentialId: string, personId: string): Promise<RosterClaim> {
    return this.#db.transaction((trx) => attachRosterIdentity(trx, credentialId, personId));
  }

  /** addRosterIdentity, as whether the identity was added. */
  async claimCredential(credentialId: string, personId: string): Promise<boolean> {
    return (await this.addRosterIdentity(credentialId, personId)) === 'added';
  }

  schoolsWithCredentials() {
    return schoolsWithCredentials(this.#db);
  }

  listCredentials(schoolCode: string) {
    return listCredentials(this.#db, schoolCode);
  }

  /** Upserts a school's credentials, all rows or none, audited. Passwords given in clear are hashed here. */
  async upsertCredentials(
    schoolCode: string,
    rows: (Omit<CredentialRow, 'passwordHash'> & { password?: string; passwordHash?: string })[],
    actor: string,
  ) {
    const hashed: CredentialRow[] = [];
    for (const r of rows)
      hashed.push({ ...r, passwordHash: r.passwordHash ?? (await this.#passwords.hash(r.password!)) });
    return this.#db.transaction(async (trx) => {
      const counts = await upsertCredentials(trx, schoolCode, hashed);
      await recordAudit(trx, { actor, action: 'roster_credentials.upserted', subject: schoolCode, detail: counts });
      return counts;
    });
  }
}
