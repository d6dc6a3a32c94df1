// Signing in to the account pages through our own provider: /account/sign-in starts a code flow with PKCE,
// /account/callback ends it and opens the portal session, /account/sign-out ends both.
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { renderPage } from '../../web/render.ts';
import { recordSession } from '../../domain/activity/activity.ts';
import { browserLabel } from '../../domain/activity/browser-label.ts';
import type { AccountDeps } from './deps.ts';
import { clearPortalSession, writePortalSession } from '../../web/portal-cookie.ts';
import type { PortalRp } from './rp.ts';
import { parseStoredJson } from '../../platform/stored-json.ts';

const FLOW_COOKIE = 'account_rp';
const FLOW_OPTIONS = { signed: true, httpOnly: true, sameSite: 'lax', path: '/account', overwrite: true } as const;

/** Where to go after signing in: an account page's path, nothing else. */
// Account pages, and the school-affairs hand-off's consent (its add-identity mode needs the person signed in).
const ReturnTo = z.string().regex(/^\/account(\/[a-z0-9-]+){0,3}$|^\/register\/sis\/consent$/).catch('/account');
const SignInQuery = z.object({ return_to: ReturnTo.optional() });
const Flow = z.object({ verifier: z.string(), state: z.string(), nonce: z.string(), returnTo: ReturnTo });

export function startSignIn(rp: PortalRp) {
  return async (ctx: Context) => {
    const query = SignInQuery.safeParse(ctx.query);
    const returnTo = (query.success && query.data.return_to) || '/account';
    const flow = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce(), returnTo };
    ctx.cookies.set(FLOW_COOKIE, Buffer.from(JSON.stringify(flow)).toString('base64url'), { ...FLOW_OPTIONS, secure: ctx.secure, maxAge: 600_000 });
    const url = oidc.buildAuthorizationUrl(await rp.configuration(), {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
      ui_locales: chooseLocale(ctx),
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(url.href);
  };
}

function readFlow(ctx: Context) {
  const raw = ctx.cookies.get(FLOW_COOKIE, { signed: true });
  ctx.cookies.set(FLOW_COOKIE, null, { ...FLOW_OPTIONS, secure: ctx.secure });
  if (!raw || raw.length > 2000) return undefined;
  return parseStoredJson(Flow, Buffer.from(raw, 'base64url').toString());
}

export function finishSignIn(deps: AccountDeps, rp: PortalRp) {
  return async (ctx: Context) => {
    const t = translator(chooseLocale(ctx));
    ctx.set('Cache-Control', 'no-store');
    const failed = (message: string) =>
      renderPage(ctx, 'account/sign-in-failed', { pageTitle: t('account.signIn.failedTitle'), message }, 400);
    const flow = readFlow(ctx);
    if (!flow) return failed(t('account.signIn.expired'));
    let sub: string;
    try {
      const tokens = await oidc.authorizationCodeGrant(await rp.configuration(), new URL(ctx.originalUrl, deps.issuer), {
        pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
      });
      sub = tokens.claims()!.sub;
    } catch (err) {
      const cancelled = err instanceof oidc.AuthorizationResponseError;
      deps.log.warn({ err: (err as Error).message }, 'account sign-in failed');
      return failed(t(cancelled ? 'account.signIn.cancelled' : 'account.signIn.failed'));
    }
    // The provider session in this browser (same origin, its own cookie) is the one the portal session hangs on.
    const session = await deps.provider().Session.get(ctx);
    if (session.accountId !== sub) return failed(t('account.signIn.failed'));
    await recordSession(deps.db, { personId: sub, sessionUid: session.uid, browser: browserLabel(ctx.get('user-agent')) });
    writePortalSession(ctx, { personId: sub, sessionUid: session.uid });
    ctx.status = 303;
    ctx.redirect(flow.returnTo);
  };
}

/** Ends the portal session here, then asks the provider to end its own (its page asks to confirm). */
export function signOut(rp: PortalRp) {
  return async (ctx: Context) => {
    clearPortalSession(ctx);
    ctx.status = 303;
    ctx.redirect(oidc.buildEndSessionUrl(await rp.configuration(), {}).href);
  };
}
