// Changing the password: the current one (wrong tries are counted), then the policy for the new one.
import type { Knex } from 'knex';
import { checkPasswordPolicy } from '../../domain/people/password-policy.ts';
import { hashPassword, verifyPassword } from '../../domain/people/passwords.ts';
import type { Person } from '../../domain/people/persons.ts';
import { recordAudit } from '../../domain/audit.ts';
import { enqueueMessage, type NewMessage } from '../../domain/outbox/outbox.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';

type Deps = { db: Knex; shared: SharedStore; bcryptCost: number };

export const PASSWORD_TRIES = { max: 5, windowSeconds: 900 } as const;

/** Field → i18n key of its problem. */
export type PasswordErrors = Partial<Record<'current' | 'next' | 'confirm', string>>;

export type PasswordResult = { ok: true } | { ok: false; errors: PasswordErrors; locked?: boolean };

const failKey = (personId: string) => `account:password-fail:${personId}`;

export async function changePassword(
  deps: Deps,
  c: { person: Person; current: string; next: string; confirm: string; notice?: NewMessage },
): Promise<PasswordResult> {
  const { person } = c;
  if ((await deps.shared.count(failKey(person.id))) >= PASSWORD_TRIES.max) {
    return { ok: false, locked: true, errors: { current: 'account.password.locked' } };
  }
  const errors: PasswordErrors = {};
  const currentOk = !!c.current && !!person.password_hash && (await verifyPassword(c.current, person.password_hash));
  if (!c.current) errors.current = 'account.password.required';
  else if (!currentOk) {
    await deps.shared.increment(failKey(person.id), PASSWORD_TRIES.windowSeconds);
    errors.current = 'account.password.wrongCurrent';
  }
  const problem = c.next ? checkPasswordPolicy(c.next, { username: person.username, email: person.email, name: person.name }) : 'account.password.required';
  if (problem) errors.next = problem;
  else if (currentOk && c.next === c.current) errors.next = 'account.password.same';
  if (!errors.next && c.confirm !== c.next) errors.confirm = 'account.password.mismatch';
  if (Object.keys(errors).length) return { ok: false, errors };

  const hash = await hashPassword(c.next, deps.bcryptCost);
  await deps.db.transaction(async (trx) => {
    await trx('persons').where({ id: person.id }).update({
      password_hash: hash, password_changed_at: trx.fn.now(), must_change_password: false, updated_at: trx.fn.now(),
    });
    await recordAudit(trx, { actor: person.id, action: 'person.password_changed', subject: person.id, detail: { via: 'account' } });
    if (c.notice) await enqueueMessage(trx, c.notice);
  });
  await deps.shared.reset(failKey(person.id));
  return { ok: true };
}
