// Binding codes (issue 12): the homeroom teacher (or the school) prints a code for one student, valid 7 days; the
// parent who types it (or scans its QR code) in step 1 needs no birth date or student number, and their application
// is approved at once. Only a keyed digest of the code is stored; a code is used once.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { recordAudit } from '../audit.ts';

/** 8 characters without look-alikes (no 0/O, 1/I/L), shown in two groups of four, e.g. K7Q4-M2ZP. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_DAYS = 7;

export const normaliseCode = (input: string) => input.toUpperCase().replace(/[\s-]/g, '');
export const isCodeShape = (input: string) => new RegExp(`^[${ALPHABET}]{8}$`).test(normaliseCode(input));
export const showCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

function newCode(): string {
  return Array.from({ length: 8 }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join('');
}

/** Students a reviewer may print codes for: those of the classes they are the homeroom teacher of. */
export async function homeroomStudents(db: Knex, reviewer: string) {
  const rows: { identity_id: string; name: string; class_name: string; school_name: string; attributes: unknown }[] =
    await db('identities as si')
      .join('persons as p', 'p.id', 'si.person_id')
      .join('classes as c', 'c.id', 'si.class_id')
      .join('identities as ti', 'ti.id', 'c.homeroom_identity_id')
      .join('schools as s', 's.code', 'si.school_code')
      .select('si.id as identity_id', 'p.name', 'c.name as class_name', 's.name as school_name', 'si.attributes')
      .where({ 'ti.person_id': reviewer, 'ti.status': 'active', 'si.role': 'student', 'si.status': 'active' })
      .orderByRaw("coalesce((si.attributes->>'seat')::int, 999), p.name");
  return rows.map((r) => {
    const attrs = (typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes) as { seat?: number };
    return {
      identityId: r.identity_id,
      name: r.name,
      className: r.class_name,
      school: r.school_name,
      seat: attrs?.seat,
    };
  });
}

export async function issueCode(
  db: Knex,
  keyring: Keyring,
  q: { reviewer: string; identityId: string },
): Promise<
  { code: string; expiresAt: Date; student: { name: string; className: string; school: string } } | undefined
> {
  const student = (await homeroomStudents(db, q.reviewer)).find((s) => s.identityId === q.identityId);
  if (!student) return undefined;
  const school = await db('identities').select('school_code').where({ id: q.identityId }).first();
  const code = newCode();
  const expiresAt = new Date(Date.now() + CODE_DAYS * 86_400_000);
  await db.transaction(async (trx) => {
    const id = crypto.randomUUID();
    await trx('binding_codes').insert({
      id,
      code_index: keyring.blindIndex('binding-code', code),
      student_identity_id: q.identityId,
      school_code: school.school_code,
      issued_by: q.reviewer,
      expires_at: expiresAt,
    });
    await recordAudit(trx, {
      actor: q.reviewer,
      action: 'binding.code_issued',
      subject: q.identityId,
      detail: { code: id, expires: expiresAt.toISOString() },
    });
  });
  return { code, expiresAt, student };
}

/** The unused, unexpired code's id and student, or undefined. */
export async function findCode(
  db: Knex,
  keyring: Keyring,
  input: string,
): Promise<{ id: string; identityId: string } | undefined> {
  if (!isCodeShape(input)) return undefined;
  const row = await db('binding_codes')
    .select('id', 'student_identity_id')
    .where({ code_index: keyring.blindIndex('binding-code', normaliseCode(input)) })
    .whereNull('used_at')
    .where('expires_at', '>', db.fn.now())
    .first();
  return row && { id: row.id, identityId: row.student_identity_id };
}

/** Uses the code for an application, in the caller's transaction; false when it was used or expired meanwhile. */
export async function useCode(trx: Knex.Transaction, codeId: string, identityId: string, applicationId: string) {
  const n = await trx('binding_codes')
    .where({ id: codeId, student_identity_id: identityId })
    .whereNull('used_at')
    .where('expires_at', '>', trx.fn.now())
    .update({ used_at: trx.fn.now(), application_id: applicationId });
  return n === 1;
}
