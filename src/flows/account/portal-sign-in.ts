// Signing in to the account pages through our own provider: /account/sign-in starts a code flow with PKCE,
// /account/callback ends it and opens the portal session, /account/sign-out ends both.
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { ACCOUNT_CLIENT_ID } from '../../domain/clients/account-portal.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { jsonCookie } from '../../web/cookies.ts';
import { ownRelyingParty } from '../../web/own-rp.ts';
import { clearPortalSession, writePortalSession } from '../../web/portal-cookie.ts';
import { renderPage } from '../../web/render.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';

/** Where to go after signing in: an account page, or the school-affairs consent (its add-identity mode needs it). */
const ReturnTo = z
  .string()
  .regex(/^\/account(\/[a-z0-9-]+){0,3}$|^\/register\/sis\/consent$/)
  .catch('/account');
const SignInQuery = z.object({ return_to: ReturnTo.optional() });

const flowCookie = jsonCookie({
  name: 'account_rp',
  path: '/account',
  maxAgeSeconds: 600,
  schema: z.object({ verifier: z.string(), state: z.string(), nonce: z.string(), returnTo: ReturnTo }),
});

export function portalSignIn(s: Services) {
  const rp = ownRelyingParty({
    issuer: s.issuer,
    internal: s.internalBase,
    clientId: ACCOUNT_CLIENT_ID,
    callbackPath: '/account/callback',
  });

  async function start(ctx: Context) {
    const query = SignInQuery.safeParse(ctx.query);
    const returnTo = (query.success && query.data.return_to) || '/account';
    let begun: Awaited<ReturnType<typeof rp.begin>>;
    try {
      begun = await rp.begin({ scope: 'openid', locale: chooseLocale(ctx) });
    } catch (err) {
      // Our own provider did not answer (it is this process: a store out of reach, most likely).
      s.log.warn({ err: (err as Error).message }, 'account sign-in could not start');
      const t = translator(chooseLocale(ctx));
      ctx.set('Retry-After', '5');
      return renderPage(
        ctx,
        'account/sign-in-failed',
        { pageTitle: t('account.signIn.failedTitle'), message: t('account.signIn.unavailable') },
        503,
      );
    }
    const { flow, url } = begun;
    flowCookie.write(ctx, { ...flow, returnTo });
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(url.href);
  }

  async function finish(ctx: Context) {
    const t = translator(chooseLocale(ctx));
    ctx.set('Cache-Control', 'no-store');
    const failed = (message: string) =>
      renderPage(ctx, 'account/sign-in-failed', { pageTitle: t('account.signIn.failedTitle'), message }, 400);
    const flow = flowCookie.read(ctx);
    flowCookie.clear(ctx);
    if (!flow) return failed(t('account.signIn.expired'));
    let sub: string;
    try {
      const tokens = await rp.complete(new URL(ctx.originalUrl, s.issuer), flow);
      sub = tokens.claims()!.sub;
    } catch (err) {
      const cancelled = err instanceof oidc.AuthorizationResponseError;
      s.log.warn({ err: (err as Error).message }, 'account sign-in failed');
      return failed(t(cancelled ? 'account.signIn.cancelled' : 'account.signIn.failed'));
    }
    const sessionUid = await s.personAccess.portalSignedIn(ctx, sub, ctx.get('user-agent'));
    if (!sessionUid) return failed(t('account.signIn.failed'));
    writePortalSession(ctx, { personId: sub, sessionUid });
    seeOther(ctx, flow.returnTo);
  }

  /** Ends the portal session here, then asks the provider to end its own (its page asks to confirm). */
  async function signOut(ctx: Context) {
    clearPortalSession(ctx);
    const config = await rp.configuration().catch(() => undefined);
    seeOther(ctx, config ? oidc.buildEndSessionUrl(config, {}).href : '/session/end');
  }

  return { start, finish, signOut };
}
