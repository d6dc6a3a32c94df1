// The audit log: who changed what. Never put secrets or personal data in `detail`.
import type { Knex } from 'knex';

export type AuditEvent = { actor: string; action: string; subject?: string; detail?: Record<string, unknown> };

export async function recordAudit(db: Knex, event: AuditEvent): Promise<void> {
  await db('audit_events').insert({
    actor: event.actor,
    action: event.action,
    subject: event.subject ?? null,
    detail: JSON.stringify(event.detail ?? {}),
  });
}
