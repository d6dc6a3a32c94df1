// The mailed link, opened: the person becomes active with a verified email, and gets the welcome mail.
import { recordAudit } from '../../domain/audit.ts';
import { LOCALES, type Locale } from '../../platform/i18n/index.ts';
import { enqueueMessage } from '../../domain/outbox/outbox.ts';
import { useActivationToken } from './activation-tokens.ts';
import { type AccountDeps, UNCONFIRMED } from './deps.ts';
import { homeLink, welcomeMail } from './mails.ts';

export type ActivationResult = { ok: true } | { ok: false; reason: 'invalid' | 'used' | 'expired' };

export const localeOf = (value: unknown): Locale => (LOCALES.includes(value as Locale) ? (value as Locale) : 'zh-TW');

export async function activateAccount(deps: Pick<AccountDeps, 'db' | 'issuer'>, token: string): Promise<ActivationResult> {
  return deps.db.transaction(async (trx) => {
    const check = await useActivationToken(trx, token);
    if (check.state !== 'valid') return { ok: false, reason: check.state };
    const [person] = await trx('persons')
      .where({ id: check.personId, status: 'pending' })
      .update({ status: 'active', email_verified: true, updated_at: trx.fn.now() })
      .returning(['id', 'email', 'locale']);
    if (!person) return { ok: false, reason: 'used' };
    const identity = await trx('identities as i')
      .leftJoin('schools as s', 's.code', 'i.school_code')
      .select('i.role', 'i.source', 's.name as school')
      .where({ 'i.person_id': person.id })
      .where((b) => b.where({ 'i.source': 'self', 'i.status': UNCONFIRMED }).orWhere({ 'i.source': 'sis', 'i.status': 'active' }))
      .orderBy('i.created_at')
      .first();
    await enqueueMessage(trx, welcomeMail(localeOf(person.locale), {
      to: person.email, home: homeLink(deps.issuer), school: identity?.school ?? '', role: identity?.role ?? '',
      verified: identity?.source === 'sis',
    }));
    await recordAudit(trx, { actor: person.id, action: 'person.activated', subject: person.id, detail: { email_verified: true } });
    return { ok: true };
  });
}
