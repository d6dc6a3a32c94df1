// GET/POST /password/reset?token=… — the new-password form of a reset; the token is used up only by a successful
// change (a mail scanner opening the link does not spend it). Then GET /password/reset/done: a page of its own, so
// that reloading it does not send the spent link again (which would say the link no longer works). A refused password
// is answered on a page that stands for the form's address (render.ts `formPage`), and the link this browser used up
// leads to its done page: Back from the done page shows that the password is set, never "confirm form resubmission"
// or "this link does not work".
import type { Context } from 'koa';
import { z } from 'zod';
import type { Person } from '../../domain/people/persons.ts';
import { isToken } from '../../platform/one-use.ts';
import { NewPasswordForm } from '../../web/forms.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { backLink } from './back-link.ts';
import { renderMessage, renderResetForm } from './pages.ts';
import { INTERACTION_UID, progress, type ResetGrant, type ResetState, stillValid } from './state.ts';

const TokenQuery = z.object({ token: z.string().max(100).optional().catch(undefined) });
/** `?interaction=<uid>`: the sign-in the reset started from; anything else is ignored. */
const DoneQuery = z.object({
  interaction: z.string().regex(INTERACTION_UID).optional().catch(undefined),
  /** The first password of a new account (a welcome link), not a reset. */
  first: z.literal('1').optional().catch(undefined),
  /** The reset removed linked upstream accounts: the page says so, and how to link them again. */
  links: z.literal('removed').optional().catch(undefined),
});

const accountName = (p: Person) => p.username ?? p.email ?? p.mobile ?? undefined;

/** The grant and its person, if the token is live and nothing has changed the password since it was issued. */
async function liveGrant(
  s: Services,
  state: ResetState,
  token: unknown,
): Promise<{ grant: ResetGrant; person: Person } | undefined> {
  const grant = await state.tokens.peek(token);
  const person = grant ? await s.people.findById(grant.personId) : undefined;
  if (!grant || !person || person.status !== 'active' || !stillValid(grant, person.password_changed_at))
    return undefined;
  return { grant, person };
}

/** A link that works no more: the page saying so, or, when it set the password in this browser, its done page. */
function renderInvalid(ctx: Context, token: string | undefined) {
  const done = token ? progress.doneOf(ctx, token) : undefined;
  if (done) return seeOther(ctx, done);
  renderMessage(ctx, {
    title: 'password.reset.invalidTitle',
    message: 'password.reset.invalid',
    tone: 'error',
    status: 400,
    links: [
      { href: '/password/forgot', label: 'password.reset.again' },
      { href: '/', label: 'password.back.home' },
    ],
    formPage: isToken(token) ? `/password/reset?token=${token}` : undefined,
  });
}

export function showReset(s: Services, state: ResetState) {
  return async (ctx: Context) => {
    const { token } = TokenQuery.parse(ctx.query);
    const live = await liveGrant(s, state, token);
    if (!token || !live) return renderInvalid(ctx, token);
    renderResetForm(ctx, { token, accountName: accountName(live.person), welcome: live.grant.via === 'welcome' });
  };
}

export function submitReset(s: Services, state: ResetState) {
  return async (ctx: Context) => {
    const { token } = TokenQuery.parse(ctx.query);
    const form = NewPasswordForm.parse(ctx.request.body ?? {});
    const live = await liveGrant(s, state, token);
    if (!token || !live) return renderInvalid(ctx, token);
    const { person } = live;
    const errors = await s.people.checkNewPassword(person, form.password, form.confirm);
    if (errors.password || errors.confirm)
      return renderResetForm(ctx, {
        token,
        accountName: accountName(person),
        errors,
        status: 400,
        welcome: live.grant.via === 'welcome',
      });
    // One use: of two simultaneous submissions only one gets the grant.
    const grant = await state.tokens.take(token);
    if (!grant) return renderInvalid(ctx, token);
    const signOut = await s.people.setPassword(person, form.password, {
      audit: { actor: person.id, action: 'password.reset', subject: person.id, detail: { via: grant.via } },
      notify: true,
      signOut: { reason: 'password_reset' },
      // An upstream account linked by whoever knew the old password signs in no more (a new account's first password
      // has none to remove).
      removeLinks: grant.via !== 'welcome' ? 'password_reset' : undefined,
    });
    // Whoever knew the old password is signed out everywhere.
    await s.personAccess.endPending(signOut);
    const from = grant.interaction && INTERACTION_UID.test(grant.interaction) ? grant.interaction : undefined;
    const done = new URLSearchParams({
      ...(from ? { interaction: from } : {}),
      ...(grant.via === 'welcome' ? { first: '1' } : {}),
      ...(signOut.linksRemoved > 0 ? { links: 'removed' } : {}),
    });
    const donePage = `/password/reset/done${done.size ? `?${done}` : ''}`;
    progress.passwordSet(ctx, token, donePage);
    seeOther(ctx, donePage);
  };
}

/** GET /password/reset/done — back to the sign-in the reset came from while it is alive; else signing in to one's
 *  account with the new password, or home. */
export function showResetDone(s: Services) {
  return async (ctx: Context) => {
    const query = DoneQuery.parse(ctx.query);
    const back = await backLink(s, query.interaction);
    const words = query.first ? 'password.welcome' : 'password.reset';
    renderMessage(ctx, {
      title: `${words}.doneTitle`,
      message: `${words}.done`,
      hint: query.links && !query.first ? 'password.reset.doneLinks' : undefined,
      tone: 'info',
      links:
        back.label === 'password.back.signIn' ? [back] : [{ href: '/account', label: 'password.back.account' }, back],
    });
  };
}
