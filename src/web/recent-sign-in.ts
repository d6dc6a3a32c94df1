// A recent sign-in before changing what lets someone into the account: the email address and the mobile number (a
// password reset trusts them) and the linked upstream accounts. A live provider session keeps a person signed in for
// days ("remember me"), and the account pages open on it without a password; these pages also ask that the person
// signed in within RECENT_SIGN_IN_SECONDS (the portal session keeps the ID token's auth_time: portal-cookie.ts).
// Otherwise the browser goes through /account/sign-in?fresh=1 (prompt=login: the password, the upstream account or
// the second factor again, whatever the person signs in with; the sign-in page says why) and comes back to the form
// page. A form sent stale (left open) does nothing and goes the same way; only what was typed in it is lost.
import type { Context, Middleware } from 'koa';
import { RECENT_SIGN_IN_SECONDS, readPortalSession } from './portal-cookie.ts';

/** Whether the account portal's session on this request opened with a sign-in made within RECENT_SIGN_IN_SECONDS. */
export function signedInRecently(ctx: Context, now = Date.now()): boolean {
  const at = readPortalSession(ctx)?.signedInAt;
  return at !== undefined && now - at * 1000 <= RECENT_SIGN_IN_SECONDS * 1000;
}

/** Where a page that needs a recent sign-in sends the browser: to sign in again, then back to `page`. */
export const freshSignInPath = (page: string) =>
  `/account/sign-in?${new URLSearchParams({ return_to: page, fresh: '1' })}`;

/**
 * Behind requireAccount (and, for a form, its CSRF check): the page goes on only after a recent sign-in; otherwise a
 * 303 to sign in again and come back to `page` (the request's own path by default; a form's page for a form that
 * posts elsewhere). Nothing the request asked for is done.
 */
export function requireRecentSignIn(page: (ctx: Context) => string = (ctx) => ctx.path): Middleware {
  return async (ctx, next) => {
    if (signedInRecently(ctx)) return next();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 303;
    ctx.redirect(freshSignInPath(page(ctx)));
  };
}
