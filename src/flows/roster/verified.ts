// The credential behind the browser's ticket, with its school's name, for the pages after the check.
import type { Context } from 'koa';
import { findSchool } from '../../domain/schools/schools.ts';
import { credentialById, type StoredCredential } from './credentials.ts';
import type { RosterDeps } from './deps.ts';
import { peekTicket } from './ticket.ts';

export type Verified = { credential: StoredCredential; schoolName: string };

export async function verifiedCredential(ctx: Context, deps: RosterDeps): Promise<Verified | undefined> {
  const id = await peekTicket(ctx, deps.shared);
  const credential = id ? await credentialById(deps.db, id) : undefined;
  if (!credential || credential.claimed_by_person_id) return undefined;
  const school = await findSchool(deps.db, credential.school_code);
  return { credential, schoolName: school?.name ?? credential.school_code };
}

/** Back to the start: the ticket is missing, expired or already used. */
export function startAgain(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 303;
  ctx.redirect('/register/roster');
}
