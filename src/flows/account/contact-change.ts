// Changing the email address or mobile number: a code goes to the new one; the right code saves it, verified.
import type { Knex } from 'knex';
import { recordAudit } from '../../domain/audit.ts';
import { enqueueMessage, type NewMessage } from '../../domain/outbox/outbox.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import { CODE, codeMatches, type ContactKind, hashCode, newCode, pendingKey, savePending, sendCountKey, takePending } from './contact-code.ts';

type Deps = { db: Knex; shared: SharedStore; bcryptCost: number };

export type RequestResult = { ok: true } | { ok: false; reason: 'rate_limited' };

/** Stores the pending change and queues the code to the new address (`compose` words the message). */
export async function requestCode(
  deps: Deps,
  r: { personId: string; kind: ContactKind; to: string; compose: (code: string) => NewMessage },
): Promise<RequestResult> {
  const sent = await deps.shared.increment(sendCountKey(r.personId), 3600);
  if (sent > CODE.sendsPerHour) return { ok: false, reason: 'rate_limited' };
  const code = newCode();
  const exp = Date.now() + CODE.ttlSeconds * 1000;
  await savePending(deps.shared, pendingKey(r.kind, r.personId), { to: r.to, hash: await hashCode(code, deps.bcryptCost), exp, tries: 0 });
  await enqueueMessage(deps.db, r.compose(code));
  return { ok: true };
}

export type ConfirmResult =
  | { ok: true; to: string }
  | { ok: false; reason: 'expired' }
  | { ok: false; reason: 'wrong'; to: string; triesLeft: number }
  | { ok: false; reason: 'too_many' | 'taken'; to: string };

/** Checks the code; the right one saves the new value (with `notice`, if any, queued in the same transaction). */
export async function confirmCode(
  deps: Deps,
  c: { personId: string; kind: ContactKind; code: string; notice?: (previous: { email: string | null }) => NewMessage | undefined },
): Promise<ConfirmResult> {
  const key = pendingKey(c.kind, c.personId);
  const pending = await takePending(deps.shared, key);
  if (!pending) return { ok: false, reason: 'expired' };
  if (!(await codeMatches(c.code, pending))) {
    const tries = pending.tries + 1;
    if (tries >= CODE.maxTries) return { ok: false, reason: 'too_many', to: pending.to };
    await savePending(deps.shared, key, { ...pending, tries });
    return { ok: false, reason: 'wrong', to: pending.to, triesLeft: CODE.maxTries - tries };
  }
  try {
    await saveContact(deps.db, c.personId, c.kind, pending.to, c.notice);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') return { ok: false, reason: 'taken', to: pending.to };
    throw err;
  }
  return { ok: true, to: pending.to };
}

async function saveContact(
  db: Knex, personId: string, kind: ContactKind, value: string, notice?: (previous: { email: string | null }) => NewMessage | undefined,
): Promise<void> {
  await db.transaction(async (trx) => {
    const previous: { email: string | null } | undefined = await trx('persons').select('email').where({ id: personId }).forUpdate().first();
    if (!previous) throw new Error('person disappeared');
    const change = kind === 'email' ? { email: value, email_verified: true } : { mobile: value, mobile_verified: true };
    await trx('persons').where({ id: personId }).update({ ...change, updated_at: trx.fn.now() });
    await recordAudit(trx, { actor: personId, action: `person.${kind}_changed`, subject: personId, detail: { via: 'account', verified: true } });
    const message = notice?.(previous);
    if (message) await enqueueMessage(trx, message);
  });
}
