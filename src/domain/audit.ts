// The audit log: who changed what, and every sign-in. Never put secrets or personal data in `detail`.
import type { Knex } from 'knex';
import { z } from 'zod';
import { prepared } from '../platform/storage/prepared.ts';

export type AuditEvent = { actor: string; action: string; subject?: string; detail?: Record<string, unknown> };

/** Writes one entry; pass the transaction of the change it records. (Every sign-in writes one: prepared.) */
export async function recordAudit(db: Knex, event: AuditEvent): Promise<void> {
  await prepared(db, 'insert into audit_events (actor, action, subject, detail) values (?, ?, ?, ?)', [
    event.actor,
    event.action,
    event.subject ?? null,
    JSON.stringify(event.detail ?? {}),
  ]);
}

export type SignInEvent = { at: Date; success: boolean; reason?: string; clientId?: string; upstream?: string };

const Detail = z
  .object({
    reason: z.string().max(64).optional(),
    client: z.string().max(200).optional(),
    /** Signed in with another account (issue 13): which upstream. */
    upstream: z.string().max(40).optional(),
  })
  .catch({});

/** A JSON value read back from storage (text or already parsed); a broken one is an empty object. */
export function json(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return {};
  }
}

export class Audit {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  record(event: AuditEvent): Promise<void> {
    return recordAudit(this.#db, event);
  }

  /** A person's last sign-ins (the sign-in step writes `sign_in.success` / `sign_in.failure`), newest first. */
  async recentSignIns(personId: string, limit = 20): Promise<SignInEvent[]> {
    const rows: { at: Date; action: string; detail: unknown }[] = await this.#db('audit_events')
      .select('at', 'action', 'detail')
      .where({ subject: personId })
      // Sign-ins, each once: not the second factor's step of one (sign_in.second_factor) as another.
      .whereIn('action', ['sign_in.success', 'sign_in.failure'])
      .orderBy('at', 'desc')
      .limit(limit);
    return rows.map((r) => {
      const detail = Detail.parse(json(r.detail));
      const success = r.action === 'sign_in.success';
      return {
        at: r.at,
        success,
        reason: success ? undefined : detail.reason,
        clientId: detail.client,
        upstream: detail.upstream,
      };
    });
  }
}
