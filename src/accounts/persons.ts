// Queries on people (the `sub` of every token is a person's id).
import crypto from 'node:crypto';
import type { Knex } from 'knex';

export type Person = {
  id: string;
  username: string | null;
  email: string | null;
  email_verified: boolean;
  name: string;
  password_hash: string | null;
  must_change_password: boolean;
  status: 'pending' | 'active' | 'locked' | 'disabled';
  locale: string | null;
};

export type NewPerson = { username?: string; email?: string; name: string; passwordHash: string; emailVerified?: boolean };

export function findPersonById(db: Knex, id: string): Promise<Person | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return Promise.resolve(undefined);
  return db('persons').where({ id }).first();
}

/** Finds a person by custom username or email, case-insensitively. */
export function findPersonByLogin(db: Knex, login: string): Promise<Person | undefined> {
  const key = login.trim().toLowerCase();
  return db('persons')
    .whereRaw('lower(username) = ?', [key])
    .orWhereRaw('lower(email) = ?', [key])
    .first();
}

export async function insertPerson(db: Knex, person: NewPerson): Promise<Person> {
  const [row] = await db('persons')
    .insert({
      id: crypto.randomUUID(),
      username: person.username ?? null,
      email: person.email?.toLowerCase() ?? null,
      email_verified: person.emailVerified ?? false,
      name: person.name,
      password_hash: person.passwordHash,
    })
    .returning('*');
  return row as Person;
}

export async function updatePasswordHash(db: Knex, id: string, hash: string): Promise<void> {
  await db('persons').where({ id }).update({ password_hash: hash, updated_at: db.fn.now() });
}
