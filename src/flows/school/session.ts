// The back office's own session (web/own-pages-session.ts): a signed cookie on /school naming the person and the
// provider session it came from (signed in with a second factor). Every page checks that session still lives, the
// person is active and still an administrator; a school's pages check the person may open that school.
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { OfficeAccess } from '../../domain/schools/office.ts';
import { AppError } from '../../web/errors.ts';
import { ownPagesOf, ownPagesSession } from '../../web/own-pages-session.ts';
import type { Services } from '../../web/services.ts';
import { renderMessage } from './pages.ts';

export const OFFICE_SESSION_SECONDS = 3600;

/** Where a back-office page may send the browser back to after signing in. */
export const ReturnTo = z
  .string()
  .regex(/^\/school(\/[0-9]{6}(\/[a-z-]{1,30})?)?$/)
  .catch('/school');

export const officeSession = (s: Services) =>
  ownPagesSession<OfficeAccess>(s, {
    path: '/school',
    returnTo: ReturnTo,
    seconds: OFFICE_SESSION_SECONDS,
    access: (personId) => s.schoolOffice.access(personId),
    denied: (ctx) =>
      renderMessage(ctx, { title: 'school.notAdmin.title', message: 'school.notAdmin.text', status: 403 }),
  });

export const officeOf = (ctx: Context) => ownPagesOf<OfficeAccess>(ctx, '/school');

/** A school's pages: the code must be one the person may open (another school's pages are not found, 404). */
export function requireSchool(s: Services): Middleware {
  return async (ctx, next) => {
    const code = String(ctx.params.code ?? '');
    if (!/^\d{6}$/.test(code) || !(await s.schoolOffice.mayOpen(officeOf(ctx).access, code)))
      throw new AppError('not_found', 404);
    await next();
  };
}
