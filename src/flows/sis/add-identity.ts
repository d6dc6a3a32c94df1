// "變更酷課雲身份": the signed-in person gets the identity the school verified. Their national ID must be the pushed
// one; an identity they already have is an answer ('exists'); their own unconfirmed one of that kind at that
// school becomes active; otherwise the identity is added. One transaction, audited.
import type { Knex } from 'knex';
import { addIdentity } from '../../domain/identities/add-identity.ts';
import type { Keyring } from '../../platform/keyring.ts';
import { recordAudit } from '../../domain/audit.ts';
import { UNCONFIRMED } from '../registration/deps.ts';
import type { PushBody } from './payload.ts';

export type AddResult = 'added' | 'exists' | 'mismatch';

export async function addSisIdentity(
  db: Knex, keyring: Keyring, input: { personId: string; clientId: string; person: PushBody },
): Promise<AddResult> {
  const p = input.person;
  const index = keyring.blindIndex('national-id-index', p.national_id);
  return db.transaction(async (trx): Promise<AddResult> => {
    const me = await trx('persons').where({ id: input.personId }).forUpdate().first('national_id_index');
    if (!me || me.national_id_index !== index) return 'mismatch';
    const same = { person_id: input.personId, role: p.role, school_code: p.school_code };
    if (await trx('identities').where({ ...same, status: 'active' }).first('id')) return 'exists';
    const attributes = { ...(p.seat ? { seat: p.seat } : {}), ...(p.student_number ? { student_no: p.student_number } : {}) };
    const own = await trx('identities').where({ ...same, status: UNCONFIRMED }).orderBy('created_at').first('id', 'attributes');
    if (own) {
      await trx('identities').where({ id: own.id }).update({
        status: 'active', source: 'sis', attributes: JSON.stringify({ ...(own.attributes ?? {}), ...attributes, ...(p.class ? { class: p.class } : {}) }),
      });
      await recordAudit(trx, {
        actor: input.personId, action: 'identity.confirmed', subject: input.personId,
        detail: { identity: own.id, role: p.role, school: p.school_code, source: 'sis', client: input.clientId },
      });
      return 'added';
    }
    await addIdentity(trx, {
      personId: input.personId, schoolCode: p.school_code, role: p.role, classCode: p.class, attributes, source: 'sis', actor: input.personId,
    });
    await recordAudit(trx, { actor: input.clientId, action: 'sis.identity_added', subject: input.personId, detail: { role: p.role, school: p.school_code } });
    return 'added';
  });
}
