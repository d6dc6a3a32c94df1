// Signing in to the account pages through our own provider (web/own-rp-sign-in.ts): /account/sign-in starts a code
// flow with PKCE, /account/callback ends it and opens the portal session, /account/sign-out ends both.
import { z } from 'zod';
import { ACCOUNT_CLIENT_ID } from '../../domain/clients/own-pages.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { ownSignIn } from '../../web/own-rp-sign-in.ts';
import { clearPortalSession, readPortalSession, writePortalSession } from '../../web/portal-cookie.ts';
import { renderPage } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';

/**
 * Where to go after signing in: an account page, the school-affairs consent (its add-identity mode needs it), or the
 * homeroom teacher's binding review and codes.
 */
const ReturnTo = z
  .string()
  .regex(/^\/account(\/[a-z0-9-]+){0,3}$|^\/register\/sis\/consent$|^\/binding\/review(\/codes)?$/)
  .catch('/account');
export function portalSignIn(s: Services) {
  return ownSignIn(s, {
    path: '/account',
    clientId: ACCOUNT_CLIENT_ID,
    returnTo: ReturnTo,
    fail(ctx, failure, status) {
      const t = translator(chooseLocale(ctx));
      renderPage(
        ctx,
        'account/sign-in-failed',
        { pageTitle: t('account.signIn.failedTitle'), message: t(`account.signIn.${failure}`) },
        status,
      );
    },
    open(ctx, claims, sessionUid) {
      writePortalSession(ctx, { personId: claims.sub, sessionUid });
      return false;
    },
    close: clearPortalSession,
    current: readPortalSession,
  });
}
