// GET/POST /register/confirm — step 2 (確認資料): the values to check (password and national ID masked), "back"
// to step 1 with every value kept, and the submission that creates the pending account and mails its link.
import type { Context } from 'koa';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import type { RegistrationDeps } from './deps.ts';
import { draftSecret, keepDraftSecret } from './draft-cookie.ts';
import { loadDraft, saveDraft } from './draft.ts';
import { checkFields, EMPTY_VALUES } from './form.ts';
import { renderConfirm, renderStep1 } from './pages.ts';
import { registerPerson } from './register.ts';
import { schoolExists } from './school-options.ts';
import { donePath, seeOther } from './see-other.ts';

export function showConfirm(deps: RegistrationDeps) {
  return async (ctx: Context) => {
    const draft = await loadDraft(deps.shared, draftSecret(ctx));
    if (draft?.submitted) return seeOther(ctx, donePath(draft.interaction));
    if (!draft?.ready) return seeOther(ctx, '/register');
    await renderConfirm(ctx, deps, draft);
  };
}

export function submitConfirm(deps: RegistrationDeps) {
  return async (ctx: Context) => {
    const secret = draftSecret(ctx);
    const draft = await loadDraft(deps.shared, secret);
    if (draft?.submitted) return seeOther(ctx, donePath(draft.interaction));
    if (!draft) {
      const t = translator(chooseLocale(ctx));
      return renderStep1(ctx, deps, { values: EMPTY_VALUES, alert: t('registration.errors.expired') });
    }
    // The draft passed step 1; checked again all the same (the school list or the policy may have changed).
    const { valid } = checkFields(draft.values, { password: '', confirm: '' }, draft.password);
    if (!draft.ready || !valid || !(await schoolExists(deps.db, valid.schoolCode))) return seeOther(ctx, '/register');

    const result = await registerPerson(deps, { ...valid, locale: chooseLocale(ctx), sis: draft.sis });
    if (!result.ok) {
      // A double click whose first request won: the account is ours.
      if ((await loadDraft(deps.shared, secret))?.submitted) return seeOther(ctx, donePath(draft.interaction));
      keepDraftSecret(ctx, await saveDraft(deps.shared, secret, { ...draft, ready: false }));
      return renderStep1(ctx, deps, { values: draft.values, errors: result.errors, passwordKept: true, interaction: draft.interaction, locked: draft.sis !== undefined });
    }
    // Nothing personal stays behind; the marker sends a second submission to the last page too.
    await saveDraft(deps.shared, secret, { values: EMPTY_VALUES, ready: false, submitted: true, interaction: draft.interaction });
    seeOther(ctx, donePath(draft.interaction));
  };
}
