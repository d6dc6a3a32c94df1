// oidc-provider's sign-out page (/session/end) keeps a session for its confirmation form even for a visitor who was
// never signed in (ten minutes: ANONYMOUS_SESSION_SECONDS). Counted per network address, so nobody can fill the store
// with them: past the limit the answer is our "too many requests" page (429, Retry-After).
import type { Middleware } from 'koa';
import { SIGN_OUT_PAGES } from '../platform/limits.ts';
import type { Logger } from '../platform/log.ts';
import type { Throttle } from '../platform/throttle.ts';
import { renderError } from './error-handler.ts';

export function signOutLimit(throttle: Throttle, log: Logger): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/session/end') return next();
    try {
      await throttle.enforce(SIGN_OUT_PAGES, ctx.ip);
    } catch (err) {
      return renderError(ctx, err, log);
    }
    return next();
  };
}
