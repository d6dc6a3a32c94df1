// A registration form filled in beforehand (by the school-affairs system, or from an upstream account met at a
// sign-in), handed to the registration wizard in the same browser: the one-use ticket goes in the address AND in a
// signed cookie, and the wizard takes it only when both agree. A link to it sent to someone else (a "register here"
// link holding an attacker's upstream account, which the victim's new account would be linked to, or a pupil's
// national ID pushed by the school) opens an empty form there, and the ticket stays unused.
import type { Context } from 'koa';
import type { RegistrationPrefill } from '../domain/enrolment/service.ts';
import { signedCookie } from './cookies.ts';
import { seeOther } from './respond.ts';
import type { Services } from './services.ts';

const cookie = signedCookie({ name: 'register_prefill', path: '/register', maxAgeSeconds: 10 * 60 });

/** Keeps the prefill for this browser and sends it to the wizard (`GET /register/prefill?ticket=…`). */
export async function handPrefill(ctx: Context, s: Services, prefill: RegistrationPrefill): Promise<void> {
  const ticket = await s.enrolment.prefills.issue(prefill);
  cookie.set(ctx, ticket);
  seeOther(ctx, `/register/prefill?ticket=${ticket}`);
}

/** The prefill handed to this browser, used up; undefined for another browser's ticket (left as it is). */
export async function takePrefill(ctx: Context, s: Services): Promise<RegistrationPrefill | undefined> {
  const given = typeof ctx.query.ticket === 'string' ? ctx.query.ticket : undefined;
  const own = cookie.get(ctx);
  if (!given || given !== own) return undefined;
  cookie.clear(ctx);
  return s.enrolment.prefills.take(given);
}
