// Activating a pending account: the mailed link (activation-tokens.ts) together with the password chosen at
// registration (the link proves the mailbox, the password that the registration is the one of who opens it: someone
// who registered another person's address with their own password cannot have it activated by that person), the
// welcome mail, discarding a registration from its link ("not mine / I forgot the password"), "send it again" (at most
// ACTIVATION_RESEND an hour, and within the address's REGISTRATION.mailsPerRecipient), and the one-use offer of that
// resend that the sign-in page shows a pending person.
// While one registration of an address waits for its link, another one of the same address gets no link of its own:
// the address is mailed a new link of the waiting one, saying so (the second registrant sees the usual last page).
import type { Knex } from 'knex';
import { z } from 'zod';
import { defineTexts, LOCALES, type Locale, translator } from '../../platform/i18n/index.ts';
import { ACTIVATION_RESEND, REGISTRATION, SIGN_IN } from '../../platform/limits.ts';
import type { OneUseKind } from '../../platform/one-use.ts';
import { isUniqueViolation } from '../../platform/storage/pg-errors.ts';
import type { Throttle } from '../../platform/throttle.ts';
import { recordAudit } from '../audit.ts';
import { enqueueMessage } from '../outbox/outbox.ts';
import type { Passwords } from '../people/passwords.ts';
import { activatePending, claimPendingValues, findPersonById, lockContactValues } from '../people/persons.ts';
import { signInSubject } from '../people/sign-in-guard.ts';
import { activationTokenState, issueActivationToken, useActivationToken } from './activation-tokens.ts';
import { activationLink, activationMail, homeLink, welcomeMail } from './mails.ts';
import { UNCONFIRMED } from './person-input.ts';

export type LinkProblem = 'invalid' | 'used' | 'expired' | 'taken';
export type ActivationResult =
  | { ok: true }
  | { ok: false; reason: LinkProblem }
  /** The password is not the registration's (nothing activated): `left` tries, or none (`limited`). */
  | { ok: false; reason: 'wrong_password'; left: number }
  | { ok: false; reason: 'limited' };
export type DiscardResult = { ok: true } | { ok: false; reason: LinkProblem };
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

/**
 * Issues the link of a pending account and queues its mail, in the caller's transaction. When another registration of
 * the same address already waits for its link, this one gets none (it cannot be activated; it is purged like any
 * registration without a live link): the address gets a new link of the waiting registration instead, with a mail
 * saying that one was made again and how to either activate the waiting one (its password) or discard it.
 */
export async function sendActivation(
  trx: Knex.Transaction,
  issuer: string,
  p: { personId: string; email: string; locale: Locale },
): Promise<void> {
  // Two registrations of one address at the same moment: one after the other (the second sees the first).
  await lockContactValues(trx, { email: p.email, national_id_index: null });
  const waiting = await trx('persons as p')
    .select('p.id')
    .where('p.status', 'pending')
    .whereNot('p.id', p.personId)
    .whereRaw('lower(p.email) = ?', [p.email.toLowerCase()])
    .whereExists(
      trx('activation_tokens as t')
        .whereRaw('t.person_id = p.id')
        .whereNull('t.used_at')
        .where('t.expires_at', '>', trx.fn.now()),
    )
    .orderBy('p.created_at')
    .first();
  const token = await issueActivationToken(trx, waiting?.id ?? p.personId);
  const link = activationLink(issuer, token);
  if (!waiting) {
    await enqueueMessage(trx, activationMail(p.locale, { to: p.email, link, home: homeLink(issuer) }));
    return;
  }
  const t = translator(p.locale);
  const brand = t('brand');
  await enqueueMessage(trx, {
    channel: 'email',
    to: p.email,
    kind: 'registration_waiting',
    subject: t('registration.mail.waitingSubject', { brand }),
    text: t('registration.mail.waitingText', { brand, link, home: homeLink(issuer) }),
  });
  await recordAudit(trx, { actor: p.personId, action: 'person.registration_repeated', subject: waiting.id });
}

/** What opening the link would do, without doing it (the page a mailed link opens asks to confirm first). */
export function activationState(db: Knex, token: string) {
  return activationTokenState(db, token);
}

