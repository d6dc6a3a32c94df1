// The account pages (SPEC §4 flow 10, /account), in the order a person meets them: signing in to them, the
// profile and language, email and mobile, the contact phone (聯絡電話), password, identities, linked accounts,
// connected apps, devices, recent sign-ins. Every page needs a portal session; every form is parsed, then its CSRF
// token checked. The email and mobile pages also need a recent sign-in (web/recent-sign-in.ts).
import type Router from '@koa/router';
import { requireRecentSignIn } from '../../web/recent-sign-in.ts';
import { requireAccount } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { revokeAppAccess, showApps } from './apps.ts';
import { CONTACT_KINDS, contactPages } from './contact.ts';
import { contactPhonePages } from './contact-phone.ts';
import { showIdentities } from './identities.ts';
import { askUnlink, showLinks, unlink } from './links.ts';
import { showPasswordForm, submitPassword } from './password.ts';
import { portalSignIn } from './portal-sign-in.ts';
import { saveLanguage, showProfile } from './profile.ts';
import { showSessions, signOutOther, signOutOthers } from './sessions.ts';
import { showSignIns } from './sign-ins.ts';
import './texts.ts';

export function accountRoutes(router: Router, s: Services) {
  const signedIn = requireAccount(s);
  const form = [signedIn, s.forms.post];
  const portal = portalSignIn(s);

  router.get('/account/sign-in', portal.start);
  router.get('/account/callback', portal.finish);
  router.post('/account/sign-out', ...form, portal.signOut);

  router.get('/account', signedIn, showProfile(s));
  router.post('/account/language', ...form, saveLanguage(s));
  // A new email address or mobile number can take the account over (a password reset goes to it): only after a
  // recent sign-in, each page and each form sent (one left open goes to sign in again and back to its page).
  const recent = requireRecentSignIn();
  for (const kind of CONTACT_KINDS) {
    const pages = contactPages(s, kind);
    router.get(`/account/${kind}`, signedIn, recent, pages.showRequest);
    router.post(`/account/${kind}`, ...form, recent, pages.sendCode);
    router.get(`/account/${kind}/verify`, signedIn, recent, pages.showVerify);
    router.post(`/account/${kind}/verify`, ...form, recent, pages.verifyCode);
  }
  const contactPhone = contactPhonePages(s);
  router.get('/account/contact-phone', signedIn, contactPhone.show);
  router.post('/account/contact-phone', ...form, contactPhone.save);
  router.post('/account/contact-phone/remove', ...form, contactPhone.remove);
  router.get('/account/password', signedIn, showPasswordForm(s));
  router.post('/account/password', ...form, submitPassword(s));

  router.get('/account/identities', signedIn, showIdentities(s));

  router.get('/account/links', signedIn, showLinks(s));
  router.get('/account/links/:linkId/unlink', signedIn, askUnlink(s));
  router.post('/account/links/:linkId/unlink', ...form, unlink(s));

  router.get('/account/apps', signedIn, showApps(s));
  router.post('/account/apps/:clientId/revoke', ...form, revokeAppAccess(s));

  router.get('/account/sessions', signedIn, showSessions(s));
  router.post('/account/sessions/sign-out-others', ...form, signOutOthers(s));
  router.post('/account/sessions/:uid/sign-out', ...form, signOutOther(s));

  router.get('/account/sign-ins', signedIn, showSignIns(s));
}
