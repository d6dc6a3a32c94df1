// GET/POST /account/password — current password, new password twice.
import type { Context } from 'koa';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import type { AccountDeps } from './deps.ts';
import { changeNotice } from './messages.ts';
import { redirectDone } from './notices.ts';
import { renderAccount } from './page.ts';
import { changePassword, type PasswordErrors } from './password-change.ts';
import { accountOf } from '../../web/require-account.ts';

function renderForm(ctx: Context, errors: PasswordErrors = {}, status?: number) {
  const t = translator(chooseLocale(ctx));
  const { person } = accountOf(ctx);
  const texts = Object.fromEntries(Object.entries(errors).map(([field, key]) => [field, t(key)]));
  renderAccount(ctx, 'password', 'password', { errors: texts, accountName: person.username ?? person.email ?? '' }, status);
}

export function showPasswordForm() {
  return async (ctx: Context) => renderForm(ctx);
}

// Passwords are never written back into the page; anything longer than bcrypt reads is refused by the policy.
const PasswordForm = z.object({
  current: z.string().max(1024).catch(''),
  password: z.string().max(1024).catch(''),
  confirm: z.string().max(1024).catch(''),
});

export function submitPassword(deps: AccountDeps) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const locale = chooseLocale(ctx);
    const t = translator(locale);
    const form = PasswordForm.parse(ctx.request.body ?? {});
    const result = await changePassword(deps, {
      person, current: form.current, next: form.password, confirm: form.confirm,
      notice: changeNotice(t, locale, person.email, 'password'),
    });
    if (!result.ok) return renderForm(ctx, result.errors, result.locked ? 429 : 400);
    redirectDone(ctx, '/account', 'password');
  };
}
