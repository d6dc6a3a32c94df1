// Making a person's sign-ins old, as if time had passed: the provider sessions' login time (auth_time) moved back, and
// their last password change with it (a sign-in older than the password is ended, which is not what is tested).
import type { TestServer } from './server.ts';

export async function ageSignIns(server: TestServer, personId: string, seconds: number): Promise<void> {
  const db = server.storage.db;
  const provider = server.holder.provider();
  const uids = await db('person_sessions').where({ person_id: personId }).pluck('session_uid');
  for (const uid of uids) {
    const session = await provider.Session.findByUid(uid);
    if (!session?.loginTs) continue;
    session.loginTs -= seconds;
    await session.persist();
  }
  await db('persons')
    .where({ id: personId })
    .whereNotNull('password_changed_at')
    .update({ password_changed_at: db.raw('password_changed_at - make_interval(secs => ?)', [seconds]) });
}
