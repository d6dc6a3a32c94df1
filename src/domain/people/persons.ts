// Every query on `persons` (the `sub` of every token is a person's id). Functions take the database or the
// transaction they run in.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { prepared } from '../../platform/storage/prepared.ts';
import { hasNul } from '../../platform/stored-json.ts';
import { isUuid } from '../../platform/uuid.ts';
import type { AuditEvent } from '../audit.ts';

/** A national ID at rest: sealed for display, blind-indexed for lookup (national-id-store.ts). */
export type SealedNationalId = { sealed: string; index: string };

export type PersonStatus = 'pending' | 'active' | 'locked' | 'disabled';
export type Gender = 'male' | 'female' | 'other';
export const GENDERS = ['male', 'female', 'other'] as const satisfies readonly Gender[];

export type Person = {
  id: string;
  username: string | null;
  email: string | null;
  email_verified: boolean;
  name: string;
  password_hash: string | null;
  must_change_password: boolean;
  status: PersonStatus;
  locale: string | null;
  mobile: string | null;
  mobile_verified: boolean;
  gender: Gender | null;
  birthdate: Date | string | null;
  /** 聯絡電話: a number to reach the person by (registration's, or a binding's unproved mobile); never a login. */
  contact_phone: string | null;
  national_id_sealed: string | null;
  national_id_index: string | null;
  password_changed_at: Date | null;
};

export type NewPerson = {
  /** Chosen beforehand when something must name the person before the row exists (a link mailed with it). */
  id?: string;
  username?: string;
  email?: string;
  emailVerified?: boolean;
  name: string;
  passwordHash: string;
  mustChangePassword?: boolean;
  status?: PersonStatus;
  locale?: string;
  mobile?: string;
  gender?: Gender;
  birthdate?: string;
  /** The contact phone of the registration form (a landline or a mobile, as typed and normalised). */
  contactPhone?: string;
  nationalId?: SealedNationalId;
};

/**
 * Taiwan mobile numbers in the one form we store: `0912345678` (from `0912-345-678`, `+886 912 345 678`, and the
 * full-width `０９１２－３４５－６７８` a Chinese input method types: NFKC makes its digits and signs ASCII).
 */
export function normaliseMobile(input: string): string | undefined {
  const digits = input
    .normalize('NFKC')
    .replace(/[\s()-]/g, '')
    .replace(/^\+?886/, '0');
  return /^09\d{8}$/.test(digits) ? digits : undefined;
}

export function findPersonById(db: Knex, id: string): Promise<Person | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('persons').where({ id }).first();
}

/**
 * A login as typed, in one form: Unicode-normalised (full-width letters and digits, odd spaces), trimmed, lower-case;
 * a mobile number in any spelling becomes `09xxxxxxxx`.
 */
export function normaliseLogin(login: string): string {
  const key = login.normalize('NFKC').trim().toLowerCase();
  return normaliseMobile(key) ?? key;
}

/**
 * Finds a person by custom username, email or mobile number (case-insensitive, in any spelling). Registrations still
 * waiting for their email may share an address with each other: an account that holds it comes first, then the
 * newest registration.
 */
export async function findPersonByLogin(db: Knex, login: string): Promise<Person | undefined> {
  const match = loginMatch(login);
  if (!match) return undefined;
  const { rows } = await prepared<{ rows: Person[] }>(
    db,
    `select * from persons where ${match.where} order by ${LOGIN_ORDER} limit 1`,
    match.bindings,
  );
  return rows[0];
}

/** findPersonByLogin's order: an account that holds the login first, then the newest registration. */
export const LOGIN_ORDER = "(persons.status = 'pending'), persons.created_at desc";

/**
 * The condition on `persons` that a login names a person (none for a login PostgreSQL cannot hold): one of two
 * constant texts (with the mobile number or without), so that a statement built on it can be prepared.
 */
export function loginMatch(login: string): { where: string; bindings: string[] } | undefined {
  if (hasNul(login)) return undefined;
  const key = normaliseLogin(login);
  const mobile = normaliseMobile(key);
  const names = 'lower(persons.username) = ? or lower(persons.email) = ?';
  return mobile
    ? { where: `(${names} or persons.mobile = ?)`, bindings: [key, key, mobile] }
    : { where: `(${names})`, bindings: [key, key] };
}

