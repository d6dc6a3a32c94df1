// Signing in (SPEC §4 flow 4): the interaction pages oidc-provider sends the browser to, in the order a sign-in meets
// them — the sign-in form (and the forced password change), the identity menu, the consent; or declining.
import type Router from '@koa/router';
import { AppError } from '../../web/errors.ts';
import type { Services } from '../../web/services.ts';
import { abortInteraction } from './abort.ts';
import { submitConsent } from './consent.ts';
import { submitIdentity } from './identity.ts';
import { linkByPassword } from './link-by-password.ts';
import { submitLogin } from './login.ts';
import { forcedPasswordChange } from './password-change.ts';
import {
  passkeyOptions,
  sendProofAgain,
  showSecondFactor,
  submitPasskey,
  submitProof,
  submitSecondFactor,
} from './second-factor.ts';
import { showInteraction } from './show.ts';
import './texts.ts';

export function signInRoutes(router: Router, s: Services) {
  const { post } = s.forms;
  const linker = linkByPassword(s);
  const forced = forcedPasswordChange(s, linker);
  router.param('uid', async (uid, _ctx, next) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(uid)) throw new AppError('not_found', 404);
    await next();
  });
  router.get('/interaction/:uid', showInteraction(s));
  router.post('/interaction/:uid/login', post, submitLogin(s, forced, linker));
  router.get('/interaction/:uid/password', forced.show);
  router.post('/interaction/:uid/password', post, forced.submit);
  router.get('/interaction/:uid/second-factor', showSecondFactor(s));
  router.post('/interaction/:uid/second-factor', post, submitSecondFactor(s, linker));
  router.post('/interaction/:uid/second-factor/proof', post, submitProof(s));
  router.post('/interaction/:uid/second-factor/proof/again', post, sendProofAgain(s));
  router.post('/interaction/:uid/second-factor/passkey/options', post, passkeyOptions(s));
  router.post('/interaction/:uid/second-factor/passkey', post, submitPasskey(s, linker));
  router.post('/interaction/:uid/identity', post, submitIdentity(s));
  router.post('/interaction/:uid/confirm', post, submitConsent(s));
  router.post('/interaction/:uid/abort', post, abortInteraction(s));
}
