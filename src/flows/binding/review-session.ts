// The administrators' review (a school's administrator, the bureau's): an approval gives a parent a child's data in
// every app, so reviewing as an administrator needs a sign-in with a second factor, as the school back office does
// (web/own-rp-sign-in.ts: /binding/review/sign-in asks our own provider for one with acr_values, /binding/review/callback
// checks the ID token says it was given and opens the review's own session, web/own-pages-session.ts: a signed cookie
// on /binding/review naming the person and the provider session, for an hour). A homeroom teacher reviews their own
// class after the password alone (the account pages' sign-in), as before.
import type { Context } from 'koa';
import { z } from 'zod';
import type { Reviewer } from '../../domain/binding/service.ts';
import { BINDING_REVIEW_CLIENT_ID } from '../../domain/clients/own-pages.ts';
import { ownPagesSession } from '../../web/own-pages-session.ts';
import { ownSignIn } from '../../web/own-rp-sign-in.ts';
import { accountOf } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { renderBinding } from './pages.ts';

export const REVIEW_SESSION_SECONDS = 3600;
const PATH = '/binding/review';
/** The cookies' names: a path of two segments names none by itself. */
const NAME = 'binding_review';
/** Where the browser goes back to after signing in: the review page (its only page). */
const ReturnTo = z
  .string()
  .regex(/^\/binding\/review$/)
  .catch(PATH);

/** The way to the sign-in with a second factor, and back to the review page. */
export const REVIEW_SIGN_IN = `${PATH}/sign-in`;

function message(ctx: Context, page: { title: string; message: string; status: number; again?: boolean }) {
  renderBinding(ctx, 'message', {
    title: page.title,
    message: page.message,
    tone: 'error',
    links: [
      ...(page.again ? [{ href: REVIEW_SIGN_IN, label: 'binding.reviewSignIn.again' }] : []),
      { href: '/account', label: 'binding.review.account' },
    ],
    status: page.status,
  });
}

export function reviewSession(s: Services) {
  return ownPagesSession<true>(s, {
    path: PATH,
    name: NAME,
    returnTo: ReturnTo,
    seconds: REVIEW_SESSION_SECONDS,
    access: async (personId) => ((await s.binding.administers(personId)) ? true : undefined),
    denied: (ctx) =>
      message(ctx, {
        title: 'binding.reviewSignIn.notAdminTitle',
        message: 'binding.reviewSignIn.notAdmin',
        status: 403,
      }),
  });
}

export type ReviewSession = ReturnType<typeof reviewSession>;

export function reviewSignIn(s: Services, session: ReviewSession) {
  return ownSignIn(s, {
    path: PATH,
    name: NAME,
    clientId: BINDING_REVIEW_CLIENT_ID,
    returnTo: ReturnTo,
    secondFactor: true,
    // A sign-in (password and second factor) no older than the pages' own session: a provider session kept for days
    // ("remember me") does not open them again without both once their hour is over.
    maxAgeSeconds: REVIEW_SESSION_SECONDS,
    fail: (ctx, failure, status) =>
      message(ctx, {
        title: 'binding.reviewSignIn.failedTitle',
        message: `binding.reviewSignIn.${failure}`,
        status,
        again: true,
      }),
    open: (ctx, claims, sessionUid) => session.open(ctx, claims.sub, sessionUid),
    close: (ctx) => session.clear(ctx),
    current: (ctx) => session.current(ctx),
  });
}

/**
 * Who reviews on this request: the person signed in to the account pages; as an administrator only when this browser
 * signed the same person in with a second factor at /binding/review/sign-in within the hour (and the provider session
 * it came from lives). `administers`: whether they are an administrator at all (then the page offers that sign-in).
 */
export async function reviewerOf(
  s: Services,
  session: ReviewSession,
  ctx: Context,
): Promise<Reviewer & { administers: boolean }> {
  const { person } = accountOf(ctx);
  const admin = await session.find(ctx);
  const asAdministrator = admin?.person.id === person.id;
  return {
    personId: person.id,
    asAdministrator,
    administers: asAdministrator || (await s.binding.administers(person.id)),
  };
}
