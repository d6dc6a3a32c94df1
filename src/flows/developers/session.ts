// The developer portal's own session (web/own-pages-session.ts): a signed cookie on /developers for a person who may
// develop (a teacher, staff or school administrator identity, or a developer account from the bureau).
import type { Context } from 'koa';
import { z } from 'zod';
import { ownPagesOf, ownPagesSession } from '../../web/own-pages-session.ts';
import type { Services } from '../../web/services.ts';
import { renderDevMessage } from './pages.ts';

export const DEVELOPER_SESSION_SECONDS = 8 * 3600;

export const ReturnTo = z
  .string()
  .regex(/^\/developers(\/[a-z0-9-]{1,40}){0,3}$/)
  .catch('/developers');

export const developerSession = (s: Services) =>
  ownPagesSession<true>(s, {
    path: '/developers',
    returnTo: ReturnTo,
    seconds: DEVELOPER_SESSION_SECONDS,
    access: async (personId) => ((await s.developers.organisations.mayDevelop(personId)) ? true : undefined),
    denied: (ctx) =>
      renderDevMessage(ctx, {
        title: 'developers.notDeveloper.title',
        message: 'developers.notDeveloper.text',
        status: 403,
      }),
  });

export type DeveloperSession = ReturnType<typeof developerSession>;

/** The signed-in developer. */
export const developerOf = (ctx: Context) => ownPagesOf<true>(ctx, '/developers').person;
