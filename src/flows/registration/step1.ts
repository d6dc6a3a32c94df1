// GET/POST /register — step 1 (輸入資料): the form; then every field checked, the person check used up, and duplicates
// looked for. Whatever the outcome the typed values are kept in the draft; passing, step 2 follows.
import type { Context } from 'koa';
import { z } from 'zod';
import { checkPersonInput, EMPTY_VALUES, type FieldErrors } from '../../domain/enrolment/person-input.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { REGISTRATION } from '../../platform/limits.ts';
import { passedChallenge, triedChallenge } from '../../web/challenge.ts';
import { takePrefill as takeHandedPrefill } from '../../web/prefill.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { type Drafts, keptErrors } from './draft.ts';
import { interactionUid, lockPushed, Step1Body, valuesOf } from './form.ts';
import { renderStep1 } from './pages.ts';

const Query = z.object({ interaction: interactionUid.optional().catch(undefined) });

export function showStep1(s: Services, drafts: Drafts) {
  return async (ctx: Context) => {
    const query = Query.parse(ctx.query);
    const draft = await drafts.load(ctx);
    const live = draft?.submitted ? undefined : draft;
    // The messages of the last check, with the values they are about (the page again in the other language).
    const errors = live && !live.ready ? (live.errors as FieldErrors | undefined) : undefined;
    await renderStep1(ctx, s, {
      values: live?.values ?? EMPTY_VALUES,
      errors,
      status: errors ? 200 : undefined,
      passwordKept: live?.password !== undefined,
      interaction: query.interaction ?? live?.interaction,
      locked: live?.sis !== undefined,
      federated: live?.federated,
    });
  };
}

export function submitStep1(s: Services, drafts: Drafts) {
  return async (ctx: Context) => {
    const parsed = Step1Body.safeParse(ctx.request.body ?? {});
    const body = parsed.success ? parsed.data : Step1Body.parse({});
    const earlier = await drafts.load(ctx);
    const kept = earlier?.submitted ? undefined : earlier?.password;
    const sis = earlier?.submitted ? undefined : earlier?.sis;
    const federated = earlier?.submitted ? undefined : earlier?.federated;
    const values = sis && earlier ? lockPushed(valuesOf(body), earlier.values) : valuesOf(body);
    const { errors, password, valid } = checkPersonInput(
      values,
      { password: body.password, confirm: body.password_confirm },
      kept,
    );
    if (!errors.school && !(await s.schools.exists(values.school))) errors.school = 'registration.errors.schoolUnknown';
    // The person check, each good once.
    const raw = ctx.request.body ?? {};
    if (!(await passedChallenge(s, raw)))
      errors.challenge = triedChallenge(raw) ? 'challenge.failed' : 'challenge.required';
    // Whether an email or national ID is taken is told only to someone who passed the check, so many times an hour
    // from one address.
    let tooMany = false;
    if (valid && Object.keys(errors).length === 0) {
      tooMany = !(await s.throttle.allow(REGISTRATION.lookupsPerAddress, ctx.ip));
      if (!tooMany) Object.assign(errors, await s.enrolment.duplicates(valid));
    }
    const ready = !tooMany && Object.keys(errors).length === 0;
    const interaction = body.interaction ?? (earlier?.submitted ? undefined : earlier?.interaction);
    await drafts.save(ctx, { values, password, ready, errors: keptErrors(errors), interaction, sis, federated });
    if (ready) return seeOther(ctx, '/register/confirm');
    if (tooMany) ctx.set('Retry-After', String(REGISTRATION.lookupsPerAddress.windowSeconds));
    await renderStep1(ctx, s, {
      values,
      errors,
      ...(tooMany ? { alert: translator(chooseLocale(ctx))('error.tooMany'), status: 429 } : {}),
      passwordKept: password !== undefined,
      interaction,
      locked: sis !== undefined,
      federated,
    });
  };
}

/**
 * GET /register/prefill?ticket=… — a form filled in beforehand becomes this browser's draft: by the school-affairs
 * system, or from an upstream account met at a sign-in ("create an account" on the not-yet-linked page).
 */
export function takePrefill(s: Services, drafts: Drafts) {
  return async (ctx: Context) => {
    const prefill = await takeHandedPrefill(ctx, s);
    if (prefill)
      await drafts.save(ctx, {
        values: prefill.values,
        ready: false,
        sis: prefill.sis,
        federated: prefill.federated,
        interaction: prefill.interaction,
      });
    seeOther(ctx, '/register');
  };
}
