// GET/POST /register/confirm — step 2 (確認資料): the values to check (password and national ID masked), "back"
// to step 1 with every value kept, and the submission that creates the pending account and mails its link.
import type { Context } from 'koa';
import { checkPersonInput, EMPTY_VALUES } from '../../domain/enrolment/person-input.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { REGISTRATION } from '../../platform/limits.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import type { Drafts } from './draft.ts';
import { renderConfirm, renderStep1 } from './pages.ts';

export const donePath = (interaction?: string) =>
  interaction ? `/register/done?interaction=${interaction}` : '/register/done';

export function showConfirm(s: Services, drafts: Drafts) {
  return async (ctx: Context) => {
    const draft = await drafts.load(ctx);
    if (draft?.submitted) return seeOther(ctx, donePath(draft.interaction));
    if (!draft?.ready) return seeOther(ctx, '/register');
    await renderConfirm(ctx, s, draft);
  };
}

export function submitConfirm(s: Services, drafts: Drafts) {
  return async (ctx: Context) => {
    const draft = await drafts.load(ctx);
    if (draft?.submitted) return seeOther(ctx, donePath(draft.interaction));
    if (!draft) {
      const t = translator(chooseLocale(ctx));
      return renderStep1(ctx, s, { values: EMPTY_VALUES, alert: t('registration.errors.expired') });
    }
    // The draft passed step 1; checked again all the same (the school list or the policy may have changed).
    const { valid } = checkPersonInput(draft.values, { password: '', confirm: '' }, draft.password);
    if (!draft.ready || !valid || !(await s.schools.exists(valid.schoolCode))) return seeOther(ctx, '/register');
    // Each account mails an activation link: so many an hour from one address.
    if (!(await s.throttle.allow(REGISTRATION.accountsPerAddress, ctx.ip))) {
      ctx.set('Retry-After', String(REGISTRATION.accountsPerAddress.windowSeconds));
      ctx.status = 429;
      return renderConfirm(ctx, s, draft, translator(chooseLocale(ctx))('error.tooMany'));
    }

    const result = await s.enrolment.register({
      ...valid,
      locale: chooseLocale(ctx),
      sis: draft.sis,
      federated: draft.federated,
    });
    if (!result.ok) {
      // A double click whose first request won: the account is ours.
      if ((await drafts.load(ctx))?.submitted) return seeOther(ctx, donePath(draft.interaction));
      const t = translator(chooseLocale(ctx));
      // The upstream account was linked to someone else meanwhile: the registration goes on without it.
      const federated = 'linkTaken' in result ? undefined : draft.federated;
      await drafts.save(ctx, { ...draft, ready: false, federated });
      return renderStep1(ctx, s, {
        values: draft.values,
        errors: 'errors' in result ? result.errors : undefined,
        alert:
          'linkTaken' in result
            ? t('registration.federated.taken', { provider: draft.federated?.providerName })
            : undefined,
        passwordKept: true,
        interaction: draft.interaction,
        locked: draft.sis !== undefined,
        federated,
      });
    }
    // Nothing personal stays behind; the marker sends a second submission to the last page too.
    await drafts.save(ctx, {
      values: EMPTY_VALUES,
      ready: false,
      submitted: true,
      sentTo: result.active ? undefined : valid.email,
      activeNow: result.active,
      interaction: draft.interaction,
    });
    // Active at once (the upstream had verified the address): the sign-in goes on, as the linked upstream account.
    if (result.active && draft.interaction && draft.federated)
      return seeOther(ctx, `/interaction/${draft.interaction}/federation/continue`);
    seeOther(ctx, donePath(draft.interaction));
  };
}
