// GET/POST /register — step 1 (輸入資料): the form; then every field checked, the captcha used up, and duplicates
// looked for. Whatever the outcome the typed values are kept in the draft; passing, step 2 follows.
import type { Context } from 'koa';
import { z } from 'zod';
import { solveCaptcha } from '../../platform/captcha.ts';
import type { RegistrationDeps } from './deps.ts';
import { draftSecret, keepDraftSecret } from './draft-cookie.ts';
import { loadDraft, saveDraft } from './draft.ts';
import { findDuplicates } from './duplicates.ts';
import { checkFields, EMPTY_VALUES, interactionUid, lockPushed, Step1Body, valuesOf } from './form.ts';
import { renderStep1 } from './pages.ts';
import { schoolExists } from './school-options.ts';
import { seeOther } from './see-other.ts';

const Query = z.object({ interaction: interactionUid.optional().catch(undefined) });

export function showStep1(deps: RegistrationDeps) {
  return async (ctx: Context) => {
    const query = Query.parse(ctx.query);
    const draft = await loadDraft(deps.shared, draftSecret(ctx));
    const live = draft?.submitted ? undefined : draft;
    await renderStep1(ctx, deps, {
      values: live?.values ?? EMPTY_VALUES,
      passwordKept: live?.password !== undefined,
      interaction: query.interaction ?? live?.interaction,
      locked: live?.sis !== undefined,
    });
  };
}

export function submitStep1(deps: RegistrationDeps) {
  return async (ctx: Context) => {
    const parsed = Step1Body.safeParse(ctx.request.body ?? {});
    const body = parsed.success ? parsed.data : Step1Body.parse({});
    const secret = draftSecret(ctx);
    const earlier = await loadDraft(deps.shared, secret);
    const kept = earlier?.submitted ? undefined : earlier?.password;
    const sis = earlier?.submitted ? undefined : earlier?.sis;
    const values = sis && earlier ? lockPushed(valuesOf(body), earlier.values) : valuesOf(body);
    const { errors, password, valid } = checkFields(values, { password: body.password, confirm: body.password_confirm }, kept);
    if (!errors.school && !(await schoolExists(deps.db, values.school))) errors.school = 'registration.errors.schoolUnknown';
    // Every attempt uses the captcha up, right or wrong.
    if (!(await solveCaptcha(deps.shared, body.captcha_id, body.captcha))) {
      errors.captcha = body.captcha ? 'registration.errors.captchaWrong' : 'registration.errors.captchaRequired';
    }
    // Whether an email or national ID is taken is told only to someone who solved the captcha.
    if (valid && Object.keys(errors).length === 0) Object.assign(errors, await findDuplicates(deps.db, deps.keyring, valid));
    const ready = Object.keys(errors).length === 0;
    const interaction = body.interaction ?? (earlier?.submitted ? undefined : earlier?.interaction);
    keepDraftSecret(ctx, await saveDraft(deps.shared, secret, { values, password, ready, interaction, sis }));
    if (ready) return seeOther(ctx, '/register/confirm');
    await renderStep1(ctx, deps, { values, errors, passwordKept: password !== undefined, interaction, locked: sis !== undefined });
  };
}
