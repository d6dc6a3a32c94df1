// The interaction pages oidc-provider sends the browser to, in the order a sign-in meets them.
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import { AppError } from '../../web/errors.ts';
import { verifyCsrf } from '../../web/csrf.ts';
import { abortInteraction } from './abort.ts';
import { submitConsent } from './consent.ts';
import type { InteractionDeps } from './deps.ts';
import { submitIdentity } from './identity.ts';
import { submitLogin } from './login.ts';
import { showForcedChange, submitForcedChange } from './password-change.ts';
import { showInteraction } from './show.ts';

export function interactionRoutes(router: Router, deps: InteractionDeps & { maxBodyBytes: number }) {
  const form = bodyParser({ enableTypes: ['form'], formLimit: String(deps.maxBodyBytes) });
  router.param('uid', async (uid, ctx, next) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(uid)) throw new AppError('not_found', 404);
    await next();
  });
  router.get('/interaction/:uid', showInteraction(deps));
  router.post('/interaction/:uid/login', form, verifyCsrf, submitLogin(deps));
  router.get('/interaction/:uid/password', showForcedChange(deps));
  router.post('/interaction/:uid/password', form, verifyCsrf, submitForcedChange(deps));
  router.post('/interaction/:uid/identity', form, verifyCsrf, submitIdentity(deps));
  router.post('/interaction/:uid/confirm', form, verifyCsrf, submitConsent(deps));
  router.post('/interaction/:uid/abort', form, verifyCsrf, abortInteraction(deps));
}
