// The first sign-in with an upstream account (seed 000 §6.1 「您輸入的Facebook帳號未與任何酷課帳號建立聯繫」):
// GET /interaction/:uid/federation/new names the upstream and its account (masked email) and offers "create an
// account" (the registration wizard, prefilled with the upstream's name and email; the link is made with the account)
// or "sign in with my account" (the sign-in page, which links it once the password is right). After a registration
// that needed no activation mail, GET /interaction/:uid/federation/continue signs the new account in.
import type { Context } from 'koa';
import { EMPTY_VALUES } from '../../domain/enrolment/person-input.ts';
import { maskEmail } from '../../domain/people/masks.ts';
import { loadInteraction } from '../../web/interaction.ts';
import { handPrefill } from '../../web/prefill.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { finishFederated } from './callback.ts';
import { renderNotLinked, renderPending } from './pages.ts';
import { resendOffer } from './state.ts';

export function showNotLinked(s: Services) {
  return async (ctx: Context) => {
    const { details, clientName } = await loadInteraction(ctx, s, 'login');
    const pending = await s.federatedLinks.pending.peek(details.uid);
    if (!pending) return seeOther(ctx, `/interaction/${details.uid}`);
    renderNotLinked(ctx, {
      uid: details.uid,
      clientName,
      providerName: pending.providerName,
      email: pending.email ? maskEmail(pending.email) : undefined,
    });
  };
}

/** POST /interaction/:uid/federation/register — "create an account": to the wizard, prefilled. */
export function registerFromUpstream(s: Services) {
  return async (ctx: Context) => {
    const { details } = await loadInteraction(ctx, s, 'login');
    const pending = await s.federatedLinks.pending.peek(details.uid);
    if (!pending) return seeOther(ctx, `/interaction/${details.uid}`);
    await handPrefill(ctx, s, {
      values: { ...EMPTY_VALUES, name: pending.name ?? '', email: pending.email ?? '' },
      federated: pending,
      interaction: details.uid,
    });
  };
}

/** GET /interaction/:uid/federation/continue — the account just made from the upstream account signs in. */
export function continueAfterRegistration(s: Services) {
  return async (ctx: Context) => {
    const { details } = await loadInteraction(ctx, s, 'login');
    const pending = await s.federatedLinks.pending.take(details.uid);
    const linked = pending && (await s.federatedLinks.personFor(pending.provider, pending.subject));
    const person = linked && (await s.people.findById(linked.personId));
    if (!pending || !linked || person?.status !== 'active') return seeOther(ctx, `/interaction/${details.uid}`);
    await finishFederated(ctx, s, details.uid, person.id, linked.linkId, pending);
  };
}

/**
 * GET /interaction/:uid/federation/pending — an account made through an upstream, still waiting for its activation
 * mail: says so, with "send the activation mail again" (POST /register/resend, the offer kept for this sign-in) and the
 * way back to the sign-in page. Without the offer (another browser, or after 15 minutes): the sign-in page's notice.
 */
export function showPending(s: Services) {
  return async (ctx: Context) => {
    const { details } = await loadInteraction(ctx, s, 'login');
    const ticket = resendOffer.get(ctx, details.uid);
    if (!ticket) return seeOther(ctx, `/interaction/${details.uid}?federation=pending`);
    renderPending(ctx, { uid: details.uid, ticket });
  };
}