/**
 * Activates the registration the link names if `password` is the one chosen at it. Wrong passwords count as failed
 * sign-ins of that account (SIGN_IN.account, the same subject as the sign-in page's): past its limit nothing is
 * checked until the window passes.
 */
export async function activateAccount(
  db: Knex,
  deps: { issuer: string; passwords: Passwords; throttle: Throttle },
  token: string,
  password: string,
): Promise<ActivationResult> {
  const named = await activationTokenState(db, token);
  if (named.state !== 'valid') return { ok: false, reason: named.state };
  const pending = await findPersonById(db, named.personId);
  if (!pending) return { ok: false, reason: 'invalid' };
  const hash = pending.password_hash;
  const { outcome, left } = await deps.throttle.attempt(SIGN_IN.account, signInSubject(pending, ''), async () =>
    hash ? !!password && deps.passwords.verify(password, hash) : deps.passwords.verifyDecoy(password).then(() => false),
  );
  if (outcome === 'limited') return { ok: false, reason: 'limited' };
  if (outcome === 'wrong') return { ok: false, reason: 'wrong_password', left };
  try {
    return await activate(db, deps.issuer, token);
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

/**
 * The person who opened the link says the registration is not theirs, or that they forgot its password: it goes
 * (the link proves the mailbox it waits for), so that the address can be registered again.
 */
export async function discardRegistration(db: Knex, token: string): Promise<DiscardResult> {
  return db.transaction(async (trx) => {
    const named = await activationTokenState(trx, token);
    if (named.state !== 'valid') return { ok: false, reason: named.state };
    const pending = await findPersonById(trx, named.personId);
    if (!pending) return { ok: false, reason: 'invalid' };
    await lockContactValues(trx, pending);
    const check = await useActivationToken(trx, token);
    if (check.state !== 'valid') return { ok: false, reason: check.state };
    await trx('persons').where({ id: check.personId, status: 'pending' }).delete();
    await recordAudit(trx, { actor: check.personId, action: 'person.registration_discarded', subject: check.personId });
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
  // The address's activation mails this hour, counted with the registrations' (REGISTRATION.mailsPerRecipient).
  if (!(await throttle.allow(REGISTRATION.mailsPerRecipient, person.email.toLowerCase()))) return 'limited';
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

// The mail to an address registered again while a registration of it waits (zh-TW first, English second).
const zh = {
  registration: {
    mail: {
      waitingSubject: '{{brand}}註冊通知：這個 Email 已經有一份註冊在等待啟用',
      waitingText:
        '有人（也許是您）剛才用這個 Email 註冊{{brand}}帳號。這個 Email 已經有一份較早的註冊在等待啟用，所以這次的註冊沒有建立帳號。\n\n請點選以下連結：\n\n{{link}}\n\n・如果較早的那份註冊是您申請的：在開啟的頁面輸入您當時設定的密碼，就能啟用帳號。\n・如果您不記得當時設定的密碼，或者您沒有申請：在同一個頁面按「這不是我的註冊，取消它」，之後就可以重新註冊。\n\n如果按下連結沒有任何作用，請將網址複製並貼入新的瀏覽器視窗中。這個連結 24 小時內有效，只能使用一次。如果您沒有申請任何帳號，也可以忽略這封信：沒有輸入密碼，就不會啟用任何帳號。\n\n{{brand}}敬上',
    },
  },
};

const en: typeof zh = {
  registration: {
    mail: {
      waitingSubject: '{{brand}}: a registration of this email address is already waiting',
      waitingText:
        'Someone (perhaps you) has just registered a {{brand}} account with this email address. An earlier registration of this address is still waiting to be activated, so no account was made this time.\n\nPlease open this link:\n\n{{link}}\n\n- If the earlier registration is yours: type the password you chose then on the page it opens, and your account is activated.\n- If you do not remember that password, or you did not register: on the same page press “This is not my registration, cancel it”; then you can register again.\n\nIf clicking the link does nothing, copy it into a new browser window. The link works once, within 24 hours. If you did not register at all, you may also ignore this mail: without the password no account is activated.\n\n{{brand}}',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
