// Signing in to the back office through our own provider, like any relying party (web/own-rp-sign-in.ts):
// /school/sign-in asks for a sign-in with a second factor (acr_values), /school/callback checks the ID token says it
// got one (acr; amr `otp` or `hwk`) and that the person administers a school, and opens the back-office session;
// /school/sign-out ends it.
import type { Context } from 'koa';
import { SCHOOL_OFFICE_CLIENT_ID } from '../../domain/clients/own-pages.ts';
import { ownSignIn } from '../../web/own-rp-sign-in.ts';
import type { Services } from '../../web/services.ts';
import { renderMessage } from './pages.ts';
import { OFFICE_SESSION_SECONDS, type officeSession, ReturnTo } from './session.ts';

export function officeSignIn(s: Services, session: ReturnType<typeof officeSession>) {
  const fail = (ctx: Context, message: string, status: number) =>
    renderMessage(ctx, { title: 'school.signIn.failedTitle', message, status });
  return ownSignIn(s, {
    path: '/school',
    clientId: SCHOOL_OFFICE_CLIENT_ID,
    returnTo: ReturnTo,
    secondFactor: true,
    // A sign-in (password and second factor) no older than the pages' own session: a provider session kept for days
    // ("remember me") does not open them again without both once their hour is over.
    maxAgeSeconds: OFFICE_SESSION_SECONDS,
    fail: (ctx, failure, status) => fail(ctx, `school.signIn.${failure}`, status),
    async open(ctx, claims, sessionUid) {
      if (await session.open(ctx, claims.sub, sessionUid)) return true;
      await s.audit.record({ actor: claims.sub, action: 'school.office_signed_in', subject: claims.sub });
      return false;
    },
    close: (ctx) => session.clear(ctx),
    current: (ctx) => session.current(ctx),
  });
}
