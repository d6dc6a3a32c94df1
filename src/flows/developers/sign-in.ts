// Signing in to the developer portal through our own provider, like any relying party (web/own-rp-sign-in.ts):
// /developers/sign-in, /developers/callback, /developers/sign-out.
import { DEVELOPER_PORTAL_CLIENT_ID } from '../../domain/clients/own-pages.ts';
import { ownSignIn } from '../../web/own-rp-sign-in.ts';
import type { Services } from '../../web/services.ts';
import { renderDevMessage } from './pages.ts';
import { type DeveloperSession, ReturnTo } from './session.ts';

export function developerSignIn(s: Services, session: DeveloperSession) {
  return ownSignIn(s, {
    path: '/developers',
    clientId: DEVELOPER_PORTAL_CLIENT_ID,
    returnTo: ReturnTo,
    fail: (ctx, failure, status) =>
      renderDevMessage(ctx, {
        title: 'developers.signIn.failedTitle',
        message: `developers.signIn.${failure}`,
        status,
      }),
    open: (ctx, claims, sessionUid) => session.open(ctx, claims.sub, sessionUid),
    close: (ctx) => session.clear(ctx),
    current: (ctx) => session.current(ctx),
  });
}
