// GET/POST /binding — step 0: the parent's own email or mobile (with the person check) gets a 6-digit code, valid for
// an hour; POST /binding/code — a right code opens the binding session for that contact and shows the status page.
// The code page again once its code is gone (Back after it was used): with this browser's binding session still
// open, it says so and leads to the status page; without one, to a new code.
import type { Context } from 'koa';
import { z } from 'zod';
import { isCodeShape, normaliseCode } from '../../domain/binding/codes.ts';
import { codeMessage } from '../../domain/binding/messages.ts';
import { maskEmail, maskMobile } from '../../domain/people/masks.ts';
import { normaliseMobile } from '../../domain/people/persons.ts';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { BINDING } from '../../platform/limits.ts';
import { passedChallenge, triedChallenge } from '../../web/challenge.ts';
import { CodeForm, formText, TicketQuery } from '../../web/forms.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { errorTexts, type Fields, renderBinding } from './pages.ts';
import { type BindingState, type Current, currentSession, openSession, saveSession } from './state.ts';

const ContactForm = z.object({
  kind: z.enum(['email', 'mobile']).catch('email'),
  email: formText(254),
  mobile: formText(30),
  /** A school's binding code the parent came with (`/binding?code=…`, the QR code): kept for step 1. */
  handed_code: formText(20).transform((v) => (isCodeShape(v) ? normaliseCode(v) : '')),
});
const CodeQuery = z.object({ code: formText(20).transform((v) => (isCodeShape(v) ? normaliseCode(v) : '')) });
const EMAIL = z.email();

type ContactPage = {
  values?: z.infer<typeof ContactForm>;
  notice?: string;
  errors?: Record<string, string | undefined>;
  alert?: string;
  status?: number;
};

function renderContact(ctx: Context, s: Services, page: ContactPage) {
  const sms = s.outbox.offers('sms');
  const fields: Fields = [
    ['email', 'binding.contact.email'],
    // Without text messages there is no mobile box: its mistake ("use your email") leads to the email's.
    ['mobile', 'binding.contact.mobile', sms ? 'mobile' : 'email'],
    ['challenge', 'challenge.legend'],
  ];
  renderBinding(ctx, 'contact', {
    title: 'binding.title',
    step: 'contact',
    values: page.values ?? { kind: 'email', email: '', mobile: '', handed_code: '' },
    errors: errorTexts(ctx, page.errors ?? {}),
    fields,
    alert: page.alert,
    notice: page.notice,
    sms,
    challenge: s.challenges.question(),
    challengeError: page.errors?.challenge ? errorTexts(ctx, { c: page.errors.challenge }).c : undefined,
    status: page.status,
  });
}

export function showContact(s: Services, state: BindingState) {
  return async (ctx: Context) => {
    const { code } = CodeQuery.parse(ctx.query);
    const current = await currentSession(ctx, state);
    if (current) {
      if (code) await saveSession(state, current, { handedCode: code });
      return seeOther(ctx, code ? '/binding/student' : '/binding/status');
    }
    renderContact(ctx, s, {
      values: { kind: 'email', email: '', mobile: '', handed_code: code },
      alert: ctx.query.expired === '1' ? 'binding.contact.expired' : undefined,
      notice: code ? 'binding.contact.handedCode' : undefined,
    });
  };
}

export function sendCode(s: Services, state: BindingState) {
  return async (ctx: Context) => {
    const values = ContactForm.parse(ctx.request.body ?? {});
    const sms = s.outbox.offers('sms');
    const again = (errors: ContactPage['errors'], status = 400, alert?: string) =>
      renderContact(ctx, s, { values, errors, status, alert });
    const email = values.kind === 'email' && EMAIL.safeParse(values.email).success ? values.email.toLowerCase() : '';
    const mobile = values.kind === 'mobile' ? normaliseMobile(values.mobile) : undefined;
    const errors: ContactPage['errors'] = {};
    if (values.kind === 'email' && !email) errors.email = 'binding.contact.errors.email';
    if (values.kind === 'mobile' && !sms) errors.mobile = 'binding.contact.noSms';
    else if (values.kind === 'mobile' && !mobile) errors.mobile = 'binding.contact.errors.mobile';
    const body = ctx.request.body ?? {};
    if (!(await passedChallenge(s, body)))
      errors.challenge = triedChallenge(body) ? 'challenge.failed' : 'challenge.required';
    if (Object.keys(errors).length) return again(errors);

    if (!(await s.throttle.allow(BINDING.codesPerAddress, ctx.ip))) {
      ctx.set('Retry-After', String(BINDING.codesPerAddress.windowSeconds));
      return again({}, 429, 'binding.contact.errors.tooMany');
    }
    const contact = mobile ? { kind: 'mobile' as const, value: mobile } : { kind: 'email' as const, value: email };
    const perContact = mobile ? BINDING.smsPerNumber : BINDING.mailPerAddress;
    if (!(await s.throttle.allow(perContact, contact.value))) {
      ctx.set('Retry-After', String(perContact.windowSeconds));
      const key = mobile ? 'binding.contact.errors.smsLimit' : 'binding.contact.errors.mailLimit';
      return again(mobile ? { mobile: key } : { email: key }, 429);
    }
    const { ticket, code } = await state.codes.issue({ contact, handedCode: values.handed_code || undefined });
    await s.outbox.enqueue(codeMessage(chooseLocale(ctx), contact, code), {
      actor: 'anonymous',
      action: 'binding.code_sent',
      detail: { via: contact.kind },
    });
    seeOther(ctx, `/binding/code?ticket=${ticket}`);
  };
}

