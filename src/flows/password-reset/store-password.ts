// Stores a new password: the hash, the forced-change flag cleared, the time, the audit entry and the
// notification, in one transaction.
import type { Knex } from 'knex';
import { hashPassword } from '../../domain/people/passwords.ts';
import { type AuditEvent, recordAudit } from '../../domain/audit.ts';
import { enqueueMessage, type NewMessage } from '../../domain/outbox/outbox.ts';

export type PasswordChange = {
  personId: string;
  password: string;
  bcryptCost: number;
  changedAt: Date;
  audit: AuditEvent;
  notification?: NewMessage;
};

export async function storeNewPassword(db: Knex, change: PasswordChange): Promise<void> {
  const hash = await hashPassword(change.password, change.bcryptCost);
  await db.transaction(async (trx) => {
    await trx('persons').where({ id: change.personId }).update({
      password_hash: hash,
      must_change_password: false,
      password_changed_at: change.changedAt,
      updated_at: trx.fn.now(),
    });
    await recordAudit(trx, change.audit);
    if (change.notification) await enqueueMessage(trx, change.notification);
  });
}
