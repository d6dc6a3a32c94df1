// Seeds the demo school, people (teacher, student, parent) and the demo relying party. Safe to run again.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Knex } from 'knex';
import { z } from 'zod';
import { hashPassword } from '../accounts/passwords.ts';
import { findPersonByLogin, insertPerson } from '../accounts/persons.ts';
import { ConfiguredClient, upsertClient, withIssuer } from '../config/clients.ts';
import { recordAudit } from '../db/audit.ts';

const DemoFile = z.object({
  school: z.object({ code: z.string(), name: z.string(), level: z.string(), kind: z.string() }),
  people: z.array(
    z.object({
      username: z.string(),
      password: z.string(),
      name: z.string(),
      email: z.string(),
      identity: z.object({ role: z.string(), attributes: z.record(z.string(), z.unknown()) }),
    }),
  ),
  client: ConfiguredClient,
});
export type DemoData = z.infer<typeof DemoFile>;

const demoFile = new URL('../../config/demo.json', import.meta.url);

export function readDemoData(): DemoData {
  return DemoFile.parse(JSON.parse(fs.readFileSync(demoFile, 'utf8')));
}

export async function seedDemo(db: Knex, issuer: string, bcryptCost: number): Promise<void> {
  const demo = readDemoData();
  await db('schools').insert(demo.school).onConflict('code').ignore();
  for (const p of demo.people) {
    if (await findPersonByLogin(db, p.username)) continue;
    await db.transaction(async (tx) => {
      const person = await insertPerson(tx, {
        username: p.username, email: p.email, emailVerified: true, name: p.name,
        passwordHash: await hashPassword(p.password, bcryptCost),
      });
      await tx('identities').insert({
        id: crypto.randomUUID(), person_id: person.id, school_code: demo.school.code,
        role: p.identity.role, attributes: JSON.stringify(p.identity.attributes), source: 'roster',
      });
      await recordAudit(tx, { actor: 'seed-demo', action: 'person.created', subject: person.id });
    });
  }
  await upsertClient(db, withIssuer(demo.client, issuer), 'seed-demo');
}
