// What a reset keeps between its pages, in the one-use store: the password link (domain/people/password-links.ts:
// mailed, or earned with a right SMS code) and the SMS code itself. Unknown numbers get an SMS ticket too (no person, a code nobody receives),
// so the pages that follow look the same whether an account exists or not.
import type { Context } from 'koa';
import { z } from 'zod';
import { type PasswordGrant, stillValid } from '../../domain/people/password-links.ts';
import { digest } from '../../platform/one-use.ts';
import { jsonCookie } from '../../web/cookies.ts';
import type { Services } from '../../web/services.ts';

export const INTERACTION_UID = /^[A-Za-z0-9_-]{1,64}$/;

export type ResetGrant = PasswordGrant;
export { stillValid };

const SmsTicket = z.object({
  personId: z.uuid().nullable(),
  interaction: z.string().regex(INTERACTION_UID).optional(),
  issuedAt: z.number().int(),
  /** The number typed (its stored form): wrong codes are counted per number (sms-wait.ts). */
  mobile: z.string().max(20).optional(),
});

/** After a right SMS code, the new-password form has this long. */
export const SMS_TOKEN_TTL_SECONDS = 900;

export function resetState(s: Services) {
  return {
    tokens: s.passwordLinks,
    /** 6 digits, 10 minutes, 5 tries. */
    codes: s.oneUse.codes({ name: 'password-reset-sms', schema: SmsTicket, ttlSeconds: 600, maxTries: 5 }),
  };
}
export type ResetState = ReturnType<typeof resetState>;

/**
 * How far this browser got with a reset, so that Back (or an old tab) to a page whose ticket or link it used up leads
 * on instead of saying "no longer valid": the SMS ticket whose right code it typed (its digest) and the link that code
 * earned, and, once the password is set, where the done page is. Only this browser holds it (a signed cookie of the
 * reset's pages, one hour); the link's token is the one already in this browser's address bar and history.
 */
const Progress = z.object({
  ticket: z.string().max(64).optional(),
  token: z.string().max(100),
  done: z
    .string()
    .max(300)
    .regex(/^\/password\/reset\/done(\?|$)/)
    .optional(),
});
type Progress = z.infer<typeof Progress>;

const progressCookie = jsonCookie({
  name: 'password_reset',
  path: '/password/reset',
  maxAgeSeconds: 3600,
  schema: Progress,
});

export const progress = {
  /** The right code of `ticket` earned the link `token`. */
  codeUsed(ctx: Context, ticket: string, token: string): void {
    progressCookie.write(ctx, { ticket: digest(ticket), token });
  },
  /** The link `token` set the password; its done page is `done` (`/password/reset/done?…`). */
  passwordSet(ctx: Context, token: string, done: string): void {
    const earlier = progressCookie.read(ctx);
    progressCookie.write(ctx, { ...(earlier?.token === token ? earlier : {}), token, done });
  },
  /** The link the right code of this used-up ticket earned in this browser, if it did. */
  linkOf(ctx: Context, ticket: string): string | undefined {
    const p: Progress | undefined = progressCookie.read(ctx);
    return p?.ticket && p.ticket === digest(ticket) ? p.token : undefined;
  },
  /** The done page of a used-up link that set the password in this browser, if it did. */
  doneOf(ctx: Context, token: string): string | undefined {
    const p: Progress | undefined = progressCookie.read(ctx);
    return p?.token === token ? p.done : undefined;
  },
};
