// Seeds the demo schools, people (with identities and guardian links) and the demo relying party. Safe to run again.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Keyring } from '../../platform/keyring.ts';
import { RELATIONSHIPS } from '../binding/relationships.ts';
import type { Binding } from '../binding/service.ts';
import { type ClientRegistry, ConfiguredClient, withIssuer } from '../clients/registry.ts';
import { createAccount } from '../enrolment/accounts.ts';
import { addIdentity } from '../identities/add-identity.ts';
import { ROLES } from '../identities/identities.ts';
import { maskName } from '../people/masks.ts';
import { sealNationalId } from '../people/national-id-store.ts';
import type { Passwords } from '../people/passwords.ts';
import { findPersonByLogin } from '../people/persons.ts';
import { ensureClass, NewSchool, upsertSchool } from '../schools/schools.ts';

const DemoFile = z.object({
  schools: z.array(NewSchool),
  people: z.array(
    z.object({
      username: z.string(),
      password: z.string(),
      name: z.string(),
      email: z.string(),
      mobile: z.string().optional(),
      gender: z.enum(['male', 'female', 'other']).optional(),
      birthdate: z.string().optional(),
      national_id: z.string().optional(),
      identities: z.array(
        z.object({
          role: z.enum(ROLES),
          /** None for the bureau's own identity. */
          school: z.string().optional(),
          class: z.string().optional(),
          homeroom: z.string().optional(),
          attributes: z.record(z.string(), z.unknown()).optional(),
        }),
      ),
    }),
  ),
  guardians: z.array(z.object({ parent: z.string(), child: z.string(), relationship: z.string() })),
  /** Binding applications waiting for the homeroom teacher's review (sent from the parent's verified email). */
  bindings: z
    .array(
      z.object({
        child: z.string(),
        relationship: z.enum(RELATIONSHIPS),
        parent: z.object({ name: z.string(), email: z.string(), mobile: z.string(), national_id: z.string() }),
      }),
    )
    .default([]),
  client: ConfiguredClient,
});
export type DemoData = z.infer<typeof DemoFile>;

const demoFile = new URL('../../../config/demo.json', import.meta.url);

export function readDemoData(): DemoData {
  return DemoFile.parse(JSON.parse(fs.readFileSync(demoFile, 'utf8')));
}

export type SeedServices = {
  db: Knex;
  keyring: Keyring;
  passwords: Passwords;
  clients: ClientRegistry;
  binding: Binding;
};

export async function seedDemo(s: SeedServices, issuer: string): Promise<void> {
  const { db } = s;
  const demo = readDemoData();
  for (const school of demo.schools) {
    if (!(await db('schools').where({ code: school.code }).first())) await upsertSchool(db, school);
  }
  for (const p of demo.people) {
    if (await findPersonByLogin(db, p.username)) continue;
    const passwordHash = await s.passwords.hash(p.password);
    // A person whole or not at all: a later start skips anyone already there, so it could not mend a half one.
    await db.transaction(async (trx) => {
      const { personId } = await createAccount(trx, {
        person: {
          username: p.username,
          email: p.email,
          emailVerified: true,
          name: p.name,
          mobile: p.mobile,
          gender: p.gender,
          birthdate: p.birthdate,
          nationalId: p.national_id ? sealNationalId(s.keyring, p.national_id) : undefined,
          passwordHash,
        },
        actor: 'seed-demo',
        audit: { action: 'person.created' },
      });
      for (const i of p.identities) {
        const identityId = await addIdentity(trx, {
          personId,
          schoolCode: i.school,
          role: i.role,
          classCode: i.class,
          attributes: i.attributes,
          source: 'roster',
          actor: 'seed-demo',
        });
        if (i.homeroom && i.school) {
          const school = (await trx('schools').where({ code: i.school }).first())!;
          const classId = await ensureClass(trx, school, i.homeroom);
          await trx('classes').where({ id: classId }).update({ homeroom_identity_id: identityId });
        }
      }
    });
  }
  for (const g of demo.guardians) {
    const parent = await findPersonByLogin(db, g.parent);
    const child = await findPersonByLogin(db, g.child);
    const studentIdentity = child && (await db('identities').where({ person_id: child.id, role: 'student' }).first());
    if (!parent || !studentIdentity) continue;
    await db('guardian_links')
      .insert({
        id: crypto.randomUUID(),
        parent_person_id: parent.id,
        student_identity_id: studentIdentity.id,
        relationship: g.relationship,
        approved_by: 'seed-demo',
        approved_at: db.fn.now(),
      })
      .onConflict(['parent_person_id', 'student_identity_id'])
      .ignore();
  }
  for (const b of demo.bindings) {
    const contact = { kind: 'email' as const, value: b.parent.email };
    if (await db('binding_applications').where({ contact_kind: 'email', contact: contact.value }).first()) continue;
    const child = await findPersonByLogin(db, b.child);
    const identity =
      child &&
      (await db('identities as i')
        .join('schools as s', 's.code', 'i.school_code')
        .select('i.id', 's.code', 's.name')
        .where({ 'i.person_id': child.id, 'i.role': 'student' })
        .first());
    if (!child || !identity) continue;
    const signedAt = new Date().toISOString();
    await s.binding.submit({
      contact,
      students: [
        {
          identityId: identity.id,
          relationship: b.relationship,
          maskedName: maskName(child.name),
          school: { code: identity.code, name: identity.name },
        },
      ],
      parent: { nationalId: b.parent.national_id, name: b.parent.name, email: b.parent.email, mobile: b.parent.mobile },
      signature: {
        name: b.parent.name,
        at: signedAt,
        address: 'seed-demo',
        userAgent: 'seed-demo',
        sha256: crypto
          .createHash('sha256')
          .update(JSON.stringify({ demo: b, signedAt }))
          .digest('hex'),
      },
    });
  }
  await s.clients.upsert(withIssuer(demo.client, issuer), 'seed-demo');
}
