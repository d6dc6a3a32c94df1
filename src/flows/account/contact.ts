// Changing the email address or mobile number, in two steps: GET/POST /account/{email,mobile} — the new value, a
// 6-digit code goes to it (at most CONTACT_CODES an hour, per person, per recipient and per network address); GET/POST /account/{email,mobile}/verify — the code (10
// minutes, 5 tries): the right one saves the new value, verified, and tells the old email address. A value another
// account holds is refused before any code goes to it (and again when saving: a race). The verify form carries the
// value it was made for: a code typed in an older tab, after a newer code went elsewhere, is not counted as a try.
import type { Context } from 'koa';
import { z } from 'zod';
import { maskEmail, maskMobile } from '../../domain/people/masks.ts';
import type { ContactKind } from '../../domain/people/persons.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { CONTACT_CODES } from '../../platform/limits.ts';
import { isUniqueViolation } from '../../platform/storage/pg-errors.ts';
import { accountOf } from '../../web/require-account.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { parseCode, parseContact } from './contact-input.ts';
import { changeNotice, codeMessage } from './messages.ts';
import { redirectDone } from './notices.ts';
import { renderAccount } from './pages.ts';

export const CONTACT_KINDS = ['email', 'mobile'] as const satisfies readonly ContactKind[];

const Body = z.object({
  email: z.string().max(1000).optional(),
  mobile: z.string().max(1000).optional(),
  code: z.string().max(100).optional(),
  /** The verify form's: the value its code was sent to. */
  sent_to: z.string().max(1000).optional(),
});
const body = (ctx: Context) => {
  const parsed = Body.safeParse(ctx.request.body ?? {});
  return parsed.success ? parsed.data : {};
};

const current = (ctx: Context, kind: ContactKind) => {
  const { person } = accountOf(ctx);
  return (kind === 'email' ? person.email : person.mobile) ?? undefined;
};

/** Another account's email address or mobile number: the same words before a code is sent and at saving. */
const takenKey = (kind: ContactKind) =>
  kind === 'email' ? 'account.contact.takenEmail' : 'account.contact.takenMobile';

/** The channel a kind of contact is verified through. */
const channelOf = (kind: ContactKind) => (kind === 'email' ? 'email' : 'sms');

function renderRequest(
  ctx: Context,
  kind: ContactKind,
  locals: { value?: string; error?: string; unavailable?: boolean },
  status?: number,
) {
  const t = translator(chooseLocale(ctx));
  const adding = !current(ctx, kind);
  renderAccount(
    ctx,
    'contact',
    'profile',
    {
      // None yet: the page adds one (新增), as the profile's link said.
      heading: t(`account.contact.${kind}.${adding ? 'addTitle' : 'title'}`),
      kind,
      adding,
      current: current(ctx, kind),
      value: locals.value ?? '',
      error: locals.error,
      unavailable: locals.unavailable,
      switchPath: `/account/${kind}`,
      // A refused address or number (or a code gone) stands for the form's own page (render.ts `formPage`): reload and
      // Back ask for it, never send the form again (another code, another count against the hour's limit).
      formPage: `/account/${kind}`,
    },
    status,
  );
}

function renderVerify(
  ctx: Context,
  kind: ContactKind,
  locals: { to: string; code?: string; error?: string },
  status?: number,
) {
  const t = translator(chooseLocale(ctx));
  renderAccount(
    ctx,
    'contact-verify',
    'profile',
    {
      heading: t(`account.contact.${kind}.verifyTitle`),
      kind,
      adding: !current(ctx, kind),
      to: locals.to,
      code: locals.code ?? '',
      error: locals.error,
      switchPath: `/account/${kind}/verify`,
      // A wrong code's page stands for the verify page: a reload asks for it and never sends the code again (a try).
      formPage: `/account/${kind}/verify`,
    },
    status,
  );
}