function renderGone(ctx: Context, reason: 'expired' | 'tooMany', current: Current | undefined) {
  // The code no longer works, but this browser is in already (the usual way here: Back after the code was used):
  // where the applications are, not a new code to get.
  if (current && reason === 'expired') {
    const { contact } = current;
    return renderBinding(ctx, 'message', {
      title: 'binding.code.inTitle',
      message: 'binding.code.inSession',
      params: { contact: contact.kind === 'email' ? maskEmail(contact.value) : maskMobile(contact.value) },
      tone: 'info',
      links: [{ href: '/binding/status', label: 'binding.student.backToStatus' }],
    });
  }
  renderBinding(ctx, 'message', {
    title: 'binding.code.goneTitle',
    message: `binding.code.${reason}`,
    tone: 'error',
    // Too many wrong tries are told as such; a browser that is in already (by another code) goes on to its
    // applications, where a new code would only lead it back.
    links: [
      current
        ? { href: '/binding/status', label: 'binding.student.backToStatus' }
        : { href: '/binding', label: 'binding.code.again' },
    ],
    status: reason === 'tooMany' ? 429 : 400,
  });
}

function renderCode(
  ctx: Context,
  page: {
    ticket: string;
    contact: { kind: string; value: string };
    error?: string;
    count?: number;
    status?: number;
    /** What was typed (spaces and dashes taken out), shown again under its mistake to be corrected. */
    typed?: string;
  },
) {
  const shown = page.contact.kind === 'email' ? maskEmail(page.contact.value) : maskMobile(page.contact.value);
  renderBinding(ctx, 'code', {
    title: 'binding.code.title',
    step: 'contact',
    ticket: page.ticket,
    sent: page.contact.kind === 'email' ? 'binding.code.sentEmail' : 'binding.code.sentSms',
    shown,
    typed: page.typed?.slice(0, 10) ?? '',
    errors: errorTexts(ctx, { code: page.error && [page.error, { count: page.count }] }),
    fields: [['code', 'binding.code.label']],
    status: page.status,
  });
}

export function showCode(state: BindingState) {
  return async (ctx: Context) => {
    const { ticket } = TicketQuery.parse(ctx.query);
    const live = ticket ? await state.codes.peek(ticket) : undefined;
    if (!ticket || !live) return renderGone(ctx, 'expired', await currentSession(ctx, state));
    renderCode(ctx, { ticket, contact: live.contact });
  };
}

export function checkCode(s: Services, state: BindingState) {
  return async (ctx: Context) => {
    const { ticket } = TicketQuery.parse(ctx.query);
    const { code } = CodeForm.parse(ctx.request.body ?? {});
    const live = ticket ? await state.codes.peek(ticket) : undefined;
    if (!ticket || !live) return renderGone(ctx, 'expired', await currentSession(ctx, state));
    if (!/^\d{6}$/.test(code))
      return renderCode(ctx, {
        ticket,
        contact: live.contact,
        error: 'binding.code.invalid',
        status: 400,
        typed: code,
      });
    const check = await state.codes.check(ticket, code);
    if (check.result === 'expired') return renderGone(ctx, 'expired', await currentSession(ctx, state));
    if (check.result === 'too_many') return renderGone(ctx, 'tooMany', await currentSession(ctx, state));
    if (check.result === 'wrong') {
      return renderCode(ctx, {
        ticket,
        contact: live.contact,
        error: 'binding.code.wrong',
        typed: code,
        count: check.triesLeft,
        status: 400,
      });
    }
    await openSession(ctx, state, check.value.contact, check.value.handedCode);
    await s.audit.record({ actor: `binding:${check.value.contact.kind}`, action: 'binding.session_opened' });
    seeOther(ctx, check.value.handedCode ? '/binding/student' : '/binding/status');
  };
}
