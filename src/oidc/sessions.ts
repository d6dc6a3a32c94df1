// The provider sessions a person is signed in with, the portal's check that its own one is alive, and
// signing out of another one (as a sign-out in that browser would: its grants without offline access end too).
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import { findPersonById, type Person } from '../domain/people/persons.ts';
import { recordAudit } from '../domain/audit.ts';
import { forgetSession } from '../domain/activity/activity.ts';
import { revokeGrant } from './grants.ts';

/** The person behind a portal session, while the provider session it came from lives and is theirs. */
export async function portalPerson(provider: Provider, db: Knex, personId: string, sessionUid: string): Promise<Person | undefined> {
  const session = await provider.Session.findByUid(sessionUid);
  if (!session || session.accountId !== personId) return undefined;
  const person = await findPersonById(db, personId);
  return person?.status === 'active' ? person : undefined;
}

export type ActiveSession = {
  uid: string;
  browser?: string;
  signedInAt?: Date;
  lastSeenAt: Date;
  expiresAt?: Date;
  remembered: boolean;
  current: boolean;
};

type SessionRow = { session_uid: string; browser: string | null; created_at: Date; last_seen_at: Date };

export async function activeSessions(provider: Provider, db: Knex, personId: string, currentUid: string): Promise<ActiveSession[]> {
  const rows: SessionRow[] = await db('person_sessions').where({ person_id: personId }).orderBy('last_seen_at', 'desc');
  const list: ActiveSession[] = [];
  for (const row of rows) {
    const session = await provider.Session.findByUid(row.session_uid);
    if (!session || session.accountId !== personId) {
      await forgetSession(db, row.session_uid);
      continue;
    }
    list.push({
      uid: row.session_uid,
      browser: row.browser ?? undefined,
      signedInAt: session.loginTs ? new Date(session.loginTs * 1000) : row.created_at,
      lastSeenAt: row.last_seen_at,
      expiresAt: session.exp ? new Date(session.exp * 1000) : undefined,
      remembered: !session.transient,
      current: row.session_uid === currentUid,
    });
  }
  // The session in use first, then the most recently seen.
  return list.sort((a, b) => Number(b.current) - Number(a.current));
}

/** Ends one of the person's provider sessions. Returns false when it is not one of theirs. */
export async function signOutSession(provider: Provider, db: Knex, personId: string, uid: string): Promise<boolean> {
  const row = await db('person_sessions').where({ session_uid: uid, person_id: personId }).first();
  if (!row) return false;
  const session = await provider.Session.findByUid(uid);
  if (session && session.accountId === personId) {
    for (const authorization of Object.values(session.authorizations ?? {})) {
      if (authorization.grantId && !authorization.persistsLogout) await revokeGrant(provider, db, authorization.grantId);
    }
    await provider.Session.adapter.destroy(session.jti);
  }
  await forgetSession(db, uid);
  await recordAudit(db, { actor: personId, action: 'session.signed_out', subject: personId, detail: { via: 'account' } });
  return true;
}
