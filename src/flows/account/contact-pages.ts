// Changing the email address or mobile number, in two steps:
// GET/POST /account/{email,mobile} — the new value, a code is sent; GET/POST /account/{email,mobile}/verify — the code.
import type { Context } from 'koa';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { confirmCode, requestCode } from './contact-change.ts';
import { type ContactKind, pendingKey, peekPending } from './contact-code.ts';
import { parseCode, parseContact } from './contact-input.ts';
import type { AccountDeps } from './deps.ts';
import { changeNotice, codeMessage } from './messages.ts';
import { redirectDone } from './notices.ts';
import { renderAccount } from './page.ts';
import { accountOf } from '../../web/require-account.ts';

const Body = z.object({ email: z.string().max(1000).optional(), mobile: z.string().max(1000).optional(), code: z.string().max(100).optional() });
const body = (ctx: Context) => {
  const parsed = Body.safeParse(ctx.request.body ?? {});
  return parsed.success ? parsed.data : {};
};

const current = (ctx: Context, kind: ContactKind) => {
  const { person } = accountOf(ctx);
  return (kind === 'email' ? person.email : person.mobile) ?? undefined;
};

function renderRequest(ctx: Context, kind: ContactKind, locals: { value?: string; error?: string }, status?: number) {
  const t = translator(chooseLocale(ctx));
  renderAccount(ctx, 'contact', 'profile', {
    heading: t(`account.contact.${kind}.title`), kind, current: current(ctx, kind), value: locals.value ?? '', error: locals.error,
    switchPath: `/account/${kind}`,
  }, status);
}

function renderVerify(ctx: Context, kind: ContactKind, locals: { to: string; code?: string; error?: string }, status?: number) {
  const t = translator(chooseLocale(ctx));
  renderAccount(ctx, 'contact-verify', 'profile', {
    heading: t(`account.contact.${kind}.verifyTitle`), kind, to: locals.to, code: locals.code ?? '', error: locals.error,
    switchPath: `/account/${kind}/verify`,
  }, status);
}

export function showContactForm(kind: ContactKind) {
  return async (ctx: Context) => renderRequest(ctx, kind, {});
}

export function sendContactCode(deps: AccountDeps, kind: ContactKind) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const locale = chooseLocale(ctx);
    const t = translator(locale);
    const typed = body(ctx)[kind] ?? '';
    const parsed = parseContact(kind, typed);
    if ('error' in parsed) return renderRequest(ctx, kind, { value: typed, error: t(parsed.error) }, 400);
    if (parsed.value === current(ctx, kind)) return renderRequest(ctx, kind, { value: typed, error: t('account.contact.same') }, 400);
    const result = await requestCode(deps, {
      personId: person.id, kind, to: parsed.value, compose: (code) => codeMessage(t, kind, parsed.value, code),
    });
    if (!result.ok) return renderRequest(ctx, kind, { value: typed, error: t('account.contact.rateLimited') }, 429);
    ctx.status = 303;
    ctx.redirect(`/account/${kind}/verify`);
  };
}

export function showVerifyForm(deps: AccountDeps, kind: ContactKind) {
  return async (ctx: Context) => {
    const pending = await peekPending(deps.shared, pendingKey(kind, accountOf(ctx).person.id));
    if (!pending) return ctx.redirect(`/account/${kind}`);
    renderVerify(ctx, kind, { to: pending.to });
  };
}

export function verifyContactCode(deps: AccountDeps, kind: ContactKind) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const locale = chooseLocale(ctx);
    const t = translator(locale);
    const typed = body(ctx).code ?? '';
    const code = parseCode(typed);
    if (!code) {
      const pending = await peekPending(deps.shared, pendingKey(kind, person.id));
      if (!pending) return renderRequest(ctx, kind, { error: t('account.contact.expired') }, 400);
      return renderVerify(ctx, kind, { to: pending.to, code: typed.slice(0, 100), error: t('account.contact.codeFormat') }, 400);
    }
    const result = await confirmCode(deps, {
      personId: person.id, kind, code, notice: (previous) => changeNotice(t, locale, previous.email, kind),
    });
    if (result.ok) return redirectDone(ctx, '/account', kind);
    switch (result.reason) {
      case 'wrong':
        return renderVerify(ctx, kind, { to: result.to, code: typed, error: t('account.contact.wrongCode', { count: result.triesLeft }) }, 400);
      case 'too_many':
        return renderRequest(ctx, kind, { value: result.to, error: t('account.contact.tooMany') }, 400);
      case 'taken':
        return renderRequest(ctx, kind, { value: result.to, error: t(kind === 'email' ? 'account.contact.takenEmail' : 'account.contact.takenMobile') }, 409);
      default:
        return renderRequest(ctx, kind, { error: t('account.contact.expired') }, 400);
    }
  };
}
