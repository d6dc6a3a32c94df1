// GET /account — the profile; POST /account/language — the preferred language (the `locale` claim).
import type { Context } from 'koa';
import { z } from 'zod';
import { LOCALES } from '../../platform/i18n/index.ts';
import { accountOf } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { noticeOf, redirectDone } from './notices.ts';
import { renderAccount } from './pages.ts';
import { profileView } from './profile-view.ts';

const profileOf = (s: Services, ctx: Context) => {
  const { person } = accountOf(ctx);
  return profileView(person, s.people.maskedNationalId(person));
};

export function showProfile(s: Services) {
  return async (ctx: Context) => {
    renderAccount(ctx, 'profile', 'profile', { profile: profileOf(s, ctx), locales: LOCALES, notice: noticeOf(ctx) });
  };
}

const LanguageForm = z.object({ locale: z.enum(LOCALES) });

export function saveLanguage(s: Services) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const form = LanguageForm.safeParse(ctx.request.body ?? {});
    if (!form.success) {
      renderAccount(ctx, 'profile', 'profile', { profile: profileOf(s, ctx), locales: LOCALES }, 400);
      return;
    }
    if (form.data.locale !== person.locale) await s.people.setLocale(person.id, form.data.locale);
    // `lang=` also switches these pages (and remembers it in the language cookie).
    redirectDone(ctx, '/account', 'language', { lang: form.data.locale });
  };
}
