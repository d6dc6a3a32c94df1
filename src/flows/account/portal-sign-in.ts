// Signing in to the account pages through our own provider (web/own-rp-sign-in.ts): /account/sign-in starts a code
// flow with PKCE, /account/callback ends it and opens the portal session (with the sign-in's time, the ID token's
// auth_time), /account/sign-out ends both. /account/sign-in?fresh=1 asks for the sign-in again (prompt=login), as
// the email, mobile and link pages do when the last one is older than RECENT_SIGN_IN_SECONDS (web/recent-sign-in.ts).
import { z } from 'zod';
import { ACCOUNT_CLIENT_ID } from '../../domain/clients/own-pages.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { ownSignIn } from '../../web/own-rp-sign-in.ts';
import {
  clearPortalSession,
  RECENT_SIGN_IN_SECONDS,
  readPortalSession,
  writePortalSession,
} from '../../web/portal-cookie.ts';
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
    freshSeconds: RECENT_SIGN_IN_SECONDS,
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
      const signedInAt = typeof claims.auth_time === 'number' ? claims.auth_time : undefined;
      writePortalSession(ctx, { personId: claims.sub, sessionUid, signedInAt });
      return false;
    },
    close: clearPortalSession,
    current: readPortalSession,
  });
}