/** The pages of one kind of contact; the pending change is one code per person and kind. */
export function contactPages(s: Services, kind: ContactKind) {
  const codes = s.oneUse.codes({
    name: 'contact-change',
    schema: z.object({ to: z.string().min(1).max(320) }),
    ttlSeconds: 600,
    maxTries: 5,
  });
  const ticketOf = (ctx: Context) => `${kind}:${accountOf(ctx).person.id}`;
  // No code can reach a new number without an SMS gateway: the page says so instead of offering the change.
  const unavailable = () => !s.outbox.offers(channelOf(kind));

  return {
    async showRequest(ctx: Context) {
      renderRequest(ctx, kind, { unavailable: unavailable() });
    },

    async sendCode(ctx: Context) {
      const { person } = accountOf(ctx);
      const t = translator(chooseLocale(ctx));
      if (unavailable()) return renderRequest(ctx, kind, { unavailable: true }, 400);
      const typed = body(ctx)[kind] ?? '';
      const parsed = parseContact(kind, typed);
      if ('error' in parsed) return renderRequest(ctx, kind, { value: typed, error: t(parsed.error) }, 400);
      if (parsed.value === current(ctx, kind))
        return renderRequest(ctx, kind, { value: typed, error: t('account.contact.same') }, 400);
      const own = await Promise.all([
        s.throttle.allow(CONTACT_CODES.person, person.id),
        s.throttle.allow(CONTACT_CODES.recipient, `${kind}:${parsed.value}:${person.id}`),
        s.throttle.allow(CONTACT_CODES.address, ctx.ip),
      ]);
      // Counted for everyone together only within one's own limits: else one person asking again and again would use
      // up every other's tries at the address.
      const allowed =
        !own.includes(false) && (await s.throttle.allow(CONTACT_CODES.recipientAll, `${kind}:${parsed.value}`));
      if (!allowed) {
        ctx.set('Retry-After', String(CONTACT_CODES.person.windowSeconds));
        return renderRequest(ctx, kind, { value: typed, error: t('account.contact.rateLimited') }, 429);
      }
      // Nothing goes to another account's inbox or phone: refused as saving it would be (409), before any code. After
      // the limits, so asking which addresses have accounts costs what sending a code costs.
      if (await s.people.contactHeldByOther(person.id, kind, parsed.value))
        return renderRequest(ctx, kind, { value: typed, error: t(takenKey(kind)) }, 409);
      const { code } = await codes.issue({ to: parsed.value }, ticketOf(ctx));
      await s.outbox.enqueue(codeMessage(t, kind, parsed.value, code));
      seeOther(ctx, `/account/${kind}/verify`);
    },

    async showVerify(ctx: Context) {
      const pending = await codes.peek(ticketOf(ctx));
      if (!pending) return ctx.redirect(`/account/${kind}`);
      renderVerify(ctx, kind, { to: pending.to });
    },

    async verifyCode(ctx: Context) {
      const { person } = accountOf(ctx);
      const locale = chooseLocale(ctx);
      const t = translator(locale);
      const form = body(ctx);
      const typed = form.code ?? '';
      if (form.sent_to !== undefined) {
        // A page made for an earlier code (another tab): its code is not the pending one's, and no try is counted.
        const pending = await codes.peek(ticketOf(ctx));
        if (pending && pending.to !== form.sent_to) {
          const masked = kind === 'email' ? maskEmail(pending.to) : maskMobile(pending.to);
          return renderVerify(
            ctx,
            kind,
            { to: pending.to, error: t('account.contact.newerCode', { to: masked }) },
            409,
          );
        }
      }
      const code = parseCode(typed);
      if (!code) {
        const pending = await codes.peek(ticketOf(ctx));
        if (!pending) return renderRequest(ctx, kind, { error: t('account.contact.expired') }, 400);
        return renderVerify(
          ctx,
          kind,
          { to: pending.to, code: typed.slice(0, 100), error: t('account.contact.codeFormat') },
          400,
        );
      }
      const check = await codes.check(ticketOf(ctx), code);
      if (check.result === 'expired') return renderRequest(ctx, kind, { error: t('account.contact.expired') }, 400);
      const { to } = check.value;
      if (check.result === 'wrong')
        return renderVerify(
          ctx,
          kind,
          { to, code: typed, error: t('account.contact.wrongCode', { count: check.triesLeft }) },
          400,
        );
      if (check.result === 'too_many')
        return renderRequest(ctx, kind, { value: to, error: t('account.contact.tooMany') }, 400);
      const adding = !current(ctx, kind);
      try {
        await s.people.setContact(person.id, kind, to, (previous) =>
          changeNotice(t, locale, previous, kind, (c) => s.outbox.offers(c)),
        );
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        return renderRequest(ctx, kind, { value: to, error: t(takenKey(kind)) }, 409);
      }
      redirectDone(ctx, '/account', adding ? `${kind}Added` : kind);
    },
  };
}
