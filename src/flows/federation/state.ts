// The browser's binding to the upstream legs it started: a random value in a signed cookie (http-only, SameSite=Lax),
// checked by the callback against the one kept with the leg (so a callback URL carried to another browser does
// nothing). On `/`: a leg starts at /interaction/:uid/federation/:id (signing in) or /federation/:id/link (the
// account pages) and ends at /federation/:id/callback, and every start must see the value the browser already holds,
// so that two tabs each finish the leg they started. (Named anew: the older `fed_browser` on /federation, still in
// some browsers for up to an hour, would otherwise be sent to the callback ahead of it.)
import type { Context } from 'koa';
import { signedCookie } from '../../web/cookies.ts';

const cookie = signedCookie({ name: 'fed_binding', path: '/', maxAgeSeconds: 3600 });

export const browserBinding = {
  get: (ctx: Context) => cookie.get(ctx),
  set: (ctx: Context, value: string) => cookie.set(ctx, value),
};

// "Send the activation mail again" for an account made through an upstream and not yet activated, met when it signs in
// with the upstream: the one-use offer (s.enrolment.offerResend) for the page that says so, with the sign-in it
// belongs to, in a signed cookie rather than the address (kept out of history and logs), 15 minutes as the offer.
const resendCookie = signedCookie({ name: 'fed_resend', path: '/interaction', maxAgeSeconds: 15 * 60 });

export const resendOffer = {
  get(ctx: Context, uid: string): string | undefined {
    const [forUid, ticket] = (resendCookie.get(ctx) ?? '').split(':');
    return forUid === uid && ticket ? ticket : undefined;
  },
  set: (ctx: Context, uid: string, ticket: string) => resendCookie.set(ctx, `${uid}:${ticket}`),
};

/** The route parameter naming an upstream (the same shape `campus-sso upstream add` accepts). */
export const UPSTREAM_ID = /^[a-z0-9][a-z0-9-]{0,30}$/;
