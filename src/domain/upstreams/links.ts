// Linked upstream accounts (issue 13): which upstream account (provider + its `sub`) signs in as which person. A link
// is made only by the person: at registration from the upstream, by signing in with their campus password once, or
// from the account portal. An upstream email never links by itself (that would hand the account to whoever controls
// an address at some provider). Every change is audited; the last way into an account cannot be removed.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { OneUseKind, OneUseStore } from '../../platform/one-use.ts';
import { isUniqueViolation } from '../../platform/storage/pg-errors.ts';
import { recordAudit } from '../audit.ts';
import { type Channel, enqueueMessage, type NewMessage } from '../outbox/outbox.ts';
import { accountNotice } from '../people/notices.ts';
import './texts.ts';

/** The upstream account as the upstream leg verified it. */
export const UpstreamAccount = z.object({
  provider: z.string().max(40),
  subject: z.string().min(1).max(255),
  email: z.string().max(254).optional(),
  /** The upstream says it verified the email. */
  emailVerified: z.boolean(),
  name: z.string().max(100).optional(),
});
export type UpstreamAccount = z.infer<typeof UpstreamAccount>;

export type LinkResult = 'linked' | 'already_yours' | 'taken' | 'provider_linked';

export type LinkedAccount = {
  id: string;
  provider: string;
  email: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
};

/** Makes the link in `trx` (the caller's transaction), or says why not; audited. */
export async function insertLink(
  trx: Knex.Transaction,
  personId: string,
  account: UpstreamAccount,
  how: 'registration' | 'password' | 'portal',
): Promise<LinkResult> {
  const holder: { person_id: string } | undefined = await trx('federated_links')
    .where({ provider: account.provider, subject: account.subject })
    .first('person_id');
  if (holder) return holder.person_id === personId ? 'already_yours' : 'taken';
  const mine = await trx('federated_links').where({ person_id: personId, provider: account.provider }).first('id');
  if (mine) return 'provider_linked';
  await trx('federated_links').insert({
    id: crypto.randomUUID(),
    person_id: personId,
    provider: account.provider,
    subject: account.subject,
    email: account.email ?? null,
  });
  await recordAudit(trx, {
    actor: personId,
    action: 'federation.linked',
    subject: personId,
    detail: { provider: account.provider, how },
  });
  return 'linked';
}

/**
 * Every upstream link of the person removed in `trx` (the caller's: a password reset's, or a change where the person
 * asked for it, so that an upstream account linked by whoever knew the old password signs in no more), each audited.
 * Returns the providers unlinked.
 */
export async function removeAllLinks(
  trx: Knex.Transaction,
  personId: string,
  reason: 'password_reset' | 'password_changed',
): Promise<string[]> {
  const rows: { provider: string }[] = await trx('federated_links')
    .where({ person_id: personId })
    .delete()
    .returning('provider');
  for (const { provider } of rows)
    await recordAudit(trx, {
      actor: personId,
      action: 'federation.unlinked',
      subject: personId,
      detail: { provider, reason },
    });
  return rows.map((r) => r.provider);
}

const taipeiTime = (when: Date, locale: string) =>
  new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-TW', {
    timeZone: 'Asia/Taipei',
    dateStyle: 'medium',
    timeStyle: 'short',
    hourCycle: 'h23',
  }).format(when);

/**
 * "An account of <upstream> was linked to yours at <time>": to the account's verified email, else its verified mobile
 * (when SMS goes anywhere here), else none; what to do if it was not them (reset the password: that removes links).
 */
function linkedNotice(
  person: {
    name: string | null;
    email: string | null;
    email_verified: boolean;
    mobile: string | null;
    mobile_verified: boolean;
  },
  providerName: string,
  when: Date,
  forgotLink: string,
  offers: (channel: Channel) => boolean,
): NewMessage | undefined {
  const vars = (locale: string) => ({
    name: person.name ?? '',
    provider: providerName,
    time: taipeiTime(when, locale),
    link: forgotLink,
  });
  const keys = {
    subject: 'federation.mail.linkedSubject',
    text: 'federation.mail.linkedText',
    sms: 'federation.mail.linkedSms',
  };
  return accountNotice(person, 'federation_linked', keys, vars, offers);
}

