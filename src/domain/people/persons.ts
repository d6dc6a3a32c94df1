// Queries on people (the `sub` of every token is a person's id).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { SealedNationalId } from './national-id-store.ts';

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
  mobile: string | null;
  mobile_verified: boolean;
  gender: 'male' | 'female' | 'other' | null;
  birthdate: Date | string | null;
  national_id_sealed: string | null;
  national_id_index: string | null;
  password_changed_at: Date | null;
};

export type NewPerson = {
  username?: string;
  email?: string;
  name: string;
  passwordHash: string;
  emailVerified?: boolean;
  mobile?: string;
  gender?: 'male' | 'female' | 'other';
  birthdate?: string;
  nationalId?: SealedNationalId;
  mustChangePassword?: boolean;
};

export function findPersonById(db: Knex, id: string): Promise<Person | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return Promise.resolve(undefined);
  return db('persons').where({ id }).first();
}

/** Taiwan mobile numbers in the one form we store: `0912345678` (from `0912-345-678`, `+886 912 345 678`, ...). */
export function normaliseMobile(input: string): string | undefined {
  const digits = input.replace(/[\s()-]/g, '').replace(/^\+?886/, '0');
  return /^09\d{8}$/.test(digits) ? digits : undefined;
}

/** Finds a person by custom username, email or mobile number (case-insensitive). */
export function findPersonByLogin(db: Knex, login: string): Promise<Person | undefined> {
  const key = login.trim().toLowerCase();
  const mobile = normaliseMobile(key);
  return db('persons')
    .whereRaw('lower(username) = ?', [key])
    .orWhereRaw('lower(email) = ?', [key])
    .modify((q) => {
      if (mobile) q.orWhere('mobile', mobile);
    })
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
      mobile: person.mobile ?? null,
      mobile_verified: !!person.mobile,
      gender: person.gender ?? null,
      birthdate: person.birthdate ?? null,
      national_id_sealed: person.nationalId?.sealed ?? null,
      national_id_index: person.nationalId?.index ?? null,
      must_change_password: person.mustChangePassword ?? false,
    })
    .returning('*');
  return row as Person;
}

export async function updatePasswordHash(db: Knex, id: string, hash: string): Promise<void> {
  await db('persons').where({ id }).update({ password_hash: hash, updated_at: db.fn.now() });
}
