// GET /interaction/:uid — draws the page for the current prompt (sign-in, identity menu or consent).
import type { Context } from 'koa';
import { signInSubject } from '../../domain/people/sign-in-guard.ts';
import { loadInteraction, pendingSignIn } from '../../web/interaction.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { rememberSignIn } from '../../web/sign-in-restart.ts';
import { renderConsent } from './consent.ts';
import { renderIdentityMenu } from './identity.ts';
import { FEDERATION_NOTICES, renderLogin, signInAgain } from './login-form.ts';

export function showInteraction(s: Services) {
  return async (ctx: Context) => {
    const loaded = await loadInteraction(ctx, s);
    const { details, clientName } = loaded;
    rememberSignIn(ctx, details.params, {
      name: clientName,
      initiateLoginUri: loaded.client?.initiateLoginUri,
      clientUri: loaded.client?.clientUri,
    });
    // Signed in already, only the second factor missing (an app that asks for one): straight to that step.
    if (
      details.prompt.name === 'login' &&
      details.session?.accountId &&
      details.prompt.reasons.length === 1 &&
      details.prompt.reasons[0] === 'second_factor_required'
    ) {
      return seeOther(ctx, `/interaction/${details.uid}/second-factor`);
    }
    // Signed in just now, the identity still to choose (web/interaction.ts signedIn).
    if (pendingSignIn(details)) {
      await renderIdentityMenu(ctx, s, loaded);
      return;
    }
    if (details.prompt.name === 'login') {
      // Signed in on this browser and asked again: the page says why, the account name filled in.
      const again = await signInAgain(s, details);
      const hint =
        typeof details.params.login_hint === 'string' ? details.params.login_hint.slice(0, 254) : (again?.login ?? '');
      const named = hint ? await s.people.findByLogin(hint) : undefined;
      const { challenge } = await s.signInGuard.state(hint ? signInSubject(named, hint) : undefined, ctx.ip);
      const notice = FEDERATION_NOTICES.find((n) => n === ctx.query.federation);
      await renderLogin(ctx, s, {
        uid: details.uid,
        clientName,
        login: hint,
        challenge,
        notice,
        noticeUpstream: typeof ctx.query.upstream === 'string' ? ctx.query.upstream : undefined,
        linking: ctx.query.link === '1',
        again: again?.key,
      });
      return;
    }
    if (details.prompt.name === 'select_account') {
      await renderIdentityMenu(ctx, s, loaded);
      return;
    }
    await renderConsent(ctx, s, loaded);
  };
}
