// Guardian links a school vouches for (its roster names the parent of the student), as opposed to those the binding
// review approves: made approved at once, or reopened when one had ended; never a second copy.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { recordAudit } from '../audit.ts';

/** Links the parent to the student's identity; true when a link was made or reopened. */
export async function linkGuardianFromRoster(
  trx: Knex.Transaction,
  q: { parentId: string; studentIdentityId: string; relationship: string; schoolCode: string; actor: string },
): Promise<boolean> {
  const open = await trx('guardian_links')
    .where({ parent_person_id: q.parentId, student_identity_id: q.studentIdentityId })
    .whereNotNull('approved_at')
    .whereNull('ended_at')
    .first('id');
  if (open) return false;
  const [link] = await trx('guardian_links')
    .insert({
      id: crypto.randomUUID(),
      parent_person_id: q.parentId,
      student_identity_id: q.studentIdentityId,
      relationship: q.relationship,
      approved_by: `roster:${q.schoolCode}`,
      approved_at: trx.fn.now(),
    })
    .onConflict(['parent_person_id', 'student_identity_id'])
    .merge({
      relationship: q.relationship,
      approved_by: `roster:${q.schoolCode}`,
      approved_at: trx.fn.now(),
      ended_at: null,
      ended_by: null,
      ended_reason: null,
    })
    .returning('id');
  await recordAudit(trx, {
    actor: q.actor,
    action: 'binding.linked_from_roster',
    subject: q.parentId,
    detail: { link: link.id, school: q.schoolCode, relationship: q.relationship },
  });
  return true;
}
