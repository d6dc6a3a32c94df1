// Pages that need the person signed in to the account portal; without a live portal session the browser goes to
// sign in first (/account/sign-in, through our own provider) and comes back.
import type { Context, Middleware } from 'koa';
import type { Person } from '../domain/people/persons.ts';
import { clearPortalSession, readPortalSession } from './portal-cookie.ts';
import type { Services } from './services.ts';

export type AccountState = { person: Person; sessionUid: string };

/**
 * The person behind the portal session, while the provider session it came from lives, is theirs and was signed in
 * since their last password change.
 */
async function portalPerson(s: Services, personId: string, sessionUid: string): Promise<Person | undefined> {
  const person = await s.people.findById(personId);
  if (person?.status !== 'active') return undefined;
  return (await s.personAccess.sessionAlive(personId, sessionUid, person.password_changed_at)) ? person : undefined;
}

/**
 * The person signed in to the account portal on this browser, if any, as requireAccount finds them; for pages open to
 * anyone that say more to the signed-in person (nothing is redirected or cleared).
 */
export async function signedInPerson(s: Services, ctx: Context): Promise<Person | undefined> {
  const portal = readPortalSession(ctx);
  return portal ? portalPerson(s, portal.personId, portal.sessionUid) : undefined;
}

export function requireAccount(s: Services): Middleware {
  return async (ctx, next) => {
    const portal = readPortalSession(ctx);
    const person = portal && (await portalPerson(s, portal.personId, portal.sessionUid));
    if (!portal || !person) {
      if (portal) clearPortalSession(ctx);
      ctx.set('Cache-Control', 'no-store');
      if (ctx.method === 'GET') {
        ctx.redirect(`/account/sign-in?${new URLSearchParams({ return_to: ctx.path })}`);
      } else {
        ctx.status = 303;
        ctx.redirect('/account/sign-in');
      }
      return;
    }
    const state: AccountState = { person, sessionUid: portal.sessionUid };
    ctx.state.account = state;
    await next();
  };
}

/** The signed-in person, for handlers behind requireAccount. */
export function accountOf(ctx: Context): AccountState {
  const state = ctx.state.account as AccountState | undefined;
  if (!state) throw new Error('account route without requireAccount');
  return state;
}
