// The pages oidc-provider asks for: its errors (the shared error page), the sign-out question and its answer.
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderPages } from '../../oidc/configuration.ts';
import { browserSession } from '../../oidc/internals.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { renderProviderError } from '../../web/error-handler.ts';
import { type RenderContext, renderPage } from '../../web/render.ts';
import './texts.ts';

const page = (ctx: KoaContextWithOIDC) => ctx as unknown as RenderContext;

export const providerPages: ProviderPages = {
  error: (ctx, out) => renderProviderError(page(ctx), out),
  logout(ctx, form) {
    const t = translator(chooseLocale(ctx));
    renderPage(page(ctx), 'sign-in/logout', { pageTitle: t('logout.title'), form });
  },
  async loggedOut(ctx) {
    const t = translator(chooseLocale(ctx));
    // After "stay signed in" oidc-provider comes here too: say what is true.
    const stayed = !!(await browserSession(ctx.oidc.provider, ctx)).accountId;
    renderPage(page(ctx), 'sign-in/logged-out', {
      pageTitle: t(stayed ? 'logout.stayed' : 'logout.done'),
      stayed,
    });
  },
};
