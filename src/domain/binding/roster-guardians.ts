// The school roster's guardians (name, mobile, relationship per student) and the per-school switch that lets a
// binding whose parent matches them be approved at once.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { recordAudit } from '../audit.ts';
import { normaliseMobile } from '../people/persons.ts';
import { isRelationship } from './relationships.ts';

export type GuardianRow = { studentNo: string; name: string; mobile: string; relationship: string };
export type RowError = { row: number; problem: string };

/** Replaces the school's roster guardians, all or nothing; rows are numbered from 1 as in the file. */
export async function replaceRosterGuardians(
  db: Knex,
  q: { school: string; rows: GuardianRow[]; actor: string },
): Promise<{ ok: true; count: number } | { ok: false; errors: RowError[] }> {
  return db.transaction(async (trx) => {
    const errors: RowError[] = [];
    const inserts: Record<string, unknown>[] = [];
    for (const [i, r] of q.rows.entries()) {
      const student = await trx('identities')
        .select('id')
        .where({ school_code: q.school, role: 'student', status: 'active' })
        .whereRaw("attributes->>'student_no' = ?", [r.studentNo])
        .first();
      const mobile = normaliseMobile(r.mobile);
      if (!student) errors.push({ row: i + 1, problem: `no student with number ${r.studentNo} at ${q.school}` });
      else if (!r.name.trim()) errors.push({ row: i + 1, problem: 'no name' });
      else if (!mobile) errors.push({ row: i + 1, problem: `not a mobile number: ${r.mobile}` });
      else if (!isRelationship(r.relationship))
        errors.push({ row: i + 1, problem: `unknown relationship: ${r.relationship}` });
      else
        inserts.push({
          id: crypto.randomUUID(),
          school_code: q.school,
          student_identity_id: student.id,
          name: r.name.trim(),
          mobile,
          relationship: r.relationship,
        });
    }
    if (errors.length) return { ok: false as const, errors };
    await trx('roster_guardians').where({ school_code: q.school }).delete();
    if (inserts.length) await trx('roster_guardians').insert(inserts);
    await recordAudit(trx, {
      actor: q.actor,
      action: 'binding.roster_guardians_replaced',
      subject: q.school,
      detail: { rows: inserts.length },
    });
    return { ok: true as const, count: inserts.length };
  });
}

export async function setAutoApprove(db: Knex, q: { school: string; on: boolean; actor: string }): Promise<boolean> {
  return db.transaction(async (trx) => {
    const n = await trx('schools').where({ code: q.school }).update({ binding_auto_approve: q.on });
    if (n)
      await recordAudit(trx, {
        actor: q.actor,
        action: 'binding.auto_approve_set',
        subject: q.school,
        detail: { on: q.on },
      });
    return n > 0;
  });
}

/**
 * Whether the application's parent is the roster's guardian of its student, at a school that approves such at once.
 * `mobile` must be a number the parent proved (see Binding.submit): a typed one is no proof.
 */
export async function matchesRoster(
  db: Knex,
  a: { studentIdentityId: string; schoolCode: string; name: string; mobile: string | null; relationship: string },
): Promise<boolean> {
  if (!a.mobile) return false;
  const row = await db('roster_guardians as g')
    .join('schools as s', 's.code', 'g.school_code')
    .where({
      'g.student_identity_id': a.studentIdentityId,
      'g.school_code': a.schoolCode,
      'g.mobile': a.mobile,
      'g.relationship': a.relationship,
      's.binding_auto_approve': true,
    })
    .where('g.name', a.name.trim())
    .first();
  return !!row;
}
