// The demo relying party: /demo starts a code flow with PKCE; /demo/callback shows what the app received.
import type Router from '@koa/router';
import * as oidc from 'openid-client';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import type { Logger } from '../../platform/log.ts';
import { renderPage } from '../../web/render.ts';

const COOKIE = 'demo_rp';

export function demoRoutes(router: Router, deps: { issuer: string; clientId: string; log: Logger }) {
  let config: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    config ??= oidc
      .discovery(new URL(deps.issuer), deps.clientId, undefined, oidc.None(), {
        execute: deps.issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
      })
      .catch((err) => {
        config = undefined;
        throw err;
      });
    return config;
  };
  const redirectUri = `${deps.issuer}/demo/callback`;

  router.get('/demo', async (ctx) => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    ctx.cookies.set(COOKIE, Buffer.from(JSON.stringify({ verifier, state, nonce })).toString('base64url'), {
      signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, maxAge: 600_000, overwrite: true,
    });
    const url = oidc.buildAuthorizationUrl(await configuration(), {
      redirect_uri: redirectUri,
      scope: 'openid profile email identity children',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ui_locales: chooseLocale(ctx),
    });
    ctx.redirect(url.href);
  });

  router.get('/demo/callback', async (ctx) => {
    const t = translator(chooseLocale(ctx));
    const raw = ctx.cookies.get(COOKIE, { signed: true });
    ctx.cookies.set(COOKIE, null, { signed: true });
    try {
      if (!raw) throw new Error('the demo session has expired; start again');
      const { verifier, state, nonce } = JSON.parse(Buffer.from(raw, 'base64url').toString()) as Record<string, string>;
      const current = new URL(ctx.originalUrl, deps.issuer);
      const tokens = await oidc.authorizationCodeGrant(await configuration(), current, {
        pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce,
      });
      const claims = tokens.claims()!;
      const userinfo = await oidc.fetchUserInfo(await configuration(), tokens.access_token, claims.sub);
      const logout = oidc.buildEndSessionUrl(await configuration(), {
        id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${deps.issuer}/`,
      });
      renderPage(ctx, 'demo/demo', {
        pageTitle: t('demo.title'),
        claims: JSON.stringify(claims, null, 2),
        userinfo: JSON.stringify(userinfo, null, 2),
        logoutUrl: logout.href,
      });
    } catch (err) {
      const reason = err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError
        ? err.error : (err as Error).message;
      deps.log.warn({ err: (err as Error).message }, 'demo sign-in failed');
      renderPage(ctx, 'demo/demo', { pageTitle: t('demo.title'), failed: t('demo.failed', { reason }) }, 400);
    }
  });
}
