// Attaching a claimed credential's identity to a person, inside the caller's transaction: the credential is locked
// and marked claimed (false when it was claimed first), the identity added with `source: 'roster'`.
import type { Knex } from 'knex';
import { addIdentity } from '../../domain/identities/add-identity.ts';
import { recordAudit } from '../../domain/audit.ts';
import { claimCredential } from './credentials.ts';

export async function attachRosterIdentity(trx: Knex.Transaction, credentialId: string, personId: string): Promise<boolean> {
  const row = await trx('roster_credentials').where({ id: credentialId }).forUpdate().first();
  if (!row || row.claimed_by_person_id || !(await claimCredential(trx, credentialId, personId))) return false;
  const attributes: Record<string, unknown> = {};
  if (row.seat !== null) attributes.seat = row.seat;
  if (row.student_no !== null) attributes.student_no = row.student_no;
  const identityId = await addIdentity(trx, {
    personId, schoolCode: row.school_code, role: row.role, classCode: row.class_code ?? undefined, attributes, source: 'roster', actor: personId,
  });
  await recordAudit(trx, {
    actor: personId, action: 'roster_credential.claimed', subject: personId,
    detail: { identity: identityId, school: row.school_code, role: row.role, source: 'roster' },
  });
  return true;
}
