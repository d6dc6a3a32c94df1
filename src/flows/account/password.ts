// GET/POST /account/password — current password (wrong tries are counted), new password twice; with linked upstream
// accounts, a choice to unlink them all as well (someone who knew the old password may have linked one: a reset
// removes them, a change only when asked).
import type { Context } from 'koa';
import { z } from 'zod';
import { maskEmail } from '../../domain/people/masks.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { PASSWORD_CHANGE } from '../../platform/limits.ts';
import { formSecret } from '../../web/forms.ts';
import { accountOf } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { redirectDone } from './notices.ts';
import { renderAccount } from './pages.ts';

/** Field → i18n key of its problem. */
type PasswordErrors = Partial<Record<'current' | 'next' | 'confirm', string>>;

/** Each field: its error's key, its id on the page, its label. */
const FIELDS = [
  ['current', 'current', 'account.password.current'],
  ['next', 'password', 'account.password.next'],
  ['confirm', 'confirm', 'account.password.confirm'],
] as const;

async function renderForm(
  ctx: Context,
  s: Services,
  page: { errors?: PasswordErrors; removeLinks?: boolean } = {},
  status?: number,
) {
  const locale = chooseLocale(ctx);
  const t = translator(locale);
  const errors = page.errors ?? {};
  const { person } = accountOf(ctx);
  const [links, upstreams] = await Promise.all([s.federatedLinks.list(person.id), s.upstreams.list()]);
  const names = new Map(upstreams.map((u) => [u.id, u.name]));
  const texts = Object.fromEntries(
    Object.entries(errors)
      .filter(([, key]) => key)
      .map(([field, key]) => [field, t(key!)]),
  );
  renderAccount(
    ctx,
    'password',
    'password',
    {
      errors: texts,
      mistakes: FIELDS.filter(([field]) => texts[field]).map(([field, id, label]) => ({
        id,
        label: t(label),
        message: texts[field]!,
      })),
      accountName: person.username ?? person.email ?? '',
      links: links.map((l) => ({
        provider: names.get(l.provider) ?? l.provider,
        email: l.email ? maskEmail(l.email) : undefined,
      })),
      removeLinks: page.removeLinks ?? false,
      // A refused change stands for the form's own page (render.ts `formPage`): reload and Back ask for it and never send
      // the passwords again (a wrong current password sent again would count as another wrong try).
      formPage: '/account/password',
    },
    status,
  );
}

export function showPasswordForm(s: Services) {
  return async (ctx: Context) => renderForm(ctx, s);
}

// Passwords are never written back into the page; anything longer than bcrypt reads is refused by the policy.
const PasswordForm = z.object({
  current: formSecret(),
  password: formSecret(),
  confirm: formSecret(),
  remove_links: z.literal('yes').optional().catch(undefined),
});

export function submitPassword(s: Services) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const _locale = chooseLocale(ctx);
    const form = PasswordForm.parse(ctx.request.body ?? {});
    // The current password's check is counted before it is made: wrong ones sent at once cannot all be tried.
    const current = form.current
      ? (await s.throttle.attempt(PASSWORD_CHANGE, person.id, () => s.people.isCurrentPassword(person, form.current)))
          .outcome
      : (await s.throttle.exhausted(PASSWORD_CHANGE, person.id))
        ? 'limited'
        : 'missing';
    const removeLinks = form.remove_links === 'yes';
    if (current === 'limited')
      return renderForm(ctx, s, { errors: { current: 'account.password.locked' }, removeLinks }, 429);
    const errors: PasswordErrors = {};
    if (current === 'missing') errors.current = 'account.password.required';
    else if (current === 'wrong') errors.current = 'account.password.wrongCurrent';
    const problems = await s.people.checkNewPassword(person, form.password, form.confirm);
    errors.next = problems.password;
    errors.confirm = problems.confirm;
    if (errors.current || errors.next || errors.confirm) return renderForm(ctx, s, { errors, removeLinks }, 400);
    const signOut = await s.people.setPassword(person, form.password, {
      audit: { actor: person.id, action: 'person.password_changed', subject: person.id, detail: { via: 'account' } },
      notify: true,
      signOut: { keep: accountOf(ctx).sessionUid, reason: 'password_changed' },
      removeLinks: removeLinks ? 'password_changed' : undefined,
    });
    // Whoever else knew the old password is signed out everywhere; this browser stays.
    await s.personAccess.endPending(signOut);
    await s.throttle.reset(PASSWORD_CHANGE, person.id);
    redirectDone(ctx, '/account', signOut.linksRemoved > 0 ? 'passwordLinks' : 'password');
  };
}
