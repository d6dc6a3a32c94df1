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

export async function addIdentity(db: Knex, input: NewIdentity): Promise<string> {
  if (!ROLES.includes(input.role)) throw new Error(`unknown role: ${input.role} (one of ${ROLES.join(', ')})`);
  return db.transaction(async (tx) => {
    const school = input.schoolCode ? await findSchool(tx, input.schoolCode) : undefined;
    if (input.schoolCode && !school) throw new Error(`unknown school: ${input.schoolCode}`);
    const classId = input.classCode && school ? await ensureClass(tx, school, input.classCode) : null;
    const id = crypto.randomUUID();
    const attributes = { ...(input.attributes ?? {}), ...(input.classCode ? { class: input.classCode } : {}) };
    await tx('identities').insert({
      id,
      person_id: input.personId,
      school_code: school?.code ?? null,
      role: input.role,
      class_id: classId,
      attributes: JSON.stringify(attributes),
      source: input.source,
      status: input.status ?? 'active',
    });
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