/** The one way a person row is written. */
export async function insertPerson(db: Knex, person: NewPerson): Promise<Person> {
  const [row] = await db('persons')
    .insert({
      id: person.id ?? crypto.randomUUID(),
      username: person.username ?? null,
      email: person.email?.toLowerCase() ?? null,
      email_verified: person.emailVerified ?? false,
      name: person.name,
      password_hash: person.passwordHash,
      must_change_password: person.mustChangePassword ?? false,
      status: person.status ?? 'active',
      locale: person.locale ?? null,
      mobile: person.mobile ?? null,
      mobile_verified: !!person.mobile,
      gender: person.gender ?? null,
      birthdate: person.birthdate ?? null,
      contact_phone: person.contactPhone ?? null,
      national_id_sealed: person.nationalId?.sealed ?? null,
      national_id_index: person.nationalId?.index ?? null,
    })
    .returning('*');
  return row as Person;
}

/**
 * The same password hashed anew (another cost or scheme, at a sign-in), compare-and-set: only while `verified`, the
 * hash the password was just checked against, is still the stored one. A new password saved meanwhile (every new
 * hash differs, bcrypt and argon2id salt each one) is left as it is: false. A password change holds the row
 * (saveNewPassword) until it commits, and this update waits for it and then finds another hash.
 */
export async function rehashPassword(db: Knex, id: string, verified: string, hash: string): Promise<boolean> {
  const changed = await db('persons')
    .where({ id, password_hash: verified })
    .update({ password_hash: hash, updated_at: db.fn.now() });
  return changed > 0;
}

/**
 * After a sign-in's password matched the row read before it: whether the person's password still is that row's
 * (`version`, its password_changed_at: every new password moves it on to a later second, a rehash leaves it) and the
 * database's time of this read, in whole seconds (`readAt`: the sign-in's time, auth_time). FOR KEY SHARE: a password
 * change in progress holds the row FOR UPDATE from before it takes its time until it commits, so this read waits for
 * it and then sees its version; a change that comes after this read takes its time after it (see
 * People.checkPassword). `audit`: the sign-in's entry, written by the same statement when the password still is the
 * person's (nothing otherwise), so the check costs no statement of its own.
 */
export async function confirmPasswordVersion(
  db: Knex,
  id: string,
  version: Date | null,
  audit?: AuditEvent,
): Promise<{ unchanged: boolean; readAt: number } | undefined> {
  const { rows } = await prepared<{ rows: { unchanged: boolean; read_at: number }[] }>(
    db,
    `with current as (
       select floor(extract(epoch from password_changed_at))::float8 is not distinct from ?::float8 as unchanged,
              floor(extract(epoch from statement_timestamp()))::float8 as read_at
         from persons where id = ? for key share
     ), audited as (
       insert into audit_events (actor, action, subject, detail)
       select ?::text, ?::text, ?::text, ?::jsonb from current where unchanged and ?::text is not null
     )
     select unchanged, read_at from current`,
    [
      version === null ? null : Math.floor(new Date(version).getTime() / 1000),
      id,
      audit?.actor ?? null,
      audit?.action ?? null,
      audit?.subject ?? null,
      JSON.stringify(audit?.detail ?? {}),
      audit?.actor ?? null,
    ],
  );
  const row = rows[0];
  return row && { unchanged: row.unchanged, readAt: row.read_at };
}

/**
 * Saves a new password (chosen by the person: a forced change is cleared), inside the change's transaction; returns
 * its time, password_changed_at, the cut-off the provider compares sign-ins with. The row is held FOR UPDATE first,
 * then the database's clock is let pass into the next whole second (up to a second, the row held), and the time is
 * read after that: every sign-in that read the old password (confirmPasswordVersion) before the row was held did so
 * in an earlier second than the change's time, and every one after waits for the commit and sees the new password.
 * At least a second after the previous change's, so that the version moves on whatever the clock did.
 */
