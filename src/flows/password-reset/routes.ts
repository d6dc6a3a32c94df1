// Password reset (SPEC §4 flow 11), in the order a person meets it: ask → (email link | SMS code) → new password → done.
import type Router from '@koa/router';
import type { Services } from '../../web/services.ts';
import { showCode, submitCode } from './code.ts';
import { showForgot, showSent, submitForgot } from './forgot.ts';
import { showReset, showResetDone, submitReset } from './reset.ts';
import { resetState } from './state.ts';
import './texts.ts';

export function passwordResetRoutes(router: Router, s: Services) {
  const { post } = s.forms;
  const state = resetState(s);
  router.get('/password/forgot', showForgot(s));
  router.post('/password/forgot', post, submitForgot(s, state));
  router.get('/password/forgot/sent', showSent(s));
  router.get('/password/reset/code', showCode(s, state));
  router.post('/password/reset/code', post, submitCode(s, state));
  router.get('/password/reset', showReset(s, state));
  router.post('/password/reset', post, submitReset(s, state));
  router.get('/password/reset/done', showResetDone(s));
}
