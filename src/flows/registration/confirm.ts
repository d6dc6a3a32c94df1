// GET/POST /register/confirm — step 2 (確認資料): the values to check (password and national ID masked), "back"
// to step 1 with every value kept, and the submission that creates the pending account and mails its link.
import type { Context } from 'koa';
import { z } from 'zod';
import { checkPersonInput, EMPTY_VALUES } from '../../domain/enrolment/person-input.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { REGISTRATION } from '../../platform/limits.ts';
import type { RegistrationsSent } from '../../web/registration-sent.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { type Drafts, keptErrors } from './draft.ts';
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
    if (!draft) {
      // Being registered by a submission still under way: the last page waits for it.
      const submitting = await drafts.submitting(ctx);
      if (submitting) return seeOther(ctx, donePath(submitting.interaction));
    }
    if (!draft?.ready) return seeOther(ctx, '/register');
    // Another 30 minutes from when the values were last shown: "back" or the submission finds them.
    await drafts.save(ctx, draft);
    await renderConfirm(ctx, s, draft);
  };
}

/**
 * Another submission of this browser's form took the draft: this one answers with its outcome, once known (the browser
 * shows the answer to the last click) — the last page when it registered, the form again when it failed.
 */
async function afterOther(ctx: Context, drafts: Drafts, interaction?: string) {
  const { draft } = await drafts.settled(ctx);
  if (draft && !draft.submitted) return seeOther(ctx, draft.ready ? '/register/confirm' : '/register');
  seeOther(ctx, donePath(draft?.interaction ?? interaction));
}

export function submitConfirm(s: Services, drafts: Drafts, sentElsewhere: RegistrationsSent) {
  return async (ctx: Context) => {
    const draft = await drafts.load(ctx);
    if (draft?.submitted) return seeOther(ctx, donePath(draft.interaction));
    if (!draft) {
      // Another submission of this form (a double click) is registering it right now: its outcome is the answer.
      const submitting = await drafts.submitting(ctx);
      if (submitting) return afterOther(ctx, drafts, submitting.interaction);
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
    const { valid: checked } = checkPersonInput(draft.values, { password: '', confirm: '' }, draft.password);
    if (!draft.ready || !checked || !(await s.schools.exists(checked.schoolCode))) return seeOther(ctx, '/register');

    // One submission registers: the one that takes the draft. The others sent at the same moment (a double click, the
    // form sent again before the answer came) go to the last page, which waits for its outcome.
    const claimed = await drafts.take(ctx, draft.interaction);
    if (!claimed) return afterOther(ctx, drafts, draft.interaction);
    // From here on the draft is out of the store: every way out puts it (or the submitted marker) back.
    let settled = false;
    const restore = async (again: typeof claimed) => {
      await drafts.save(ctx, again);
      await drafts.release(ctx);
      settled = true;
    };
    // Taken after the first submission had finished (or step 1 sent again meanwhile): put back as it was.
    if (claimed.submitted || !claimed.ready) {
      await restore(claimed);
      return seeOther(ctx, claimed.submitted ? donePath(claimed.interaction) : '/register');
    }
    try {
      const { valid, errors } = checkPersonInput(claimed.values, { password: '', confirm: '' }, claimed.password);
      if (!valid) {
        await restore({ ...claimed, ready: false, errors: keptErrors(errors) });
        return seeOther(ctx, '/register');
      }
      // Each account mails an activation link: so many an hour from one address (counted once per registration).
      if (!(await s.throttle.allow(REGISTRATION.accountsPerAddress, ctx.ip))) {
        await restore(claimed);
        ctx.set('Retry-After', String(REGISTRATION.accountsPerAddress.windowSeconds));
        ctx.status = 429;
        return renderConfirm(ctx, s, claimed, translator(chooseLocale(ctx))('error.tooMany'));
      }

      const result = await s.enrolment.register({
        ...valid,
        locale: chooseLocale(ctx),
        sis: claimed.sis,
        federated: claimed.federated,
      });
      // The address had its activation mails for the hour: nothing made, the form kept to be sent again later. Said
      // alike whether the address has a registration or not (counted on the address either way).
      if (!result.ok && 'mailLimited' in result) {
        await restore(claimed);
        ctx.set('Retry-After', String(REGISTRATION.mailsPerRecipient.windowSeconds));
        ctx.status = 429;
        return renderConfirm(ctx, s, claimed, translator(chooseLocale(ctx))('registration.errors.mailLimited'));
      }
      if (!result.ok) {
        const t = translator(chooseLocale(ctx));
        // The upstream account was linked to someone else meanwhile: the registration goes on without it.
        const federated = 'linkTaken' in result ? undefined : claimed.federated;
        await restore({
          ...claimed,
          ready: false,
          federated,
          errors: 'errors' in result ? keptErrors(result.errors) : undefined,
        });
        return renderStep1(ctx, s, {
          values: claimed.values,
          errors: 'errors' in result ? result.errors : undefined,
          alert:
            'linkTaken' in result
              ? t('registration.federated.taken', { provider: claimed.federated?.providerName })
              : undefined,
          passwordKept: true,
          interaction: claimed.interaction,
          locked: claimed.sis !== undefined,
          federated,
        });
      }
      // Registered: the draft is not put back even if what follows fails (a second account would follow it).
      settled = true;
      // The last page is this registration's, not one made earlier with a school's verification account.
      await sentElsewhere.forget(ctx).catch(() => undefined);
      // Nothing personal stays behind; the marker sends a second submission to the last page too.
      await restore({
        values: EMPTY_VALUES,
        ready: false,
        submitted: true,
        sentTo: result.active ? undefined : valid.email,
        activeNow: result.active,
        interaction: claimed.interaction,
      });
      // Active at once (the upstream had verified the address): the sign-in goes on, as the linked upstream account.
      if (result.active && claimed.interaction && claimed.federated)
        return seeOther(ctx, `/interaction/${claimed.interaction}/federation/continue`);
      seeOther(ctx, donePath(claimed.interaction));
    } finally {
      // Failed on the way (the database or the store not answering): the draft is back, to be sent again.
      if (!settled) await restore(claimed).catch(() => undefined);
    }
  };
}
