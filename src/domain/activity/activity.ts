// Queries on person_grants and person_sessions: which grants and provider sessions belong to a person.
import type { Knex } from 'knex';
import { prepared } from '../../platform/storage/prepared.ts';

export type Authorization = {
  personId: string;
  clientId: string;
  grantId?: string;
  sessionUid: string;
  browser?: string;
};

// Values by position, not by name: such a statement goes straight to knex's client (prepared.ts).
const AUTHORIZATION_SQL = `
  with session as (
    insert into person_sessions (session_uid, person_id, browser) values (?, ?, ?)
    on conflict (session_uid) do update
      set person_id = excluded.person_id, browser = excluded.browser, last_seen_at = now()
  )
  insert into person_grants (grant_id, person_id, client_id)
  select ?, ?, ? where ?::text is not null
  on conflict (grant_id) do update set last_used_at = now()`;

/**
 * After a successful authorization, in one statement: the session it came from and (`recordGrant`) the grant it used.
 * The account pages' own client records no grant.
 */
export async function recordAuthorization(db: Knex, a: Authorization, recordGrant: boolean): Promise<void> {
  const grantId = (recordGrant && a.grantId) || null;
  await prepared(db, AUTHORIZATION_SQL, [
    a.sessionUid,
    a.personId,
    a.browser ?? null,
    grantId,
    a.personId,
    a.clientId,
    grantId,
  ]);
}

export async function recordSession(
  db: Knex,
  s: { personId: string; sessionUid: string; browser?: string },
): Promise<void> {
  await db('person_sessions')
    .insert({ session_uid: s.sessionUid, person_id: s.personId, browser: s.browser ?? null })
    .onConflict('session_uid')
    .merge({ person_id: s.personId, browser: s.browser ?? null, last_seen_at: db.fn.now() });
}

/** A token was issued or refreshed with this grant. */
export async function touchGrant(db: Knex, grantId: string): Promise<void> {
  await db('person_grants').where({ grant_id: grantId }).update({ last_used_at: db.fn.now() });
}

/** The grant's record and the identity chosen for it, in one statement (never one without the other). */
export async function forgetGrant(db: Knex, grantId: string): Promise<void> {
  await db.raw(
    'with forgotten as (delete from person_grants where grant_id = ?) delete from grant_identities where grant_id = ?',
    [grantId, grantId],
  );
}

export async function forgetSession(db: Knex, sessionUid: string): Promise<void> {
  await db('person_sessions').where({ session_uid: sessionUid }).delete();
}

/** Rows idle longer than any grant or session lives (14 days): run with the other periodic purges. */
export async function purgeAccountActivity(db: Knex, olderThanDays = 30): Promise<void> {
  const cutoff = new Date(Date.now() - olderThanDays * 86_400_000);
  await db('person_grants').where('last_used_at', '<', cutoff).delete();
  await db('person_sessions').where('last_seen_at', '<', cutoff).delete();
}

export type GrantRow = { grant_id: string; client_id: string; created_at: Date; last_used_at: Date };

/** The grants recorded for a person (optionally to one client), oldest first. */
export function grantsOf(db: Knex, personId: string, clientId?: string): Promise<GrantRow[]> {
  return db('person_grants')
    .where({ person_id: personId, ...(clientId ? { client_id: clientId } : {}) })
    .orderBy('created_at');
}

export type SessionRow = { session_uid: string; browser: string | null; created_at: Date; last_seen_at: Date };

/** The provider sessions recorded for a person, most recently seen first. */
export function sessionsOf(db: Knex, personId: string): Promise<SessionRow[]> {
  return db('person_sessions').where({ person_id: personId }).orderBy('last_seen_at', 'desc');
}

/** Whether the session was recorded as this person's. */
export async function isSessionOf(db: Knex, personId: string, sessionUid: string): Promise<boolean> {
  return !!(await db('person_sessions').where({ session_uid: sessionUid, person_id: personId }).first('session_uid'));
}
