// GET/POST /register/roster/new — "register a new account": the wizard's fields and checks, school and identity
// fixed by the credential, the name prefilled from the roster; then the wizard's mailed activation link.
import type { Context } from 'koa';
import type { z } from 'zod';
import { checkPersonInput, type Field, type FieldErrors } from '../../domain/enrolment/person-input.ts';
import { GENDERS } from '../../domain/people/persons.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { PersonForm } from '../../web/forms.ts';
import { renderPage } from '../../web/render.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { type RosterTickets, startAgain, type Verified } from './ticket.ts';

const Body = PersonForm;
type Body = z.infer<typeof Body>;

const FORM: { field: Field; id: keyof Body; label: string; type: string; autocomplete?: string }[] = [
  { field: 'email', id: 'email', label: 'email', type: 'email', autocomplete: 'email' },
  { field: 'name', id: 'name', label: 'name', type: 'text', autocomplete: 'name' },
  { field: 'nationalId', id: 'national_id', label: 'nationalId', type: 'text', autocomplete: 'off' },
  { field: 'password', id: 'password', label: 'newPassword', type: 'password', autocomplete: 'new-password' },
  {
    field: 'passwordConfirm',
    id: 'password_confirm',
    label: 'passwordConfirm',
    type: 'password',
    autocomplete: 'new-password',
  },
  { field: 'phone', id: 'phone', label: 'phone', type: 'tel', autocomplete: 'tel' },
  { field: 'gender', id: 'gender', label: 'gender', type: 'select' },
];

function render(ctx: Context, verified: Verified, values: Partial<Body>, errors: FieldErrors = {}) {
  const t = translator(chooseLocale(ctx));
  const fields = FORM.map((f) => ({
    id: f.id,
    type: f.type,
    autocomplete: f.autocomplete,
    label: t(`roster.field.${f.label}`),
    value: f.type === 'password' ? '' : (values[f.id] ?? ''),
    error: errors[f.field] ? t([errors[f.field]!, 'registration.errors.passwordPolicy']) : undefined,
  }));
  renderPage(
    ctx,
    'roster/new',
    {
      pageTitle: t('roster.register.heading'),
      school: verified.schoolName,
      role: verified.credential.role,
      rosterName: verified.credential.name,
      fields,
      genders: GENDERS,
      errorList: fields.filter((f) => f.error).map((f) => ({ id: f.id, label: f.label, message: f.error })),
      csrfToken: csrfToken(ctx),
      switchPath: '/register/roster/new',
    },
    Object.keys(errors).length ? 400 : undefined,
  );
}

export function showNewAccount(tickets: RosterTickets) {
  return async (ctx: Context) => {
    const verified = await tickets.verified(ctx);
    if (!verified) return startAgain(ctx);
    render(ctx, verified, { name: verified.credential.name });
  };
}

export function submitNewAccount(s: Services, tickets: RosterTickets) {
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
    const result = await s.enrolment.registerFromRoster(verified.credential.id, {
      ...valid,
      locale: chooseLocale(ctx),
    });
    if (!result.ok && 'errors' in result) return render(ctx, verified, body, result.errors);
    await tickets.take(ctx);
    if (!result.ok) return startAgain(ctx);
    seeOther(ctx, '/register/done');
  };
}
