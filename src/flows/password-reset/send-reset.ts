// Sends what a reset request asks for: a one-use link by email or a 6-digit code by SMS, to the verified address
// or number of an active person. Unknown targets get the same outcome (an SMS ticket with no person behind it).
import type { Knex } from 'knex';
import { recordAudit } from '../../domain/audit.ts';
import { enqueueMessage, type NewMessage } from '../../domain/outbox/outbox.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import { resetMail, resetSms, serviceUrl } from './messages.ts';
import { EMAIL_TOKEN_TTL_SECONDS, issueResetToken } from './reset-tokens.ts';
import { findResetRecipient, type ResetTarget } from './reset-target.ts';
import { issueSmsCode } from './sms-codes.ts';

export type ResetSent = { channel: 'email' } | { channel: 'sms'; ticket: string };

async function send(db: Knex, personId: string, message: NewMessage) {
  await db.transaction(async (trx) => {
    await enqueueMessage(trx, message);
    await recordAudit(trx, { actor: 'anonymous', action: 'password.reset_requested', subject: personId, detail: { via: message.channel } });
  });
}

export async function sendReset(
  deps: { db: Knex; shared: SharedStore; issuer: string },
  target: ResetTarget,
  interaction: string | undefined,
): Promise<ResetSent> {
  const person = await findResetRecipient(deps.db, target);
  if (target.channel === 'email') {
    if (person?.email) {
      const token = await issueResetToken(deps.shared, { personId: person.id, via: 'email', interaction }, EMAIL_TOKEN_TTL_SECONDS);
      await send(deps.db, person.id, resetMail(person.email, person.name, serviceUrl(deps.issuer, `/password/reset?token=${token}`)));
    }
    return { channel: 'email' };
  }
  const { ticket, code } = await issueSmsCode(deps.shared, person?.id ?? null, interaction);
  if (person?.mobile) await send(deps.db, person.id, resetSms(person.mobile, code));
  return { channel: 'sms', ticket };
}
