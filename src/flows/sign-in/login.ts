// POST /interaction/:uid/login — throttling and the person check, then the password; finishes the login prompt.
import type { Context } from 'koa';
import { z } from 'zod';
import { signInSubject } from '../../domain/people/sign-in-guard.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { passedChallenge, triedChallenge } from '../../web/challenge.ts';
import { loadInteraction, signedIn } from '../../web/interaction.ts';
import type { Services } from '../../web/services.ts';
import { renderIdentityMenu } from './identity.ts';
import type { LinkByPassword } from './link-by-password.ts';
import { type LoginPage, renderLogin, signInAgain } from './login-form.ts';
import type { ForcedChange } from './password-change.ts';

const LoginForm = z.object({
  login: z.string().trim().min(1, 'required').max(254, 'tooLong'),
  password: z.string().min(1, 'required').max(1024, 'tooLong'),
  remember: z.literal('yes').optional(),
});

/** Whether the form had the person check in it at all (the widget's field, or the question's, even left empty). */
function hadChallenge(body: Record<string, unknown>): boolean {
  return ['altcha', 'question_token', 'question_answer'].some((field) => field in body);
}

export function submitLogin(s: Services, forced: ForcedChange, linker: LinkByPassword) {
  return async (ctx: Context) => {
    const loaded = await loadInteraction(ctx, s, 'login');
    const { details, client, clientId, clientName } = loaded;
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const t = translator(chooseLocale(ctx));
    const typed = typeof body.login === 'string' ? body.login.slice(0, 254) : '';
    const remember = body.remember === 'yes';
    // This sign-in links the upstream account met before it (the not-yet-linked page's "sign in with my account").
    const linking = body.link === '1';
    const again = async (page: {
      error?: string;
      fieldErrors?: LoginPage['fieldErrors'];
      status: number;
      challenge: boolean;
      challengeError?: string;
      checkFirst?: boolean;
      resendTicket?: string;
    }) =>
      renderLogin(ctx, s, {
        uid: details.uid,
        clientName,
        login: typed,
        remember,
        linking,
        // Asked to sign in again: a wrong password's page still says why.
        again: (await signInAgain(s, details))?.key,
        ...page,
      });
    const fail = async (reason: string, subject?: string) => {
      s.metrics.signIns.inc({ outcome: reason });
      await s.audit.record({
        actor: subject ?? 'anonymous',
        action: 'sign_in.failure',
        subject,
        detail: { reason, client: clientId },
      });
    };

    const form = LoginForm.safeParse(body);
    // Counted per account: the person the login names, under whichever of their names it was typed.
    const person = form.success ? await s.identities.findSignInPerson(form.data.login) : undefined;
    const subject = form.success ? signInSubject(person, form.data.login) : undefined;
    if (!form.success || !subject) {
      const state = await s.signInGuard.state(subject, ctx.ip);
      await fail('invalid_input');
      // Each field says what it lacks; the alert above says it once (both missing: one sentence for both).
      const keys: { login?: string; password?: string } = {};
      for (const issue of form.success ? [] : form.error.issues) {
        const field = issue.path[0];
        if (field === 'login' || field === 'password')
          keys[field] ??= issue.message === 'tooLong' ? 'login.tooLong' : `login.${field}Required`;
      }
      const bothEmpty = keys.login === 'login.loginRequired' && keys.password === 'login.passwordRequired';
      const error = t(bothEmpty ? 'login.required' : (keys.login ?? keys.password ?? 'login.required'));
      const fieldErrors = { login: keys.login && t(keys.login), password: keys.password && t(keys.password) };
      return again({ error, fieldErrors, status: 400, challenge: state.challenge });
    }
    // A turn for this account's password check (SignInGuard.enter), held until the check is counted.
    const { state, leave } = await s.signInGuard.enter(subject, ctx.ip);
    let result: Awaited<ReturnType<typeof s.people.checkPassword>>;
    try {
      if (state.retryAfterSeconds) {
        leave();
        await fail(state.busy ? 'busy' : 'locked', person?.id);
        ctx.set('Retry-After', String(state.retryAfterSeconds));
        return again({
          error: state.busy ? t('login.busy') : t('login.locked', { minutes: Math.ceil(state.retryAfterSeconds / 60) }),
          status: 429,
          challenge: state.busy ? state.challenge : false,
        });
      }
      if (state.challenge && !(await passedChallenge(s, body))) {
        leave();
        // The page had no check (it cannot know the account before it is typed): the check is shown now, and
        // nothing went wrong — no failed sign-in in the person's history, nothing counted against the account.
        if (!hadChallenge(body)) {
          s.metrics.signIns.inc({ outcome: 'challenge_shown' });
          return again({ status: 400, challenge: true, checkFirst: true });
        }
        const tried = triedChallenge(body);
        await fail(tried ? 'challenge_failed' : 'challenge_missing', person?.id);
        return again({
          challengeError: t(tried ? 'challenge.failed' : 'challenge.required'),
          status: 400,
          challenge: true,
        });
      }
      // Its audit entry is written with the check that the password still is the person's (one statement).
      result = await s.people.checkPassword(person, form.data.password, {
        detail: { client: clientId, method: 'password' },
      });
      if (!result.ok) await s.signInGuard.failed(subject, ctx.ip);
    } finally {
      leave();
    }
    if (!result.ok) {
      await fail(result.personId ? result.reason : 'unknown_account', result.personId);
      const next = await s.signInGuard.state(subject, ctx.ip);
      // The right password on an account still waiting for activation: offer to send the mail again.
      const resendTicket =
        result.reason === 'inactive' && result.personId
          ? await s.enrolment.offerResend({ personId: result.personId, interaction: details.uid })
          : undefined;
      if (resendTicket)
        return again({ error: t('login.pending.message'), status: 401, challenge: next.challenge, resendTicket });
      return again({
        error: t(result.reason === 'inactive' ? 'login.inactive' : 'login.failed'),
        status: 401,
        challenge: next.challenge,
      });
    }
    if (state.accountFailures) await s.signInGuard.succeeded(subject);
    const mustChange = !!result.person.must_change_password;
    const first = {
      personId: result.person.id,
      remember: form.data.remember === 'yes',
      amr: ['pwd'],
      // Signed in when the password's version was read after the compare, not now (People.checkPassword); after a
      // forced change, when the change is made.
      ts: mustChange ? undefined : result.signedInAt,
    };
    // The upstream account met before it is linked now, or once the second factor has passed (link-by-password.ts).
    const pending = linking ? await s.federatedLinks.pending.take(details.uid) : undefined;
    const { secondFactor } = pending ? await linker.passwordRight(details, first, pending) : { secondFactor: false };
    s.metrics.signIns.inc({ outcome: 'success' });
    if (mustChange)
      return forced.start(ctx, details.uid, { personId: first.personId, remember: first.remember, secondFactor });
    if (secondFactor) return linker.toSecondFactor(ctx, details, first);
    await signedIn(ctx, s, details, first, {
      identityRoles: person?.identity_roles ?? [],
      allowedRoles: client?.metadata().allowed_roles,
      // The menu as the answer to the password (its page script makes it the menu's own address).
      show: (signedIn) => renderIdentityMenu(ctx, s, { ...loaded, details: signedIn }),
    });
  };
}
