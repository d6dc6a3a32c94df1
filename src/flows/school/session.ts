// The back office's own session: a signed cookie on /school naming the person and the provider session it came from
// (signed in with a second factor). Every page checks that session still lives, the person is active and still an
// administrator; a school's pages check the person may open that school.
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Person } from '../../domain/people/persons.ts';
import type { OfficeAccess } from '../../domain/schools/office.ts';
import { jsonCookie } from '../../web/cookies.ts';
import { AppError } from '../../web/errors.ts';
import type { Services } from '../../web/services.ts';
import { renderMessage } from './pages.ts';

export const OFFICE_SESSION_SECONDS = 3600;

const cookie = jsonCookie({
  name: 'school_session',
  path: '/school',
  maxAgeSeconds: OFFICE_SESSION_SECONDS,
  maxLength: 400,
  schema: z.object({ p: z.uuid(), s: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), e: z.number().int() }),
});

export const officeSession = {
  write: (ctx: Context, personId: string, sessionUid: string) =>
    cookie.write(ctx, { p: personId, s: sessionUid, e: Date.now() + OFFICE_SESSION_SECONDS * 1000 }),
  clear: (ctx: Context) => cookie.clear(ctx),
};

export type OfficeState = { person: Person; access: OfficeAccess };

/** Where a back-office page may send the browser back to after signing in. */
export const ReturnTo = z
  .string()
  .regex(/^\/school(\/[0-9]{6}(\/[a-z-]{1,30})?)?$/)
  .catch('/school');

export function requireOffice(s: Services): Middleware {
  return async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    const stored = cookie.read(ctx);
    const alive =
      stored && stored.e > Date.now() && (await s.personAccess.sessionAlive(stored.p, stored.s))
        ? await s.people.findById(stored.p)
        : undefined;
    if (!stored || alive?.status !== 'active') {
      if (stored) cookie.clear(ctx);
      ctx.status = 303;
      ctx.redirect(`/school/sign-in?${new URLSearchParams({ return_to: ReturnTo.parse(ctx.path) })}`);
      return;
    }
    const access = await s.schoolOffice.access(alive.id);
    if (!access) {
      cookie.clear(ctx);
      return renderMessage(ctx, { title: 'school.notAdmin.title', message: 'school.notAdmin.text', status: 403 });
    }
    ctx.state.office = { person: alive, access } satisfies OfficeState;
    await next();
  };
}

export function officeOf(ctx: Context): OfficeState {
  const state = ctx.state.office as OfficeState | undefined;
  if (!state) throw new Error('back-office route without requireOffice');
  return state;
}

/** A school's pages: the code must be one the person may open (another school's pages are not found, 404). */
export function requireSchool(s: Services): Middleware {
  return async (ctx, next) => {
    const code = String(ctx.params.code ?? '');
    if (!/^\d{6}$/.test(code) || !(await s.schoolOffice.mayOpen(officeOf(ctx).access, code)))
      throw new AppError('not_found', 404);
    await next();
  };
}