/**
 * An upstream account waiting to be linked by a campus sign-in or a registration, kept under the interaction's uid for
 * as long as the registration wizard keeps its draft (30 minutes).
 */
export const PendingLink = UpstreamAccount.extend({ providerName: z.string().max(60) });
export type PendingLink = z.infer<typeof PendingLink>;

export class FederatedLinks {
  readonly #db: Knex;
  /** Upstream accounts met at a sign-in, not yet linked: keyed by the interaction they came back to. */
  readonly pending: OneUseKind<PendingLink>;

  readonly #forgotLink: string;
  readonly #offers: (channel: Channel) => boolean;

  /** `issuer`: the public base of the link in the notice; `offers`: which channels the notice may go by. */
  constructor(deps: { db: Knex; oneUse: OneUseStore; issuer: string; offers: (channel: Channel) => boolean }) {
    this.#db = deps.db;
    this.#forgotLink = `${deps.issuer}/password/forgot`;
    this.#offers = deps.offers;
    this.pending = deps.oneUse.kind({ name: 'federation-pending-link', schema: PendingLink, ttlSeconds: 30 * 60 });
  }

  /** The person an upstream account signs in as. */
  async personFor(provider: string, subject: string): Promise<{ linkId: string; personId: string } | undefined> {
    const row: { id: string; person_id: string } | undefined = await this.#db('federated_links')
      .where({ provider, subject })
      .first('id', 'person_id');
    return row && { linkId: row.id, personId: row.person_id };
  }

  /** A sign-in with the link: remembered for the portal's "last used" (and audited by the caller). */
  async used(linkId: string, email?: string): Promise<void> {
    await this.#db('federated_links')
      .where({ id: linkId })
      .update({ last_used_at: this.#db.fn.now(), ...(email ? { email } : {}) });
  }

  async list(personId: string): Promise<LinkedAccount[]> {
    const rows: { id: string; provider: string; email: string | null; created_at: Date; last_used_at: Date | null }[] =
      await this.#db('federated_links').where({ person_id: personId }).orderBy('created_at');
    return rows.map((r) => ({
      id: r.id,
      provider: r.provider,
      email: r.email,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  /** Links the upstream account, and tells the person (their email, else mobile) in the same transaction. */
  async link(personId: string, account: UpstreamAccount, how: 'password' | 'portal'): Promise<LinkResult> {
    try {
      return await this.#db.transaction(async (trx) => {
        const result = await insertLink(trx, personId, account, how);
        if (result !== 'linked') return result;
        const person = await trx('persons')
          .where({ id: personId })
          .first('name', 'email', 'email_verified', 'mobile', 'mobile_verified');
        const upstream: { name: string } | undefined = await trx('upstream_providers')
          .where({ id: account.provider })
          .first('name');
        const notice =
          person &&
          linkedNotice(person, upstream?.name ?? account.provider, new Date(), this.#forgotLink, this.#offers);
        if (notice) await enqueueMessage(trx, notice);
        return result;
      });
    } catch (err) {
      // Two links made at once: the one that committed first stands; this one is told who holds it.
      if (!isUniqueViolation(err)) throw err;
      const holder = await this.personFor(account.provider, account.subject);
      return holder?.personId === personId ? 'already_yours' : holder ? 'taken' : 'provider_linked';
    }
  }

  /**
   * Removes a link of this person's. Refused when it is their last way in: no password and no other link. The
   * person's row is locked so that two removals at once cannot both pass the check.
   */
  async unlink(personId: string, linkId: string): Promise<'unlinked' | 'last' | 'missing'> {
    return this.#db.transaction(async (trx) => {
      const person: { password_hash: string | null } | undefined = await trx('persons')
        .where({ id: personId })
        .forUpdate()
        .first('password_hash');
      const link: { provider: string } | undefined = await trx('federated_links')
        .where({ id: linkId, person_id: personId })
        .first('provider');
      if (!person || !link) return 'missing';
      if (!person.password_hash) {
        const [row] = await trx('federated_links').where({ person_id: personId }).count({ count: '*' });
        if (Number(row?.count ?? 0) <= 1) return 'last';
      }
      await trx('federated_links').where({ id: linkId }).delete();
      await recordAudit(trx, {
        actor: personId,
        action: 'federation.unlinked',
        subject: personId,
        detail: { provider: link.provider },
      });
      return 'unlinked';
    });
  }
}
