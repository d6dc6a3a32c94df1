// Whether a national ID already has an account, and (given a role, and maybe a school) that identity: what the
// school-affairs system needs to grey out its "申請酷課雲帳號" / "變更酷課雲身份" buttons.
import type { Knex } from 'knex';
import { findPersonIdByNationalId } from '../../domain/people/national-id-store.ts';
import type { Keyring } from '../../platform/keyring.ts';

export async function lookupPerson(
  db: Knex, keyring: Keyring, q: { nationalId: string; role?: string; schoolCode?: string },
): Promise<{ has_account: boolean; has_identity: boolean }> {
  const personId = await findPersonIdByNationalId(db, keyring, q.nationalId);
  if (!personId) return { has_account: false, has_identity: false };
  if (!q.role) return { has_account: true, has_identity: false };
  const identity = await db('identities')
    .where({ person_id: personId, role: q.role, status: 'active' })
    .modify((b) => { if (q.schoolCode) b.where({ school_code: q.schoolCode }); })
    .first('id');
  return { has_account: true, has_identity: !!identity };
}
