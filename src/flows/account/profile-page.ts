// GET /account — the profile; POST /account/language — the preferred language (the `locale` claim).
import type { Context } from 'koa';
import { z } from 'zod';
import { recordAudit } from '../../domain/audit.ts';
import { LOCALES } from '../../platform/i18n/index.ts';
import type { AccountDeps } from './deps.ts';
import { noticeOf, redirectDone } from './notices.ts';
import { renderAccount } from './page.ts';
import { profileView } from './profile.ts';
import { accountOf } from '../../web/require-account.ts';

export function showProfile(deps: AccountDeps) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    renderAccount(ctx, 'profile', 'profile', { profile: profileView(deps.keyring, person), locales: LOCALES, notice: noticeOf(ctx) });
  };
}

const LanguageForm = z.object({ locale: z.enum(LOCALES) });

export function saveLanguage(deps: AccountDeps) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const form = LanguageForm.safeParse(ctx.request.body ?? {});
    if (!form.success) {
      renderAccount(ctx, 'profile', 'profile', { profile: profileView(deps.keyring, person), locales: LOCALES }, 400);
      return;
    }
    if (form.data.locale !== person.locale) {
      await deps.db.transaction(async (trx) => {
        await trx('persons').where({ id: person.id }).update({ locale: form.data.locale, updated_at: trx.fn.now() });
        await recordAudit(trx, { actor: person.id, action: 'person.locale_changed', subject: person.id, detail: { locale: form.data.locale } });
      });
    }
    // `lang=` also switches these pages (and remembers it in the language cookie).
    redirectDone(ctx, '/account', 'language', { lang: form.data.locale });
  };
}
