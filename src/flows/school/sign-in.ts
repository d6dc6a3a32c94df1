// Signing in to the back office through our own provider, like any relying party: /school/sign-in asks for a sign-in
// with a second factor (acr_values), /school/callback checks the ID token says it got one (acr, amr `otp`) and opens
// the back-office session; /school/sign-out ends it.
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { SCHOOL_OFFICE_CLIENT_ID } from '../../domain/clients/school-office.ts';
import { MFA_ACR } from '../../domain/people/second-factor.ts';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { jsonCookie } from '../../web/cookies.ts';
import { ownRelyingParty } from '../../web/own-rp.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderMessage } from './pages.ts';
import { officeSession, ReturnTo } from './session.ts';

const flowCookie = jsonCookie({
  name: 'school_rp',
  path: '/school',
  maxAgeSeconds: 600,
  schema: z.object({ verifier: z.string(), state: z.string(), nonce: z.string(), returnTo: ReturnTo }),
});

export function officeSignIn(s: Services) {
  const rp = ownRelyingParty({
    issuer: s.issuer,
    internal: s.internalBase,
    clientId: SCHOOL_OFFICE_CLIENT_ID,
    callbackPath: '/school/callback',
  });

  async function start(ctx: Context) {
    const returnTo = ReturnTo.parse(ctx.query.return_to);
    let begun: Awaited<ReturnType<typeof rp.begin>>;
    try {
      begun = await rp.begin({ scope: 'openid', locale: chooseLocale(ctx), extra: { acr_values: MFA_ACR } });
    } catch (err) {
      s.log.warn({ err: (err as Error).message }, 'back-office sign-in could not start');
      ctx.set('Retry-After', '5');
      return renderMessage(ctx, {
        title: 'school.signIn.failedTitle',
        message: 'school.signIn.unavailable',
        status: 503,
      });
    }
    flowCookie.write(ctx, { ...begun.flow, returnTo });
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(begun.url.href);
  }

  async function finish(ctx: Context) {
    ctx.set('Cache-Control', 'no-store');
    const failed = (message: string, status = 400) =>
      renderMessage(ctx, { title: 'school.signIn.failedTitle', message, status });
    const flow = flowCookie.read(ctx);
    flowCookie.clear(ctx);
    if (!flow) return failed('school.signIn.expired');
    let claims: oidc.IDToken;
    try {
      claims = (await rp.complete(new URL(ctx.originalUrl, s.issuer), flow)).claims()!;
    } catch (err) {
      const cancelled = err instanceof oidc.AuthorizationResponseError;
      s.log.warn({ err: (err as Error).message }, 'back-office sign-in failed');
      return failed(cancelled ? 'school.signIn.cancelled' : 'school.signIn.failed');
    }
    // The provider asked for the second factor; the ID token must say it was given.
    const amr = Array.isArray(claims.amr) ? claims.amr : [];
    // A code from an authenticator app (`otp`) or a passkey (`hwk`).
    if (claims.acr !== MFA_ACR || !(amr.includes('otp') || amr.includes('hwk')))
      return failed('school.signIn.noSecondFactor', 403);
    const sessionUid = await s.personAccess.portalSignedIn(ctx, claims.sub, ctx.get('user-agent'));
    if (!sessionUid) return failed('school.signIn.failed');
    if (!(await s.schoolOffice.access(claims.sub)))
      return renderMessage(ctx, { title: 'school.notAdmin.title', message: 'school.notAdmin.text', status: 403 });
    officeSession.write(ctx, claims.sub, sessionUid);
    await s.audit.record({ actor: claims.sub, action: 'school.office_signed_in', subject: claims.sub });
    seeOther(ctx, flow.returnTo);
  }

  /** Ends the back-office session here, then asks the provider to end its own (its page asks to confirm). */
  async function signOut(ctx: Context) {
    officeSession.clear(ctx);
    const config = await rp.configuration().catch(() => undefined);
    seeOther(ctx, config ? oidc.buildEndSessionUrl(config, {}).href : '/session/end');
  }

  return { start, finish, signOut };
}
