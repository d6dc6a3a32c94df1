// GET /account/sessions — signed-in devices; POST …/:uid/sign-out and …/sign-out-others end other ones.
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../web/errors.ts';
import { chooseLocale } from '../../platform/i18n/index.ts';
import type { AccountDeps } from './deps.ts';
import { noticeOf, redirectDone } from './notices.ts';
import { renderAccount } from './page.ts';
import { accountOf } from '../../web/require-account.ts';
import { activeSessions, signOutSession } from '../../oidc/sessions.ts';
import { formatTime } from './time.ts';

export function showSessions(deps: AccountDeps) {
  return async (ctx: Context) => {
    const locale = chooseLocale(ctx);
    const { person, sessionUid } = accountOf(ctx);
    const sessions = await activeSessions(deps.provider(), deps.db, person.id, sessionUid);
    const time = (d: Date | undefined) => (d ? formatTime(d, locale) : undefined);
    renderAccount(ctx, 'sessions', 'sessions', {
      sessions: sessions.map((s) => ({ ...s, signedInAt: time(s.signedInAt), lastSeenAt: time(s.lastSeenAt), expiresAt: time(s.expiresAt) })),
      notice: noticeOf(ctx),
    });
  };
}

const SessionParam = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

export function signOutOther(deps: AccountDeps) {
  return async (ctx: Context) => {
    const { person, sessionUid } = accountOf(ctx);
    const params = SessionParam.safeParse(ctx.params);
    // The session in use is ended with the sign-out button, which also ends the portal session.
    if (!params.success || params.data.uid === sessionUid) throw new AppError('not_found', 404);
    if (!(await signOutSession(deps.provider(), deps.db, person.id, params.data.uid))) throw new AppError('not_found', 404);
    redirectDone(ctx, '/account/sessions', 'signedOut');
  };
}

export function signOutOthers(deps: AccountDeps) {
  return async (ctx: Context) => {
    const { person, sessionUid } = accountOf(ctx);
    const sessions = await activeSessions(deps.provider(), deps.db, person.id, sessionUid);
    for (const s of sessions) if (!s.current) await signOutSession(deps.provider(), deps.db, person.id, s.uid);
    redirectDone(ctx, '/account/sessions', 'signedOutOthers');
  };
}
