// The pages oidc-provider asks for: its errors (the shared error page), the sign-out question and its answer.
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderPages } from '../../oidc/configuration.ts';
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
  loggedOut(ctx) {
    const t = translator(chooseLocale(ctx));
    renderPage(page(ctx), 'sign-in/logged-out', { pageTitle: t('logout.done') });
  },
};
