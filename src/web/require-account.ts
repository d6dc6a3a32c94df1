// Every account page needs a live portal session; without one the browser goes to sign in first.
import type { Context, Next } from 'koa';
import type { Person } from '../domain/people/persons.ts';
import type { AccountDeps } from '../flows/account/deps.ts';
import { clearPortalSession, readPortalSession } from './portal-cookie.ts';
import { portalPerson } from '../oidc/sessions.ts';

export type AccountState = { person: Person; sessionUid: string };

export function requireAccount(deps: AccountDeps) {
  return async (ctx: Context, next: Next) => {
    const portal = readPortalSession(ctx);
    const person = portal && (await portalPerson(deps.provider(), deps.db, portal.personId, portal.sessionUid));
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
