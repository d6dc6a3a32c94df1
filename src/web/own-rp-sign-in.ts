// Signing in to one of our own pages (the account portal, the school back office, and the bureau console to come)
// through our own provider, like any relying party: `<path>/sign-in` starts a code flow with PKCE (its state in a
// short cookie on the path), `<path>/callback` ends it, checks the ID token as the pages ask (a second factor, a
// sign-in no older than the pages allow: max_age and auth_time), records the provider session it came from and lets
// the pages open their own session; `<path>/sign-out` ends both. `<path>/sign-in?fresh=1` (pages that allow it) asks
// the provider to sign the person in again even with a live session (prompt=login): the password, the upstream
// account or the second factor, whatever they sign in with, is asked again.
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { MFA_ACR } from '../domain/people/second-factor.ts';
import { chooseLocale } from '../platform/i18n/index.ts';
import type { Logger } from '../platform/log.ts';
import { jsonCookie } from './cookies.ts';
import { ownRelyingParty } from './own-rp.ts';
import { seeOther } from './respond.ts';

/** Why a sign-in did not go through, as the pages word it. */
export type SignInFailure = 'unavailable' | 'expired' | 'cancelled' | 'failed' | 'noSecondFactor';

/** Whether the ID token says the sign-in had a second factor: a code from an authenticator app or a passkey. */
export function hadSecondFactor(claims: oidc.IDToken): boolean {
  const amr = Array.isArray(claims.amr) ? claims.amr : [];
  return claims.acr === MFA_ACR && (amr.includes('otp') || amr.includes('hwk'));
}

export type OwnSignIn = {
  /** The pages' path (`/account`): the cookie's, and `<path>/callback`. */
  path: string;
  /** The cookie's name before `_rp`, and the pages' in logs (a path of more than one segment needs one); the path's. */
  name?: string;
  clientId: string;
  /** Where the browser may go back to after signing in (a `.catch` gives the default). */
  returnTo: z.ZodType<string>;
  /** Administrators' pages: the provider is asked for a second factor, and the ID token must say it was given. */
  secondFactor?: boolean;
  /**
   * A sign-in no older than this many seconds (the pages' own session's length): past it the provider asks again
   * (max_age), and the ID token's auth_time is checked. None: a live provider session of any age will do.
   */
  maxAgeSeconds?: number;
  /**
   * Pages that may ask for a fresh sign-in (`?fresh=1`: prompt=login), checked on return to be no older than this
   * many seconds (the account pages before an email, mobile or link change: web/recent-sign-in.ts).
   */
  freshSeconds?: number;
  /** Draws the pages' "could not sign in" page. */
  fail(ctx: Context, failure: SignInFailure, status: number): void | Promise<void>;
  /** Opens the pages' own session for the person and the provider session; true when it answered itself instead. */
  open(ctx: Context, claims: oidc.IDToken, sessionUid: string): boolean | undefined | Promise<boolean | undefined>;
  /** Ends the pages' own session. */
  close(ctx: Context): void;
  /** Who is signed in to the pages, and the provider session they came from (none: not signed in). */
  current(ctx: Context): { personId: string; sessionUid: string } | undefined;
};

type Deps = {
  issuer: string;
  internalBase: string;
  log: Logger;
  personAccess: {
    portalSignedIn(ctx: Context, personId: string, userAgent: string): Promise<string | undefined>;
    signOutSession(personId: string, uid: string, via?: string): Promise<boolean>;
  };
};

export function ownSignIn(s: Deps, spec: OwnSignIn) {
  const name = spec.name ?? spec.path.slice(1);
  const rp = ownRelyingParty({
    issuer: s.issuer,
    internal: s.internalBase,
    clientId: spec.clientId,
    callbackPath: `${spec.path}/callback`,
  });
  const flowCookie = jsonCookie({
    name: `${name}_rp`,
    path: spec.path,
    maxAgeSeconds: 600,
    schema: z.object({
      verifier: z.string(),
      state: z.string(),
      nonce: z.string(),
      maxAge: z.number().int().nonnegative().optional(),
      returnTo: spec.returnTo,
    }),
  });

  async function start(ctx: Context) {
    const returnTo = spec.returnTo.parse(ctx.query.return_to);
    const fresh = spec.freshSeconds !== undefined && ctx.query.fresh === '1';
    const maxAge = fresh ? spec.freshSeconds : spec.maxAgeSeconds;
    let begun: Awaited<ReturnType<typeof rp.begin>>;
    try {
      begun = await rp.begin({
        scope: 'openid',
        locale: chooseLocale(ctx),
        extra: {
          ...(spec.secondFactor ? { acr_values: MFA_ACR } : {}),
          ...(fresh ? { prompt: 'login' } : {}),
        },
        maxAge,
      });
    } catch (err) {
      // Our own provider did not answer (it is this process: a store out of reach, most likely).
      s.log.warn({ err: (err as Error).message }, `${name} sign-in could not start`);
      ctx.set('Retry-After', '5');
      return spec.fail(ctx, 'unavailable', 503);
    }
    flowCookie.write(ctx, { ...begun.flow, returnTo });
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(begun.url.href);
  }

  async function finish(ctx: Context) {
    ctx.set('Cache-Control', 'no-store');
    const flow = flowCookie.read(ctx);
    flowCookie.clear(ctx);
    if (!flow) return spec.fail(ctx, 'expired', 400);
    let claims: oidc.IDToken;
    try {
      claims = (await rp.complete(new URL(ctx.originalUrl, s.issuer), flow)).claims()!;
    } catch (err) {
      s.log.warn({ err: (err as Error).message }, `${name} sign-in failed`);
      return spec.fail(ctx, err instanceof oidc.AuthorizationResponseError ? 'cancelled' : 'failed', 400);
    }
    if (spec.secondFactor && !hadSecondFactor(claims)) return spec.fail(ctx, 'noSecondFactor', 403);
    const sessionUid = await s.personAccess.portalSignedIn(ctx, claims.sub, ctx.get('user-agent'));
    if (!sessionUid) return spec.fail(ctx, 'failed', 400);
    if (await spec.open(ctx, claims, sessionUid)) return;
    seeOther(ctx, flow.returnTo);
  }

  /**
   * Ends the pages' session and the provider session the browser signed in with (its other apps told by back-channel
   * logout): a shared computer in a school office is left signed out, not one single sign-on away from the pages. The
   * form is ours (CSRF-checked), so the provider's "sign out?" question is not asked again.
   */
  async function signOut(ctx: Context) {
    const who = spec.current(ctx);
    spec.close(ctx);
    if (who) await s.personAccess.signOutSession(who.personId, who.sessionUid, name);
    seeOther(ctx, '/session/end/success');
  }

  return { start, finish, signOut };
}
