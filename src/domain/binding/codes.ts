// Binding codes (issue 12): the homeroom teacher (or the school) prints a code for one student, valid 7 days; the
// parent who types it (or scans its QR code) in step 1 needs no birth date or student number, and their application
// is approved at once. Only a keyed digest of the code is stored; a code is used once. A student has at most one code
// that works: the teacher sees it again (a reload, another visit) until it is used or expires, and a new one is made
// only when asked for, which stops the old one at once. The code is worked out again from its row's id with a key
// (never stored, in clear or sealed), so that the page can show it again.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { recordAudit } from '../audit.ts';
import { notEnded } from '../people/current-identity.ts';

/** 8 characters without look-alikes (no 0/O, 1/I/L), shown in two groups of four, e.g. K7Q4-M2ZP. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_DAYS = 7;

export const normaliseCode = (input: string) => input.toUpperCase().replace(/[\s-]/g, '');
export const isCodeShape = (input: string) => new RegExp(`^[${ALPHABET}]{8}$`).test(normaliseCode(input));
export const showCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/** The code of the row `id`: a keyed digest of the id, written in the alphabet (256 bits for 8 letters). */
function codeOf(keyring: Keyring, id: string): string {
  let n = BigInt(`0x${Buffer.from(keyring.blindIndex('binding-code', `code-of:${id}`), 'base64url').toString('hex')}`);
  const base = BigInt(ALPHABET.length);
  let code = '';
  for (let i = 0; i < 8; i++) {
    code += ALPHABET[Number(n % base)];
    n /= base;
  }
  return code;
}

const indexOf = (keyring: Keyring, code: string) => keyring.blindIndex('binding-code', code);

/** Students a reviewer may print codes for: those of the classes they are the homeroom teacher of. */
export async function homeroomStudents(db: Knex, reviewer: string) {
  const rows: {
    identity_id: string;
    name: string;
    class_name: string;
    school_name: string;
    attributes: unknown;
    code_until: Date | string | null;
  }[] = await db('identities as si')
    .join('persons as p', 'p.id', 'si.person_id')
    .join('classes as c', 'c.id', 'si.class_id')
    .join('identities as ti', 'ti.id', 'c.homeroom_identity_id')
    .join('schools as s', 's.code', 'si.school_code')
    .select('si.id as identity_id', 'p.name', 'c.name as class_name', 's.name as school_name', 'si.attributes')
    .select(
      db.raw(
        '(select max(bc.expires_at) from binding_codes bc where bc.student_identity_id = si.id and bc.used_at is null and bc.expires_at > now()) as code_until',
      ),
    )
    .where({ 'ti.person_id': reviewer, 'ti.status': 'active', 'si.role': 'student', 'si.status': 'active' })
    // Ended identities print nothing: the teacher's (no longer the homeroom teacher) nor the student's (left).
    .whereRaw(notEnded('ti'))
    .whereRaw(notEnded('si'))
    .orderByRaw("coalesce((si.attributes->>'seat')::int, 999), p.name");
  return rows.map((r) => {
    const attrs = (typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes) as { seat?: number };
    return {
      identityId: r.identity_id,
      name: r.name,
      className: r.class_name,
      school: r.school_name,
      seat: attrs?.seat,
      /** Until when the student's code works, if one does. */
      codeUntil: r.code_until ? new Date(r.code_until) : undefined,
    };
  });
}

type CodeStudent = { name: string; className: string; school: string };

/** The student's code that works now (and whether it can be shown: one made before codes were worked out from their
 * row cannot), and when a code of theirs was last used; undefined when `reviewer` prints no codes for the student. */
export async function currentCode(
  db: Knex,
  keyring: Keyring,
  q: { reviewer: string; identityId: string },
): Promise<
  | {
      student: CodeStudent;
      live?: { code?: string; issuedAt: Date; expiresAt: Date };
      lastUsedAt?: Date;
    }
  | undefined
> {
  const student = (await homeroomStudents(db, q.reviewer)).find((s) => s.identityId === q.identityId);
  if (!student) return undefined;
  const [live, used] = await Promise.all([
    db('binding_codes')
      .select('id', 'code_index', 'created_at', 'expires_at')
      .where({ student_identity_id: q.identityId })
      .whereNull('used_at')
      .where('expires_at', '>', db.fn.now())
      .orderBy('created_at', 'desc')
      .first(),
    db('binding_codes').max('used_at as at').where({ student_identity_id: q.identityId }).first(),
  ]);
  const code = live && codeOf(keyring, live.id);
  return {
    student: { name: student.name, className: student.className, school: student.school },
    live: live && {
      code: code && indexOf(keyring, code) === live.code_index ? code : undefined,
      issuedAt: new Date(live.created_at),
      expiresAt: new Date(live.expires_at),
    },
    lastUsedAt: used?.at ? new Date(used.at) : undefined,
  };
}

/**
 * A new code for the student, valid 7 days; any code of theirs that still works stops working now (`replaced`).
 * Two at once (a double click) are made one after the other: the student's row is locked.
 */
export async function issueCode(
  db: Knex,
  keyring: Keyring,
  q: { reviewer: string; identityId: string },
): Promise<{ code: string; expiresAt: Date; student: CodeStudent; replaced: number } | undefined> {
  const student = (await homeroomStudents(db, q.reviewer)).find((s) => s.identityId === q.identityId);
  if (!student) return undefined;
  const id = crypto.randomUUID();
  const code = codeOf(keyring, id);
  const expiresAt = new Date(Date.now() + CODE_DAYS * 86_400_000);
  const replaced = await db.transaction(async (trx) => {
    const school = await trx('identities').select('school_code').where({ id: q.identityId }).forUpdate().first();
    const old: { id: string }[] = await trx('binding_codes')
      .where({ student_identity_id: q.identityId })
      .whereNull('used_at')
      .where('expires_at', '>', trx.fn.now())
      .update({ expires_at: trx.fn.now() })
      .returning('id');
    await trx('binding_codes').insert({
      id,
      code_index: indexOf(keyring, code),
      student_identity_id: q.identityId,
      school_code: school.school_code,
      issued_by: q.reviewer,
      expires_at: expiresAt,
    });
    await recordAudit(trx, {
      actor: q.reviewer,
      action: 'binding.code_issued',
      subject: q.identityId,
      detail: { code: id, expires: expiresAt.toISOString(), ...(old.length ? { replaces: old.map((o) => o.id) } : {}) },
    });
    return old.length;
  });
  return {
    code,
    expiresAt,
    student: { name: student.name, className: student.className, school: student.school },
    replaced,
  };
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
    .where({ code_index: indexOf(keyring, normaliseCode(input)) })
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
