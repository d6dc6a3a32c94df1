// GET/POST /register/confirm — step 2 (確認資料): the values to check (password and national ID masked), "back"
// to step 1 with every value kept, and the submission that creates the pending account and mails its link.
import type { Context } from 'koa';
import { z } from 'zod';
import { checkPersonInput, EMPTY_VALUES } from '../../domain/enrolment/person-input.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { REGISTRATION } from '../../platform/limits.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import type { Drafts } from './draft.ts';
import { KEPT_FIELDS, renderConfirm, renderStep1 } from './pages.ts';

const keptValue = z.string().max(320).optional();
/** The values step 2's form carries (each as long as step 1 allows at most; anything else is ignored). */
const Kept = z.object(
  Object.fromEntries(KEPT_FIELDS.map((name) => [`kept_${name}`, keptValue])) as {
    [K in (typeof KEPT_FIELDS)[number] as `kept_${K}`]: typeof keptValue;
  },
);

export const donePath = (interaction?: string) =>
  interaction ? `/register/done?interaction=${interaction}` : '/register/done';

export function showConfirm(s: Services, drafts: Drafts) {
  return async (ctx: Context) => {
    const draft = await drafts.load(ctx);
    if (draft?.submitted) return seeOther(ctx, donePath(draft.interaction));
    if (!draft?.ready) return seeOther(ctx, '/register');
    // Another 30 minutes from when the values were last shown: "back" or the submission finds them.
    await drafts.save(ctx, draft);
    await renderConfirm(ctx, s, draft);
  };
}

export function submitConfirm(s: Services, drafts: Drafts) {
  return async (ctx: Context) => {
    const draft = await drafts.load(ctx);
    if (draft?.submitted) return seeOther(ctx, donePath(draft.interaction));
    if (!draft) {
      // Expired (or another browser's form): step 1 again, with what step 2 carried; the national ID and password are
      // typed again, and the person check done again.
      const t = translator(chooseLocale(ctx));
      const kept = Kept.safeParse(ctx.request.body ?? {});
      const values = { ...EMPTY_VALUES };
      if (kept.success) for (const name of KEPT_FIELDS) values[name] = kept.data[`kept_${name}`] ?? '';
      const some = KEPT_FIELDS.some((name) => values[name]);
      return renderStep1(ctx, s, {
        values,
        alert: t(some ? 'registration.errors.expiredKept' : 'registration.errors.expired'),
      });
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
