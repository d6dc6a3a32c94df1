// Self-registration (SPEC §4 flow 1, seed 000 §1.1): the wizard's pages in the order a person meets them (a form the
// school-affairs system filled in enters at /register/prefill), then the mailed activation link, then the sign-in
// page's "send the activation mail again".
import type Router from '@koa/router';
import { registrationsSent } from '../../web/registration-sent.ts';
import type { Services } from '../../web/services.ts';
import { serveFile } from '../../web/static.ts';
import {
  activate,
  discard,
  showActivated,
  showActivation,
  showActivationFailure,
  showDiscarded,
} from './activation.ts';
import { showConfirm, submitConfirm } from './confirm.ts';
import { showDone } from './done.ts';
import { drafts as draftsOf } from './draft.ts';
import { showResendResult, submitResend } from './resend.ts';
import { showStep1, submitStep1, takePrefill } from './step1.ts';
import './texts.ts';

export function registrationRoutes(router: Router, s: Services) {
  const { post } = s.forms;
  const drafts = draftsOf(s);
  const sentElsewhere = registrationsSent(s);
  // The wizard's stylesheet and its small script (no double submission), beside its views.
  serveFile(router, '/static/registration.css', 'views/registration/registration.css', 'text/css');
  serveFile(router, '/static/registration.js', 'views/registration/registration.js', 'text/javascript');
  router.get('/register', showStep1(s, drafts));
  router.post('/register', post, submitStep1(s, drafts));
  router.get('/register/prefill', takePrefill(s, drafts));
  router.get('/register/confirm', showConfirm(s, drafts));
  router.post('/register/confirm', post, submitConfirm(s, drafts, sentElsewhere));
  router.get('/register/done', showDone(drafts, sentElsewhere));
  router.get('/register/activate', showActivation(s));
  router.post('/register/activate', post, activate(s));
  router.post('/register/activate/discard', post, discard(s));
  router.get('/register/activate/:reason', showActivationFailure());
  router.get('/register/activated', showActivated());
  router.get('/register/discarded', showDiscarded());
  router.post('/register/resend', post, submitResend(s));
  router.get('/register/resend/:result', showResendResult());
  router.get('/register/resend/:result/:interaction', showResendResult());
}
