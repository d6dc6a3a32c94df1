// Activating a pending account: the mailed link (activation-tokens.ts), the welcome mail, "send it again" (at most
// ACTIVATION_RESEND an hour), and the one-use offer of that resend that the sign-in page shows a pending person.
import type { Knex } from 'knex';
import { z } from 'zod';
import { LOCALES, type Locale } from '../../platform/i18n/index.ts';
import { ACTIVATION_RESEND } from '../../platform/limits.ts';
import type { OneUseKind } from '../../platform/one-use.ts';
import { isUniqueViolation } from '../../platform/storage/pg-errors.ts';
import type { Throttle } from '../../platform/throttle.ts';
import { recordAudit } from '../audit.ts';
import { enqueueMessage } from '../outbox/outbox.ts';
import { activatePending, claimPendingValues, findPersonById, lockContactValues } from '../people/persons.ts';
import { activationTokenState, issueActivationToken, useActivationToken } from './activation-tokens.ts';
import { activationLink, activationMail, homeLink, welcomeMail } from './mails.ts';
import { UNCONFIRMED } from './person-input.ts';

export type ActivationResult = { ok: true } | { ok: false; reason: 'invalid' | 'used' | 'expired' | 'taken' };
export type ResendResult = 'sent' | 'limited' | 'not_pending';

export const localeOf = (value: unknown): Locale => (LOCALES.includes(value as Locale) ? (value as Locale) : 'zh-TW');

/** What a resend offer names: the pending person and the sign-in to return to. */
export const ResendOffer = z.object({
  personId: z.uuid(),
  interaction: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});
export type ResendOffer = z.infer<typeof ResendOffer>;

/** Issues the link of a pending account and queues its mail, in the caller's transaction. */
export async function sendActivation(
  trx: Knex.Transaction,
  issuer: string,
  p: { personId: string; email: string; locale: Locale },
): Promise<void> {
  const token = await issueActivationToken(trx, p.personId);
  await enqueueMessage(
    trx,
    activationMail(p.locale, { to: p.email, link: activationLink(issuer, token), home: homeLink(issuer) }),
  );
}

/** What opening the link would do, without doing it (the page a mailed link opens asks to confirm first). */
export function activationState(db: Knex, token: string) {
  return activationTokenState(db, token);
}

export async function activateAccount(db: Knex, issuer: string, token: string): Promise<ActivationResult> {
  try {
    return await activate(db, issuer, token);
  } catch (err) {
    // The address or ID became an account's some other way meanwhile (a unique index says so): taken, nothing written.
    if (isUniqueViolation(err)) return { ok: false, reason: 'taken' };
    throw err;
  }
}

async function activate(db: Knex, issuer: string, token: string): Promise<ActivationResult> {
  return db.transaction(async (trx) => {
    // Who the link names (read without locks), then the locks on their email and ID, then the link itself.
    const named = await activationTokenState(trx, token);
    if (named.state !== 'valid') return { ok: false, reason: named.state };
    const pending = await findPersonById(trx, named.personId);
    if (!pending) return { ok: false, reason: 'invalid' };
    await lockContactValues(trx, pending);
    const check = await useActivationToken(trx, token);
    if (check.state !== 'valid') return { ok: false, reason: check.state };
    // Whoever proves their address first holds it: other waiting registrations of this email or ID go.
    const claim = await claimPendingValues(trx, pending);
    if (claim.taken) return { ok: false, reason: 'taken' };
    for (const id of claim.superseded) {
      await recordAudit(trx, { actor: pending.id, action: 'person.registration_superseded', subject: id });
    }
    const person = await activatePending(trx, check.personId);
    if (!person) return { ok: false, reason: 'used' };
    const identity = await trx('identities as i')
      .leftJoin('schools as s', 's.code', 'i.school_code')
      .select('i.role', 'i.source', 's.name as school')
      .where({ 'i.person_id': person.id })
      .where((b) =>
        b.where({ 'i.source': 'self', 'i.status': UNCONFIRMED }).orWhere({ 'i.source': 'sis', 'i.status': 'active' }),
      )
      .orderBy('i.created_at')
      .first();
    await enqueueMessage(
      trx,
      welcomeMail(localeOf(person.locale), {
        to: person.email!,
        home: homeLink(issuer),
        school: identity?.school ?? '',
        role: identity?.role ?? '',
        verified: identity?.source === 'sis',
      }),
    );
    await recordAudit(trx, {
      actor: person.id,
      action: 'person.activated',
      subject: person.id,
      detail: { email_verified: true },
    });
    return { ok: true };
  });
}

/** A new link for a pending account (earlier ones stay good until they expire). */
export async function resendActivation(
  db: Knex,
  throttle: Throttle,
  issuer: string,
  personId: string,
): Promise<ResendResult> {
  const person = await findPersonById(db, personId);
  if (person?.status !== 'pending' || !person.email) return 'not_pending';
  if (!(await throttle.allow(ACTIVATION_RESEND, personId))) return 'limited';
  await db.transaction(async (trx) => {
    await sendActivation(trx, issuer, { personId, email: person.email!, locale: localeOf(person.locale) });
    await recordAudit(trx, { actor: personId, action: 'person.activation_resent', subject: personId });
  });
  return 'sent';
}

/** A one-use offer to resend for this person when they are pending; undefined for any other account. */
export async function offerResend(
  db: Knex,
  offers: OneUseKind<ResendOffer>,
  offer: ResendOffer,
): Promise<string | undefined> {
  const person = await findPersonById(db, offer.personId);
  return person?.status === 'pending' ? offers.issue(ResendOffer.parse(offer)) : undefined;
}
