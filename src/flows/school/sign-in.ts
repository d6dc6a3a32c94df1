// Signing in to the back office through our own provider, like any relying party (web/own-rp-sign-in.ts):
// /school/sign-in asks for a sign-in with a second factor (acr_values), /school/callback checks the ID token says it
// got one (acr; amr `otp` or `hwk`) and that the person administers a school, and opens the back-office session;
// /school/sign-out ends it.
import type { Context } from 'koa';
import { SCHOOL_OFFICE_CLIENT_ID } from '../../domain/clients/school-office.ts';
import { MFA_ACR } from '../../domain/people/second-factor.ts';
import { ownSignIn } from '../../web/own-rp-sign-in.ts';
import type { Services } from '../../web/services.ts';
import { renderMessage } from './pages.ts';
import { officeSession, ReturnTo } from './session.ts';

export function officeSignIn(s: Services) {
  const fail = (ctx: Context, message: string, status: number) =>
    renderMessage(ctx, { title: 'school.signIn.failedTitle', message, status });
  return ownSignIn(s, {
    path: '/school',
    clientId: SCHOOL_OFFICE_CLIENT_ID,
    returnTo: ReturnTo,
    extra: { acr_values: MFA_ACR },
    fail: (ctx, failure, status) => fail(ctx, `school.signIn.${failure}`, status),
    // The provider asked for the second factor; the ID token must say it was given: a code from an authenticator
    // app (`otp`) or a passkey (`hwk`).
    refuse(ctx, claims) {
      const amr = Array.isArray(claims.amr) ? claims.amr : [];
      if (claims.acr === MFA_ACR && (amr.includes('otp') || amr.includes('hwk'))) return false;
      fail(ctx, 'school.signIn.noSecondFactor', 403);
      return true;
    },
    async open(ctx, claims, sessionUid) {
      if (!(await s.schoolOffice.access(claims.sub))) {
        renderMessage(ctx, { title: 'school.notAdmin.title', message: 'school.notAdmin.text', status: 403 });
        return true;
      }
      officeSession.write(ctx, claims.sub, sessionUid);
      await s.audit.record({ actor: claims.sub, action: 'school.office_signed_in', subject: claims.sub });
      return false;
    },
    close: (ctx) => officeSession.clear(ctx),
  });
}
