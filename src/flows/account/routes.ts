// The account pages (/account), in the order a person meets them. Every page needs a portal session;
// every form is parsed, then its CSRF token checked.
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import { verifyCsrf } from '../../web/csrf.ts';
import { revokeAppAccess, showApps } from './apps-page.ts';
import { CONTACT_KINDS } from './contact-code.ts';
import { sendContactCode, showContactForm, showVerifyForm, verifyContactCode } from './contact-pages.ts';
import type { AccountDeps } from './deps.ts';
import { showIdentities } from './identities-page.ts';
import { showPasswordForm, submitPassword } from './password-page.ts';
import { saveLanguage, showProfile } from './profile-page.ts';
import { requireAccount } from '../../web/require-account.ts';
import { portalRp } from './rp.ts';
import { showSessions, signOutOther, signOutOthers } from './sessions-page.ts';
import { finishSignIn, signOut, startSignIn } from './sign-in-routes.ts';
import { showSignIns } from './sign-ins-page.ts';

export function accountRoutes(router: Router, deps: AccountDeps) {
  const rp = portalRp(deps.issuer);
  const signedIn = requireAccount(deps);
  const form = [signedIn, bodyParser({ enableTypes: ['form'], formLimit: String(deps.maxBodyBytes) }), verifyCsrf];

  router.get('/account/sign-in', startSignIn(rp));
  router.get('/account/callback', finishSignIn(deps, rp));
  router.post('/account/sign-out', ...form, signOut(rp));

  router.get('/account', signedIn, showProfile(deps));
  router.post('/account/language', ...form, saveLanguage(deps));
  for (const kind of CONTACT_KINDS) {
    router.get(`/account/${kind}`, signedIn, showContactForm(kind));
    router.post(`/account/${kind}`, ...form, sendContactCode(deps, kind));
    router.get(`/account/${kind}/verify`, signedIn, showVerifyForm(deps, kind));
    router.post(`/account/${kind}/verify`, ...form, verifyContactCode(deps, kind));
  }
  router.get('/account/password', signedIn, showPasswordForm());
  router.post('/account/password', ...form, submitPassword(deps));

  router.get('/account/identities', signedIn, showIdentities(deps));

  router.get('/account/apps', signedIn, showApps(deps));
  router.post('/account/apps/:clientId/revoke', ...form, revokeAppAccess(deps));

  router.get('/account/sessions', signedIn, showSessions(deps));
  router.post('/account/sessions/sign-out-others', ...form, signOutOthers(deps));
  router.post('/account/sessions/:uid/sign-out', ...form, signOutOther(deps));

  router.get('/account/sign-ins', signedIn, showSignIns(deps));
}
