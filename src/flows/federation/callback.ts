// GET /federation/:id/callback — the upstream's answer. Signing in: a linked upstream account signs in directly
// (amr `fed`); one not yet linked goes to the not-yet-linked page; any failure goes back to our sign-in page with a
// message. Linking from the account portal: the link is made for the person who started it, or the portal says why
// not. A callback that belongs to no leg of this browser (replayed, foreign, expired) gets a clear page.
import type { Context } from 'koa';
import type { LegState } from '../../domain/upstreams/leg.ts';
import type { UpstreamAccount } from '../../domain/upstreams/links.ts';
import { signedInByUid } from '../../web/interaction.ts';
import { readPortalSession } from '../../web/portal-cookie.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderMessage } from './pages.ts';
import { browserBinding, resendOffer, UPSTREAM_ID } from './state.ts';

/** The sign-in page's message for each way a leg can fail. */
const NOTICE = {
  cancelled: 'cancelled',
  upstream_error: 'failed',
  invalid: 'failed',
  unavailable: 'unavailable',
  disabled: 'disabled',
} as const;

export function upstreamCallback(s: Services) {
  return async (ctx: Context) => {
    const id = String(ctx.params.id);
    if (!UPSTREAM_ID.test(id)) return renderMessage(ctx, { message: 'federation.message.state', status: 400 });
    const query = new URLSearchParams(ctx.querystring);
    const finished = await s.upstreamLeg.finish(id, query, browserBinding.get(ctx));
    if (!finished.ok) {
      const { reason, leg, detail } = finished;
      s.log.warn({ upstream: id, reason, detail }, 'upstream sign-in failed');
      s.metrics.signIns.inc({ outcome: `federation_${reason}` });
      if (!leg) return renderMessage(ctx, { message: 'federation.message.state', status: 400 });
      // The upstream's id (checked above) goes along, so that the page can name it ("you cancelled at …").
      const notice = `${NOTICE[reason as keyof typeof NOTICE]}&upstream=${id}`;
      if (leg.purpose === 'link') return seeOther(ctx, `/account/links?result=${notice}`);
      return seeOther(ctx, `/interaction/${leg.interaction}?federation=${notice}`);
    }
    const { leg, account } = finished;
    if (leg.purpose === 'link') return linkFromPortal(ctx, s, leg, account);
    return signIn(ctx, s, leg, account);
  };
}

async function signIn(ctx: Context, s: Services, leg: LegState, account: UpstreamAccount) {
  const uid = leg.interaction!;
  const linked = await s.federatedLinks.personFor(account.provider, account.subject);
  if (!linked) {
    // First time: the not-yet-linked page offers to create an account or to link one by signing in with it.
    const upstream = await s.upstreams.find(account.provider);
    await s.federatedLinks.pending.save(uid, { ...account, providerName: upstream?.name ?? account.provider });
    return seeOther(ctx, `/interaction/${uid}/federation/new`);
  }
  const person = await s.people.findById(linked.personId);
  if (person?.status !== 'active') {
    await s.audit.record({
      actor: linked.personId,
      action: 'sign_in.failure',
      subject: linked.personId,
      detail: { reason: person?.status === 'pending' ? 'inactive' : 'locked', method: 'federation' },
    });
    // Waiting for its activation mail: the page that says so offers to send it again (as the password's answer does).
    const ticket =
      person?.status === 'pending' && (await s.enrolment.offerResend({ personId: person.id, interaction: uid }));
    if (ticket) {
      resendOffer.set(ctx, uid, ticket);
      return seeOther(ctx, `/interaction/${uid}/federation/pending`);
    }
    return seeOther(ctx, `/interaction/${uid}?federation=${person?.status === 'pending' ? 'pending' : 'inactive'}`);
  }
  await finishFederated(ctx, s, uid, person.id, linked.linkId, account);
}

/** The sign-in by a linked upstream account: recorded (the portal's recent sign-ins), then the authorization goes on. */
export async function finishFederated(
  ctx: Context,
  s: Services,
  uid: string,
  personId: string,
  linkId: string,
  account: UpstreamAccount,
) {
  const done = await signedInByUid(ctx, s, uid, { personId, amr: ['fed'], remember: false });
  if (!done) return renderMessage(ctx, { message: 'federation.message.expired', status: 400, restart: true });
  await s.federatedLinks.used(linkId, account.email);
  s.metrics.signIns.inc({ outcome: 'success' });
  await s.audit.record({
    actor: personId,
    action: 'sign_in.success',
    subject: personId,
    detail: { client: done.clientId, method: 'federation', upstream: account.provider },
  });
}

async function linkFromPortal(ctx: Context, s: Services, leg: LegState, account: UpstreamAccount) {
  // Only for the person still signed in to the portal in this browser.
  if (readPortalSession(ctx)?.personId !== leg.personId) return seeOther(ctx, '/account/links?result=expired');
  const result = await s.federatedLinks.link(leg.personId!, account, 'portal');
  // Which upstream, as the failures say it (its id, checked at the start of the callback): the page names it by its
  // configured name, and shows "linked" only when that upstream's link is new.
  seeOther(ctx, `/account/links?result=${result}&upstream=${account.provider}`);
}
