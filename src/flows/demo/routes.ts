// The demo relying party: /demo starts a code flow with PKCE; /demo/callback shows what the app received.
import type Router from '@koa/router';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { jsonCookie } from '../../web/cookies.ts';
import { ownRelyingParty } from '../../web/own-rp.ts';
import { renderPage } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';
import './texts.ts';

const flowCookie = jsonCookie({
  name: 'demo_rp',
  maxAgeSeconds: 600,
  schema: z.object({ verifier: z.string(), state: z.string(), nonce: z.string() }),
});

export function demoRoutes(router: Router, s: Services) {
  if (!s.demo) return;
  const rp = ownRelyingParty({
    issuer: s.issuer,
    internal: s.internalBase,
    clientId: s.demo.client.client_id,
    callbackPath: '/demo/callback',
  });

  router.get('/demo', async (ctx) => {
    let begun: Awaited<ReturnType<typeof rp.begin>>;
    try {
      begun = await rp.begin({ scope: 'openid profile email identity children', locale: chooseLocale(ctx) });
    } catch (err) {
      s.log.warn({ err: (err as Error).message }, 'demo sign-in could not start');
      const t = translator(chooseLocale(ctx));
      ctx.set('Retry-After', '5');
      return renderPage(ctx, 'demo/demo', { pageTitle: t('demo.title'), failed: t('demo.unavailable') }, 503);
    }
    flowCookie.write(ctx, begun.flow);
    ctx.redirect(begun.url.href);
  });

  router.get('/demo/callback', async (ctx) => {
    const t = translator(chooseLocale(ctx));
    const flow = flowCookie.read(ctx);
    flowCookie.clear(ctx);
    try {
      if (!flow) {
        return renderPage(ctx, 'demo/demo', { pageTitle: t('demo.title'), failed: t('demo.expired') }, 400);
      }
      const config = await rp.configuration();
      const tokens = await rp.complete(new URL(ctx.originalUrl, s.issuer), flow);
      const claims = tokens.claims()!;
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      const logout = oidc.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: `${s.issuer}/`,
      });
      renderPage(ctx, 'demo/demo', {
        pageTitle: t('demo.title'),
        claims: JSON.stringify(claims, null, 2),
        userinfo: JSON.stringify(userinfo, null, 2),
        logoutUrl: logout.href,
      });
    } catch (err) {
      // The page's language, never an English library message: the OpenID error's text, or a general one.
      const code =
        err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError ? err.error : '';
      const reason = t(`error.code.${code}`, { defaultValue: t('demo.unknownReason') });
      s.log.warn({ err: (err as Error).message }, 'demo sign-in failed');
      renderPage(ctx, 'demo/demo', { pageTitle: t('demo.title'), failed: t('demo.failed', { reason }) }, 400);
    }
  });
}
