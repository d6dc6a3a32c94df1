// The pages oidc-provider asks for: its errors (the shared error page), the sign-out question and its answer.
import type { Context } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { ownPagesName } from '../../domain/clients/own-pages.ts';
import type { ProviderPages } from '../../oidc/configuration.ts';
import { browserSession } from '../../oidc/internals.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { type ProviderErrorPlace, renderProviderError } from '../../web/error-handler.ts';
import { type RenderContext, renderPage } from '../../web/render.ts';
import { finishedSignIn, type WayOn } from '../../web/sign-in-restart.ts';
import { formWithSignOutLocale, signOutLocale, withSignOutLocale } from './sign-out-language.ts';
import './texts.ts';

const page = (ctx: KoaContextWithOIDC) => ctx as unknown as RenderContext;

/**
 * The app's language wish (`ui_locales`, of the authorization or the sign-out request) for the page drawn in answer,
 * as on the sign-in pages (web/interaction.ts; platform/i18n chooseLocale). The sign-out question's answer and the
 * page after it have it in their address, carried from the question (sign-out-language.ts).
 */
function followUiLocales(ctx: KoaContextWithOIDC): void {
  const route = ctx.oidc.route;
  ctx.state.uiLocales =
    route === 'end_session_confirm' || route === 'end_session_success'
      ? signOutLocale(ctx.query)
      : ctx.oidc.params?.ui_locales;
}

/** The language a sign-out started in (the app's `ui_locales`, one we speak), to carry to its next address. */
const signOutStartedIn = (ctx: KoaContextWithOIDC) => signOutLocale({ ui_locales: ctx.state.uiLocales as unknown });

/** Only web addresses are offered as links (never `javascript:` or the like, whatever a registration holds). */
const webUrl = (value: unknown): URL | undefined => {
  if (typeof value !== 'string' || !/^https?:\/\//i.test(value)) return undefined;
  return URL.canParse(value) ? new URL(value) : undefined;
};

/** The app's own ways in, as it registered them: where it starts a sign-in (with our issuer), its home page. */
function appWays(ctx: KoaContextWithOIDC): WayOn[] {
  const client = ctx.oidc.client;
  if (!client) return [];
  const labelVars = {
    client: ownPagesName(client.clientId, chooseLocale(ctx)) ?? client.clientName ?? client.clientId,
  };
  const ways: WayOn[] = [];
  const start = webUrl(client.initiateLoginUri);
  if (start) {
    start.searchParams.set('iss', ctx.oidc.provider.issuer);
    ways.push({ href: start.href, label: 'error.restart', labelVars });
  }
  const home = webUrl(client.clientUri);
  if (home) ways.push({ href: home.href, label: 'error.toClient', labelVars, secondary: ways.length > 0 });
  return ways;
}

/** Where the error was met: a sign-in resumed, a sign-out page (and whether the browser is still signed in), or else. */
async function errorPlace(ctx: KoaContextWithOIDC, out: { error: string }): Promise<ProviderErrorPlace> {
  const route = ctx.oidc.route;
  if (route === 'resume') return { resuming: true };
  // Back to a pushed request's link after its sign-in finished here: the link is used (or, a minute on, gone), and the
  // person signed in to that app in this browser. (oidc-provider keeps no trace of which link a sign-in came by: any
  // dead link of the same app in a browser whose last sign-in there finished is taken for it — which is then true.)
  const finished = finishedSignIn(ctx as unknown as Context);
  if (out.error === 'invalid_request_uri' && finished?.clientId && finished.clientId === ctx.oidc.client?.clientId)
    return { finished: true };
  if (route?.startsWith('end_session')) {
    // The question and its form have loaded the browser's session; the page after them has not.
    const session = ctx.oidc.session ?? (await browserSession(ctx.oidc.provider, ctx));
    return {
      signOut: {
        signedIn: !!session.accountId,
        form: route === 'end_session_confirm',
        again: withSignOutLocale('/session/end', signOutStartedIn(ctx)),
      },
    };
  }
  return { appWays: appWays(ctx) };
}

export const providerPages: ProviderPages = {
  async error(ctx, out) {
    followUiLocales(ctx);
    renderProviderError(page(ctx), out, await errorPlace(ctx, out));
  },
  logout(ctx, form) {
    followUiLocales(ctx);
    const t = translator(chooseLocale(ctx));
    // The answer, and the page after it, in the language the question was asked in.
    const action = ctx.oidc.urlFor('end_session_confirm');
    renderPage(page(ctx), 'sign-in/logout', {
      pageTitle: t('logout.title'),
      form: formWithSignOutLocale(form, action, signOutStartedIn(ctx)),
    });
  },
  async loggedOut(ctx) {
    followUiLocales(ctx);
    const t = translator(chooseLocale(ctx));
    // After "stay signed in" oidc-provider comes here too: say what is true.
    const stayed = !!(await browserSession(ctx.oidc.provider, ctx)).accountId;
    renderPage(page(ctx), 'sign-in/logged-out', {
      pageTitle: t(stayed ? 'logout.stayed' : 'logout.done'),
      stayed,
      signOutHref: withSignOutLocale('/session/end', signOutStartedIn(ctx)),
    });
  },
};