export async function saveNewPassword(trx: Knex.Transaction, id: string, hash: string): Promise<Date> {
  await trx.raw('select 1 from persons where id = ? for update', [id]);
  await trx.raw(
    'select pg_sleep(1 - (t - floor(t))) from (select extract(epoch from clock_timestamp())::float8 as t) as now',
  );
  const [row] = (await trx('persons')
    .where({ id })
    .update({
      password_hash: hash,
      must_change_password: false,
      password_changed_at: trx.raw(
        "greatest(clock_timestamp(), date_trunc('second', password_changed_at) + interval '1 second')",
      ),
      updated_at: trx.fn.now(),
    })
    .returning('password_changed_at')) as { password_changed_at: Date }[];
  if (!row) throw new Error('person disappeared');
  return row.password_changed_at;
}

export type ContactKind = 'email' | 'mobile';

/** A person's email and mobile and whether each was proved: where a notice about a change may go (notices.ts). */
export type VerifiedContacts = Pick<Person, 'email' | 'email_verified' | 'mobile' | 'mobile_verified'>;

/** Saves a verified email address or mobile number; returns the contacts it had before. */
export async function updateContact(
  trx: Knex.Transaction,
  id: string,
  kind: ContactKind,
  value: string,
): Promise<VerifiedContacts> {
  const previous: VerifiedContacts | undefined = await trx('persons')
    .select('email', 'email_verified', 'mobile', 'mobile_verified')
    .where({ id })
    .forUpdate()
    .first();
  if (!previous) throw new Error('person disappeared');
  const change = kind === 'email' ? { email: value, email_verified: true } : { mobile: value, mobile_verified: true };
  await trx('persons')
    .where({ id })
    .update({ ...change, updated_at: trx.fn.now() });
  return previous;
}

/**
 * Sets the contact phone (聯絡電話), or clears it (null), holding the row for the rest of the transaction; returns the
 * one it had before and the contacts the change's notice may go to (undefined: nobody has this id).
 */
export async function updateContactPhone(
  trx: Knex.Transaction,
  id: string,
  phone: string | null,
): Promise<({ contact_phone: string | null } & VerifiedContacts) | undefined> {
  const previous: ({ contact_phone: string | null } & VerifiedContacts) | undefined = await trx('persons')
    .select('contact_phone', 'email', 'email_verified', 'mobile', 'mobile_verified')
    .where({ id })
    .forUpdate()
    .first();
  if (!previous || previous.contact_phone === phone) return previous;
  await trx('persons').where({ id }).update({ contact_phone: phone, updated_at: trx.fn.now() });
  return previous;
}

export async function updateLocale(db: Knex, id: string, locale: string): Promise<void> {
  await db('persons').where({ id }).update({ locale, updated_at: db.fn.now() });
}

/** A pending person becomes active with a verified email; undefined when it was not pending. */
export async function activatePending(
  db: Knex,
  id: string,
): Promise<{ id: string; email: string | null; locale: string | null } | undefined> {
  const [person] = await db('persons')
    .where({ id, status: 'pending' })
    .update({ status: 'active', email_verified: true, updated_at: db.fn.now() })
    .returning(['id', 'email', 'locale']);
  return person;
}

/** The active person whose verified email address or mobile number this is. */
export function findByVerifiedContact(db: Knex, kind: ContactKind, value: string): Promise<Person | undefined> {
  const q = db('persons').where({ status: 'active' });
  if (kind === 'email')
    return q.whereRaw('lower(email) = ?', [value.toLowerCase()]).andWhere({ email_verified: true }).first();
  return q.where({ mobile: value, mobile_verified: true }).first();
}

/**
 * Whether someone else (a registration still waiting included) holds this email address or mobile number: what the
 * unique indexes would refuse when it is saved (setContact), asked before a code is sent to it.
 */
export async function contactHeldByOther(
  db: Knex,
  personId: string,
  kind: ContactKind,
  value: string,
): Promise<boolean> {
  const others = db('persons').select('id').whereNot({ id: personId });
  const holder = await (kind === 'email'
    ? others.whereRaw('lower(email) = ?', [value.toLowerCase()])
    : others.where({ mobile: value })
  ).first();
  return !!holder;
}

/**
 * Whether anyone uses `email` as their email or username — a registration still waiting for its activation link
 * included ('pending' when only such a one does): an address someone has started to register with is not another's
 * to take (a binding application's new parent: the approval would make it their login).
 */
