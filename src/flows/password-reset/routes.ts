// Password reset pages, in the order a person meets them: ask → (email link | SMS code) → new password → done.
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import { verifyCsrf } from '../../web/csrf.ts';
import { showCode, submitCode } from './code.ts';
import type { PasswordDeps } from './deps.ts';
import { showForgot, showSent, submitForgot } from './forgot.ts';
import { showReset, submitReset } from './reset.ts';

export function passwordRoutes(router: Router, deps: PasswordDeps) {
  const form = bodyParser({ enableTypes: ['form'], formLimit: String(deps.maxBodyBytes) });
  router.get('/password/forgot', showForgot(deps));
  router.post('/password/forgot', form, verifyCsrf, submitForgot(deps));
  router.get('/password/forgot/sent', showSent(deps));
  router.get('/password/reset/code', showCode(deps));
  router.post('/password/reset/code', form, verifyCsrf, submitCode(deps));
  router.get('/password/reset', showReset(deps));
  router.post('/password/reset', form, verifyCsrf, submitReset(deps));
}
