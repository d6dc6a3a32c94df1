// Signing in to the bureau console through our own provider, like any relying party (web/own-rp-sign-in.ts), with a
// second factor: /admin/sign-in, /admin/callback (the ID token must say a second factor was given, the person must be
// a bureau administrator), /admin/sign-out.
import { BUREAU_CONSOLE_CLIENT_ID } from '../../domain/clients/own-pages.ts';
import { ownSignIn } from '../../web/own-rp-sign-in.ts';
import type { Services } from '../../web/services.ts';
import { renderAdminMessage } from './pages.ts';
import { ADMIN_SESSION_SECONDS, type AdminSession, ReturnTo } from './session.ts';

export function adminSignIn(s: Services, session: AdminSession) {
  return ownSignIn(s, {
    path: '/admin',
    clientId: BUREAU_CONSOLE_CLIENT_ID,
    returnTo: ReturnTo,
    secondFactor: true,
    // A sign-in (password and second factor) no older than the pages' own session: a provider session kept for days
    // ("remember me") does not open them again without both once their hour is over.
    maxAgeSeconds: ADMIN_SESSION_SECONDS,
    fail: (ctx, failure, status) =>
      renderAdminMessage(ctx, { title: 'admin.signIn.failedTitle', message: `admin.signIn.${failure}`, status }),
    async open(ctx, claims, sessionUid) {
      if (await session.open(ctx, claims.sub, sessionUid)) return true;
      await s.audit.record({ actor: claims.sub, action: 'admin.signed_in', subject: claims.sub });
      return false;
    },
    close: (ctx) => session.clear(ctx),
    current: (ctx) => session.current(ctx),
  });
}