export async function emailHeld(db: Knex, email: string): Promise<'account' | 'pending' | undefined> {
  const key = email.toLowerCase();
  const rows: { status: string }[] = await db('persons')
    .select('status')
    .where((q) => q.whereRaw('lower(email) = ?', [key]).orWhereRaw('lower(username) = ?', [key]))
    .limit(5);
  if (!rows.length) return undefined;
  return rows.some((r) => r.status !== 'pending') ? 'account' : 'pending';
}

/** Whether anyone has this mobile number as theirs (the sign-in number, whatever their status). */
export async function mobileHeld(db: Knex, mobile: string): Promise<boolean> {
  return !!(await db('persons').where({ mobile }).first('id'));
}

/** The status of whoever uses this email address as their email or username. */
export async function emailHolderStatus(db: Knex, email: string): Promise<PersonStatus | undefined> {
  const key = email.toLowerCase();
  const holder = await db('persons')
    .select('status')
    .whereNot({ status: 'pending' })
    .andWhere((q) => q.whereRaw('lower(email) = ?', [key]).orWhereRaw('lower(username) = ?', [key]))
    .first();
  return holder?.status;
}

/** Whose national ID this is: an account that holds it (registrations still waiting for their email hold nothing). */
export async function findPersonIdByNationalIdIndex(db: Knex, index: string): Promise<string | undefined> {
  const row = await db('persons')
    .select('id')
    .where({ national_id_index: index })
    .whereNot({ status: 'pending' })
    .first();
  return row?.id;
}

/**
 * Serialises changes to who holds an email address or national ID (advisory locks, in a fixed order, until the
 * transaction ends). Take it before locking any row of the change, so two confirmations cannot wait on each other.
 */
export async function lockContactValues(
  trx: Knex.Transaction,
  person: Pick<Person, 'email' | 'national_id_index'>,
): Promise<void> {
  const keys = [
    person.email && `email:${person.email.toLowerCase()}`,
    person.national_id_index && `nid:${person.national_id_index}`,
  ]
    .filter((k): k is string => !!k)
    .sort();
  for (const k of keys) await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [k]);
}

/**
 * On confirming a registration: other registrations still waiting for the same email address or national ID are
 * removed (whoever proves their address first wins), and whether an account already holds either is told.
 * Serialised per address and ID (advisory locks, in a fixed order), inside the caller's transaction.
 */
export async function claimPendingValues(
  trx: Knex.Transaction,
  person: Pick<Person, 'id' | 'email' | 'national_id_index'>,
): Promise<{ taken: boolean; superseded: string[] }> {
  await lockContactValues(trx, person);
  const same = (q: Knex.QueryBuilder) =>
    q.where((w) => {
      if (person.email) w.orWhereRaw('lower(email) = ?', [person.email.toLowerCase()]);
      if (person.national_id_index) w.orWhere({ national_id_index: person.national_id_index });
    });
  const holders: { id: string; status: PersonStatus }[] = await same(
    trx('persons').select('id', 'status').whereNot({ id: person.id }),
  );
  if (holders.some((h) => h.status !== 'pending')) return { taken: true, superseded: [] };
  const superseded = holders.map((h) => h.id);
  if (superseded.length) await trx('persons').whereIn('id', superseded).delete();
  return { taken: false, superseded };
}

/** Registrations whose every activation link has expired: nothing of them is kept. */
export async function purgeExpiredRegistrations(db: Knex): Promise<number> {
  return db('persons')
    .where({ status: 'pending' })
    .whereNotExists(
      db('activation_tokens as t').whereRaw('t.person_id = persons.id').andWhere('t.expires_at', '>', db.fn.now()),
    )
    .andWhere('created_at', '<', db.raw("now() - interval '1 hour'"))
    .delete();
}

/** The person's national-ID index, with the row locked for the rest of the transaction. */
export async function lockedNationalIdIndex(trx: Knex.Transaction, id: string): Promise<string | null | undefined> {
  const row = await trx('persons').where({ id }).forUpdate().first('national_id_index');
  return row ? row.national_id_index : undefined;
}
