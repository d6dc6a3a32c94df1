// GET/POST /register/roster/new — "register a new account": the wizard's fields and checks, school and identity
// fixed by the credential, the name prefilled from the roster; then the wizard's last page (told where the mail went,
// web/registration-sent.ts) and its mailed activation link.
import type { Context } from 'koa';
import type { z } from 'zod';
import { checkPersonInput, type Field, type FieldErrors } from '../../domain/enrolment/person-input.ts';
import { GENDERS } from '../../domain/people/persons.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { REGISTRATION, ROSTER_CHECK } from '../../platform/limits.ts';
import { csrfToken } from '../../web/csrf.ts';
import { PersonForm } from '../../web/forms.ts';
import type { RegistrationsSent } from '../../web/registration-sent.ts';
import { renderPage, titleIn, withMistakes } from '../../web/render.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { type RosterTickets, startAgain, type Verified } from './ticket.ts';

const Body = PersonForm;
type Body = z.infer<typeof Body>;

/** The form's fields as /register's step 1 shows them (its order, labels, hints and marks): field → control id. */
const FORM: { field: Field; id: keyof Body }[] = [
  { field: 'email', id: 'email' },
  { field: 'name', id: 'name' },
  { field: 'nationalId', id: 'national_id' },
  { field: 'phone', id: 'phone' },
  { field: 'password', id: 'password' },
  { field: 'passwordConfirm', id: 'password_confirm' },
  { field: 'gender', id: 'gender' },
];

function render(ctx: Context, verified: Verified, values: Partial<Body>, errors: FieldErrors = {}, status = 400) {
  const t = translator(chooseLocale(ctx));
  // Password-policy keys belong to the password area; the wizard's own message stands in if they are missing.
  const messages: Partial<Record<Field, string>> = {};
  for (const { field } of FORM)
    if (errors[field]) messages[field] = t([errors[field]!, 'registration.errors.passwordPolicy']);
  renderPage(
    ctx,
    'roster/new',
    {
      pageTitle: withMistakes(
        t,
        Object.keys(messages).length > 0,
        titleIn(t('roster.register.heading'), t('roster.title')),
      ),
      school: verified.schoolName,
      role: verified.credential.role,
      rosterName: verified.credential.name,
      // What was typed, never a password.
      values: {
        email: values.email ?? '',
        name: values.name ?? '',
        nationalId: values.national_id ?? '',
        phone: values.phone ?? '',
        gender: values.gender ?? '',
      },
      errors: messages,
      genders: GENDERS,
      errorList: FORM.filter((f) => messages[f.field]).map((f) => ({
        id: f.id,
        label: t(`registration.field.${f.field}`),
        message: messages[f.field]!,
      })),
      csrfToken: csrfToken(ctx),
      switchPath: '/register/roster/new',
    },
    Object.keys(errors).length ? status : undefined,
  );
}

export function showNewAccount(tickets: RosterTickets) {
  return async (ctx: Context) => {
    const verified = await tickets.verified(ctx);
    if (!verified) return startAgain(ctx);
    render(ctx, verified, { name: verified.credential.name });
  };
}

export function submitNewAccount(s: Services, tickets: RosterTickets, sent: RegistrationsSent) {
  return async (ctx: Context) => {
    const verified = await tickets.verified(ctx);
    if (!verified) return startAgain(ctx);
    const body = Body.parse(ctx.request.body ?? {});
    const values = {
      school: verified.credential.school_code,
      kind: verified.credential.role,
      email: body.email,
      name: body.name,
      nationalId: body.national_id,
      phone: body.phone,
      gender: body.gender,
    };
    const { errors, valid } = checkPersonInput(values, { password: body.password, confirm: body.password_confirm });
    if (!valid) return render(ctx, verified, body, errors);
    // Whether the national ID or email already has an account is told so many times per slip (whatever tickets it
    // earned) and, with /register's step 1, per network address: past either, the 429 page (so that one slip cannot
    // be used to look people up).
    await s.throttle.enforce(ROSTER_CHECK.lookupsPerSlip, verified.credential.id);
    await s.throttle.enforce(REGISTRATION.lookupsPerAddress, ctx.ip);
    const result = await s.enrolment.registerFromRoster(verified.credential.id, {
      ...valid,
      locale: chooseLocale(ctx),
    });
    if (!result.ok && 'errors' in result) return render(ctx, verified, body, result.errors);
    // The address had its activation mails for the hour: said at its field, the slip kept for a later try.
    if (!result.ok && 'mailLimited' in result) {
      ctx.set('Retry-After', String(REGISTRATION.mailsPerRecipient.windowSeconds));
      return render(ctx, verified, body, { email: 'registration.errors.mailLimited' }, 429);
    }
    await tickets.take(ctx);
    if (!result.ok) return startAgain(ctx);
    // The registration's last page, told where the activation mail went.
    await sent.note(ctx, { email: valid.email });
    seeOther(ctx, '/register/done');
  };
}
