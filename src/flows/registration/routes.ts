// Self-registration (SPEC §4 flow 1, seed 000 §1.1): the wizard's pages in the order a person meets them, then the
// mailed activation link, then the sign-in page's "send the activation mail again".
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import { verifyCsrf } from '../../web/csrf.ts';
import { activate, showActivated, showActivationFailure } from './activation-page.ts';
import { registrationAssets } from './assets.ts';
import { freshCaptcha } from './captcha-route.ts';
import { showConfirm, submitConfirm } from './confirm.ts';
import type { RegistrationDeps } from './deps.ts';
import { showDone } from './done.ts';
import { showResendResult, submitResend } from './resend-page.ts';
import { showStep1, submitStep1 } from './step1.ts';

export function registrationRoutes(router: Router, deps: RegistrationDeps) {
  const form = bodyParser({ enableTypes: ['form'], formLimit: String(deps.maxBodyBytes) });
  registrationAssets(router);
  router.get('/register', showStep1(deps));
  router.post('/register', form, verifyCsrf, submitStep1(deps));
  router.get('/register/captcha', freshCaptcha(deps));
  router.get('/register/confirm', showConfirm(deps));
  router.post('/register/confirm', form, verifyCsrf, submitConfirm(deps));
  router.get('/register/done', showDone());
  router.get('/register/activate', activate(deps));
  router.get('/register/activate/:reason', showActivationFailure());
  router.get('/register/activated', showActivated());
  router.post('/register/resend', form, verifyCsrf, submitResend(deps));
  router.get('/register/resend/:result', showResendResult());
  router.get('/register/resend/:result/:interaction', showResendResult());
}
