// Sign-outs everywhere still owed to a person (migration 0029): queued in the transaction of the change that calls for
// them (a new password, a lock), so that a failure before they are done cannot leave the old sessions alive; the
// request that queued one runs it at once (oidc/person-access.ts), and every process retries what is left.
import crypto from 'node:crypto';
import type { Knex } from 'knex';

export type PendingSignOut = {
  id: string;
  personId: string;
  /** The provider session of the browser in use: it stays signed in. */
  keep?: string;
  reason: string;
  actor?: string;
  /** Sessions signed in and grants given after this moment stay (they came after the change). */
  before: Date;
};

type Row = {
  id: string;
  person_id: string;
  keep_session: string | null;
  reason: string;
  actor: string | null;
  before: Date;
};

/** How long the request that queued a sign-out, or a retry that claimed it, holds it before another may try. */
const LEASE_SECONDS = 60;

const toPending = (r: Row): PendingSignOut => ({
  id: r.id,
  personId: r.person_id,
  keep: r.keep_session ?? undefined,
  reason: r.reason,
  actor: r.actor ?? undefined,
  before: r.before,
});

/**
 * Queues a sign-out everywhere; `trx` is the transaction of the change that calls for it, `before` its time (the
 * password's change time, which the provider compares sign-ins with: oidc/configuration.ts findAccount).
 */
export async function queueSignOut(
  trx: Knex,
  s: { personId: string; keep?: string; reason: string; actor?: string; before?: Date },
): Promise<PendingSignOut> {
  const [row] = (await trx('pending_sign_outs')
    .insert({
      id: crypto.randomUUID(),
      person_id: s.personId,
      keep_session: s.keep ?? null,
      reason: s.reason,
      actor: s.actor ?? null,
      before: s.before ?? trx.raw('now()'),
      locked_until: trx.raw(`now() + interval '${LEASE_SECONDS} seconds'`),
    })
    .returning(['id', 'person_id', 'keep_session', 'reason', 'actor', 'before'])) as Row[];
  return toPending(row!);
}

/** Claims up to `limit` sign-outs nobody holds (FOR UPDATE SKIP LOCKED: each goes to one process), under a lease. */
export async function claimSignOuts(db: Knex, limit = 20): Promise<PendingSignOut[]> {
  const { rows } = (await db.raw(
    `update pending_sign_outs set attempts = attempts + 1, locked_until = now() + interval '${LEASE_SECONDS} seconds'
      where id in (select id from pending_sign_outs where locked_until <= now()
                    order by created_at limit ? for update skip locked)
      returning id, person_id, keep_session, reason, actor, before`,
    [limit],
  )) as { rows: Row[] };
  return rows.map(toPending);
}

/** The sign-out is done. */
export async function settleSignOut(db: Knex, id: string): Promise<void> {
  await db('pending_sign_outs').where({ id }).delete();
}
