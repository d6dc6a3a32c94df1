// Parent-child binding (seed 002, issue 12), in the order a parent meets it: a code to their own contact → the status
// page → step 1 the student → step 2 the statement → step 3 the parent and the signature → the status page again;
// then the homeroom teacher's (or the school's, after a sign-in with a second factor) review.
import type Router from '@koa/router';
import { requireAccount } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { serveFile } from '../../web/static.ts';
import { makeCode, showCard, showCodes } from './codes.ts';
import { showConsent, submitConsent } from './consent.ts';
import { checkCode, sendCode, showCode, showContact } from './contact.ts';
import { showParent, submitParent } from './parent.ts';
import { approveApplication, rejectApplication, revokeLink, showReview } from './review.ts';
import { reviewSession, reviewSignIn } from './review-session.ts';
import { bindingState, requireBinding } from './state.ts';
import {
  cancelApplication,
  downloadPdf,
  showCancel,
  showStatus,
  showWithdrawAll,
  signOut,
  withdrawAll,
} from './status.ts';
import { removeStudent, showStudent, submitStudent } from './student.ts';
import './texts.ts';

export function bindingRoutes(router: Router, s: Services) {
  const { post } = s.forms;
  const state = bindingState(s);
  const open = requireBinding(state);
  serveFile(router, '/static/binding.css', 'views/binding/binding.css', 'text/css');
  serveFile(router, '/static/binding-print.js', 'views/binding/print.js', 'text/javascript');
  router.get('/binding', showContact(s, state));
  router.post('/binding', post, sendCode(s, state));
  router.get('/binding/code', showCode(state));
  router.post('/binding/code', post, checkCode(s, state));

  router.get('/binding/status', open, showStatus(s));
  // Cancelling and withdrawing ask first: the GET is the page that asks, its button the POST (confirm=yes).
  router.get('/binding/applications/:id/cancel', open, showCancel(s));
  router.post('/binding/applications/:id/cancel', post, open, cancelApplication(s));
  router.get('/binding/applications/:id/pdf', open, downloadPdf(s));
  router.get('/binding/withdraw-all', open, showWithdrawAll(s));
  router.post('/binding/withdraw-all', post, open, withdrawAll(s));
  router.post('/binding/sign-out', post, signOut(state));

  router.get('/binding/student', open, showStudent());
  router.post('/binding/student', post, open, submitStudent(s, state));
  router.post('/binding/student/:id/remove', post, open, removeStudent(state));
  router.get('/binding/consent', open, showConsent());
  router.post('/binding/consent', post, open, submitConsent(state));
  router.get('/binding/parent', open, showParent());
  router.post('/binding/parent', post, open, submitParent(s, state));

  const signedIn = requireAccount(s);
  // Reviewing as a school's (or the bureau's) administrator: a sign-in with a second factor first (review-session.ts).
  const review = reviewSession(s);
  const reviewIn = reviewSignIn(s, review);
  router.get('/binding/review/sign-in', reviewIn.start);
  router.get('/binding/review/callback', reviewIn.finish);
  router.get('/binding/review', signedIn, showReview(s, review));
  router.post('/binding/review/:id/approve', signedIn, post, approveApplication(s, review));
  router.post('/binding/review/:id/reject', signedIn, post, rejectApplication(s, review));
  router.post('/binding/review/:id/revoke', signedIn, post, revokeLink(s, review));
  router.get('/binding/review/codes', signedIn, showCodes(s));
  router.get('/binding/review/codes/:id', signedIn, showCard(s));
  router.post('/binding/review/codes/:id', signedIn, post, makeCode(s));
}
