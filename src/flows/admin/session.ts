// The bureau console's own session (web/own-pages-session.ts): a signed cookie on /admin, opened after a sign-in with a
// second factor, for a person with an active `bureau_admin` identity; checked again on every page.
import type { Context } from 'koa';
import { z } from 'zod';
import { ownPagesOf, ownPagesSession } from '../../web/own-pages-session.ts';
import type { Services } from '../../web/services.ts';
import { renderAdminMessage } from './pages.ts';

export const ADMIN_SESSION_SECONDS = 3600;

/** Where a console page may send the browser back to after signing in. */
export const ReturnTo = z
  .string()
  .regex(/^\/admin(\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}){0,3}$/)
  .catch('/admin');

export const adminSession = (s: Services) =>
  ownPagesSession<true>(s, {
    path: '/admin',
    returnTo: ReturnTo,
    seconds: ADMIN_SESSION_SECONDS,
    access: async (personId) => ((await s.schoolOffice.access(personId))?.bureau ? true : undefined),
    denied: (ctx) =>
      renderAdminMessage(ctx, { title: 'admin.notAdmin.title', message: 'admin.notAdmin.text', status: 403 }),
  });

export type AdminSession = ReturnType<typeof adminSession>;

/** The bureau administrator on a console page. */
export const adminOf = (ctx: Context) => ownPagesOf<true>(ctx, '/admin').person;
