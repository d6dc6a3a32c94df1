// An account registered outside the wizard (the roster's 註冊新帳號, /register/roster/new) ends on the wizard's last
// page, /register/done, like every registration: this hands that page where the activation mail went, so that it says
// so (and not a step bar the person never saw). A one-use value for 30 minutes, its token in a signed, http-only cookie
// on /register (neither alone reads the address); the page reads it as often as it is drawn (a reload, the language
// link), and a later registration in the wizard forgets it.
import type { Context } from 'koa';
import { z } from 'zod';
import { isToken, type OneUseKind } from '../platform/one-use.ts';
import { signedCookie } from './cookies.ts';
import type { Services } from './services.ts';

const TTL_SECONDS = 30 * 60;
const cookie = signedCookie({ name: 'reg_sent', path: '/register', maxAgeSeconds: TTL_SECONDS });

const Sent = z.object({ email: z.string().max(320) });
export type RegistrationSent = z.infer<typeof Sent>;

export type RegistrationsSent = {
  /** Notes, for this browser, where the activation mail of the account just registered went. */
  note(ctx: Context, sent: RegistrationSent): Promise<void>;
  /** What was noted for this browser (and not forgotten since), else undefined. */
  read(ctx: Context): Promise<RegistrationSent | undefined>;
  /** Forgets it: the wizard registered another account since. */
  forget(ctx: Context): Promise<void>;
};

export function registrationsSent(s: Services): RegistrationsSent {
  const sent = s.oneUse.kind({
    name: 'registration-sent',
    schema: Sent,
    ttlSeconds: TTL_SECONDS,
  }) as OneUseKind<RegistrationSent>;
  const token = (ctx: Context) => {
    const current = cookie.get(ctx);
    return isToken(current) ? current : undefined;
  };
  return {
    async note(ctx, value) {
      cookie.set(ctx, await sent.issue(value));
    },
    read: (ctx) => sent.peek(token(ctx)),
    async forget(ctx) {
      const current = token(ctx);
      if (!current) return;
      cookie.clear(ctx);
      await sent.take(current);
    },
  };
}
