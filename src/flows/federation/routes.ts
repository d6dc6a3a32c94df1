// Signing in with another account (issue 13; seed 000 §5–§7): the city's OpenID provider, Google, Microsoft, Yahoo,
// LINE, Facebook. The sign-in page's buttons start the upstream leg; the upstream answers at /federation/:id/callback
// (the redirect URI registered there); a first visit meets the not-yet-linked page. The account portal links and
// unlinks accounts (/account/links) through the same leg.
import type Router from '@koa/router';
import { requireRecentSignIn } from '../../web/recent-sign-in.ts';
import { requireAccount } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { upstreamCallback } from './callback.ts';
import { continueAfterRegistration, registerFromUpstream, showNotLinked, showPending } from './not-linked.ts';
import { startLink, startSignIn } from './start.ts';
import './texts.ts';

export function federationRoutes(router: Router, s: Services) {
  const { post } = s.forms;
  router.get('/interaction/:uid/federation/new', showNotLinked(s));
  router.post('/interaction/:uid/federation/register', post, registerFromUpstream(s));
  router.get('/interaction/:uid/federation/continue', continueAfterRegistration(s));
  router.get('/interaction/:uid/federation/pending', showPending(s));
  router.get('/interaction/:uid/federation/:id', startSignIn(s));
  router.get('/federation/:id/callback', upstreamCallback(s));
  // A linked account signs in as the person: linking one needs a recent sign-in (web/recent-sign-in.ts); a stale
  // form goes to sign in again and back to the links page.
  router.post(
    '/federation/:id/link',
    requireAccount(s),
    post,
    requireRecentSignIn(() => '/account/links'),
    startLink(s),
  );
}
