// Adding identities to people (registration, the school-affairs push, rosters, the CLI, the bureau console, seeds),
// always audited.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { recordAudit } from '../audit.ts';
import { ensureClass, findSchool } from '../schools/schools.ts';
import { ROLES, type Role } from './identities.ts';

export type NewIdentity = {
  personId: string;
  schoolCode?: string;
  role: Role;
  classCode?: string;
  attributes?: Record<string, unknown>;
  /** `bureau`: granted in the bureau console. */
  source: 'self' | 'sis' | 'roster' | 'binding' | 'bureau';
  /** `unconfirmed`: declared by the person, waiting for the school (the person is a general member until then). */
  status?: 'active' | 'unconfirmed';
  actor: string;
};

/**
 * A person holds one current identity of a role at a school (the unique index identities_one_per_role, migration 0031):
 * adding a second is refused with the one they have.
 */
export class IdentityExists extends Error {
  readonly identityId: string;
  constructor(identityId: string) {
    super('the person already has that identity at that school');
    this.identityId = identityId;
  }
}

/** The person's identity of that role at that school that has not ended (one ending later counts), locked. */
export async function currentIdentity(
  trx: Knex.Transaction,
  personId: string,
  role: Role,
  schoolCode: string,
): Promise<{ id: string; ended_at: Date | null; attributes: Record<string, unknown> | null } | undefined> {
  return (
    trx('identities')
      .where({ person_id: personId, role, school_code: schoolCode, status: 'active' })
      .where((q) => q.whereNull('ended_at').orWhere('ended_at', '>', trx.fn.now()))
      // One not ending first: the one a restore could not make a second of.
      .orderByRaw('ended_at is not null, created_at')
      .forUpdate()
      .first('id', 'ended_at', 'attributes')
  );
}

export async function addIdentity(db: Knex, input: NewIdentity): Promise<string> {
  if (!ROLES.includes(input.role)) throw new Error(`unknown role: ${input.role} (one of ${ROLES.join(', ')})`);
  return db.transaction(async (tx) => {
    const school = input.schoolCode ? await findSchool(tx, input.schoolCode) : undefined;
    if (input.schoolCode && !school) throw new Error(`unknown school: ${input.schoolCode}`);
    const classId = input.classCode && school ? await ensureClass(tx, school, input.classCode) : null;
    const id = crypto.randomUUID();
    const attributes = { ...(input.attributes ?? {}), ...(input.classCode ? { class: input.classCode } : {}) };
    // A second current identity of the role at the school is not written (one made at the same moment included: the
    // insert waits for it and then does nothing); the one there is named instead.
    const inserted = await tx('identities')
      .insert({
        id,
        person_id: input.personId,
        school_code: school?.code ?? null,
        role: input.role,
        class_id: classId,
        attributes: JSON.stringify(attributes),
        source: input.source,
        status: input.status ?? 'active',
      })
      .onConflict(tx.raw("(person_id, role, school_code) where status = 'active' and ended_at is null"))
      .ignore()
      .returning('id');
    if (!inserted.length) {
      const there = await tx('identities')
        .where({ person_id: input.personId, role: input.role, school_code: school?.code ?? null, status: 'active' })
        .whereNull('ended_at')
        .first('id');
      throw new IdentityExists(there?.id ?? '');
    }
    await recordAudit(tx, {
      actor: input.actor,
      action: 'identity.added',
      subject: input.personId,
      detail: {
        identity: id,
        role: input.role,
        school: school?.code,
        source: input.source,
        status: input.status ?? 'active',
      },
    });
    return id;
  });
}
