// GET /account/sessions — signed-in devices; POST …/:uid/sign-out and …/sign-out-others end other ones.
import type { Context } from 'koa';
import { z } from 'zod';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { accountOf } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { noticeOf, redirectDone } from './notices.ts';
import { renderAccount } from './pages.ts';
import { formatTime } from './time.ts';

export function showSessions(s: Services) {
  return async (ctx: Context) => {
    const locale = chooseLocale(ctx);
    const { person, sessionUid } = accountOf(ctx);
    const sessions = await s.personAccess.activeSessions(person.id, sessionUid);
    const time = (d: Date | undefined) => (d ? formatTime(d, locale) : undefined);
    renderAccount(ctx, 'sessions', 'sessions', {
      sessions: sessions.map((s) => ({
        ...s,
        signedInAt: time(s.signedInAt),
        lastSeenAt: time(s.lastSeenAt),
        expiresAt: time(s.expiresAt),
      })),
      notice: noticeOf(ctx),
    });
  };
}

const SessionParam = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

export function signOutOther(s: Services) {
  return async (ctx: Context) => {
    const { person, sessionUid } = accountOf(ctx);
    const params = SessionParam.safeParse(ctx.params);
    // The session in use is ended with the sign-out button, which also ends the portal session.
    if (!params.success || params.data.uid === sessionUid) throw new AppError('not_found', 404);
    // Gone already (pressed twice, another tab, or it ended by itself): that device is signed out, as the person wanted.
    const ended = await s.personAccess.signOutSession(person.id, params.data.uid);
    redirectDone(ctx, '/account/sessions', ended ? 'signedOut' : 'alreadySignedOut');
  };
}

export function signOutOthers(s: Services) {
  return async (ctx: Context) => {
    const { person, sessionUid } = accountOf(ctx);
    await s.personAccess.endEverywhere(person.id, { keep: sessionUid, reason: 'signed_out_others' });
    redirectDone(ctx, '/account/sessions', 'signedOutOthers');
  };
}
