// Identities (身分): a person's roles at schools, as relying parties receive them.
import type { Knex } from 'knex';
import { className } from '../schools/classes.ts';

export const ROLES = ['student', 'teacher', 'staff', 'principal', 'parent', 'school_admin', 'bureau_admin'] as const;
export type Role = (typeof ROLES)[number];

export type IdentityClaim = {
  id: string;
  role: Role;
  school?: { code: string; name: string };
  class?: { code: string; name: string };
  seat?: number;
  student_no?: string;
  title?: string;
};

export type IdentityRow = {
  id: string;
  role: Role;
  attributes: Record<string, unknown> | string;
  school_code: string | null;
  school_name: string | null;
  class_code: string | null;
  class_name: string | null;
};

function attrs(row: IdentityRow): Record<string, unknown> {
  return typeof row.attributes === 'string'
    ? (JSON.parse(row.attributes) as Record<string, unknown>)
    : (row.attributes ?? {});
}

export function toIdentityClaim(row: IdentityRow): IdentityClaim {
  const a = attrs(row);
  const classCode = row.class_code ?? (typeof a.class === 'string' ? a.class : undefined);
  const claim: IdentityClaim = { id: row.id, role: row.role };
  if (row.school_code) claim.school = { code: row.school_code, name: row.school_name ?? row.school_code };
  if (classCode) claim.class = { code: classCode, name: row.class_name ?? className(classCode) };
  if (typeof a.seat === 'number') claim.seat = a.seat;
  if (typeof a.student_no === 'string') claim.student_no = a.student_no;
  if (typeof a.title === 'string') claim.title = a.title;
  return claim;
}

function identityQuery(db: Knex) {
  return (
    db('identities as i')
      .leftJoin('schools as s', 's.code', 'i.school_code')
      .leftJoin('classes as c', 'c.id', 'i.class_id')
      .select(
        'i.id',
        'i.role',
        'i.attributes',
        'i.school_code',
        's.name as school_name',
        'c.code as class_code',
        'c.name as class_name',
      )
      .where('i.status', 'active')
      // An identity whose school roster dropped it ends with the semester.
      .andWhere((q) => q.whereNull('i.ended_at').orWhere('i.ended_at', '>', db.fn.now()))
  );
}

export async function activeIdentities(db: Knex, personId: string): Promise<IdentityClaim[]> {
  const rows: IdentityRow[] = await identityQuery(db).where('i.person_id', personId).orderBy('i.created_at');
  return rows.map(toIdentityClaim);
}

/** The identities a client accepts (client metadata `allowed_roles`; none listed means every role). */
export function acceptedBy<T extends { role: string }>(identities: T[], allowedRoles: unknown): T[] {
  if (!Array.isArray(allowedRoles) || allowedRoles.length === 0) return identities;
  return identities.filter((i) => allowedRoles.includes(i.role));
}

export type Child = {
  sub: string;
  name: string;
  school?: IdentityClaim['school'];
  class?: IdentityClaim['class'];
  relationship: string;
};

/** A child as the guardian-link query yields it (childrenOf, and the identity menu's one query in account.ts). */
export type ChildRow = IdentityRow & { person_id: string; person_name: string; relationship: string };

export function toChild(r: ChildRow): Child {
  const claim = toIdentityClaim(r);
  return {
    sub: r.person_id,
    name: r.person_name,
    school: claim.school,
    class: claim.class,
    relationship: r.relationship,
  };
}

/** The students a parent is bound to (approved guardian links). */
export async function childrenOf(db: Knex, parentId: string): Promise<Child[]> {
  const rows: ChildRow[] = await identityQuery(db)
    .join('guardian_links as g', 'g.student_identity_id', 'i.id')
    .join('persons as p', 'p.id', 'i.person_id')
    .select('p.id as person_id', 'p.name as person_name', 'g.relationship')
    .where('g.parent_person_id', parentId)
    .whereNotNull('g.approved_at')
    .whereNull('g.ended_at')
    .orderBy('p.name');
  return rows.map(toChild);
}
