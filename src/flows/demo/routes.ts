// The demo relying party: /demo starts a code flow with PKCE; /demo/callback shows what the app received; its sign-out
// (RP-initiated logout) comes back to /demo/signed-out.
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

const DEMO_SCOPE = 'openid profile email identity identities children';

const DemoQuery = z.object({
  switch: z.literal('1').optional().catch(undefined),
  identity: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/)
    .optional()
    .catch(undefined),
});

const School = z.object({ code: z.string(), name: z.string() }).partial().optional();
const Identity = z.object({ id: z.string(), role: z.string(), school: School, class: School });
/** What the demo app shows of the person: the identity in use, the others, and the children. */
const DemoView = z.object({
  name: z.string().optional(),
  identity: Identity.optional(),
  identities: z.array(Identity).default([]),
  children: z
    .array(z.object({ sub: z.string(), name: z.string(), school: School, class: School, relationship: z.string() }))
    .default([]),
});

export function demoRoutes(router: Router, s: Services) {
  if (!s.demo) return;
  const rp = ownRelyingParty({
    issuer: s.issuer,
    internal: s.internalBase,
    clientId: s.demo.client.client_id,
    callbackPath: '/demo/callback',
  });

  // `?switch=1`: the identity menu again (prompt=select_account); `?identity=<id>`: the menu with that identity
  // chosen already (identity_hint) — how an app lets a teacher who is also a parent change hats (seed 004).
  router.get('/demo', async (ctx) => {
    const q = DemoQuery.parse(ctx.query);
    const extra: Record<string, string> = {};
    if (q.identity || q.switch) extra.prompt = 'select_account';
    if (q.identity) extra.identity_hint = q.identity;
    let begun: Awaited<ReturnType<typeof rp.begin>>;
    try {
      begun = await rp.begin({ scope: DEMO_SCOPE, locale: chooseLocale(ctx), extra });
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
        post_logout_redirect_uri: `${s.issuer}/demo/signed-out`,
      });
      const view = DemoView.safeParse(userinfo);
      renderPage(ctx, 'demo/demo', {
        pageTitle: t('demo.title'),
        person: view.success ? view.data : undefined,
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

  // Where the sign-out brings the browser back: the app says so, and offers to sign in again.
  router.get('/demo/signed-out', (ctx) => {
    const t = translator(chooseLocale(ctx));
    renderPage(ctx, 'demo/demo', { pageTitle: t('demo.signedOutTitle'), signedOut: t('demo.signedOut') });
  });
}
