// "Send the activation mail again" for a pending account: a new link (earlier ones stay good until they expire),
// at most 3 times an hour per person, counted in the shared store so every server process counts together.
import { recordAudit } from '../../domain/audit.ts';
import { enqueueMessage } from '../../domain/outbox/outbox.ts';
import { localeOf } from './activate.ts';
import { issueActivationToken } from './activation-tokens.ts';
import type { AccountDeps } from './deps.ts';
import { activationLink, activationMail, homeLink } from './mails.ts';

export const RESEND_LIMIT = 3;
export const RESEND_WINDOW_SECONDS = 3600;

export type ResendResult = 'sent' | 'limited' | 'not_pending';

export async function resendActivation(deps: Pick<AccountDeps, 'db' | 'shared' | 'issuer'>, personId: string): Promise<ResendResult> {
  const person = await deps.db('persons').select('id', 'email', 'locale', 'status').where({ id: personId }).first();
  if (!person || person.status !== 'pending' || !person.email) return 'not_pending';
  if ((await deps.shared.increment(`registration:resend:${personId}`, RESEND_WINDOW_SECONDS)) > RESEND_LIMIT) return 'limited';
  await deps.db.transaction(async (trx) => {
    const token = await issueActivationToken(trx, personId);
    await enqueueMessage(trx, activationMail(localeOf(person.locale), {
      to: person.email, link: activationLink(deps.issuer, token), home: homeLink(deps.issuer),
    }));
    await recordAudit(trx, { actor: personId, action: 'person.activation_resent', subject: personId });
  });
  return 'sent';
}
