// Draws the wizard's pages: step 1 (with its schools, the person check and the field messages) and step 2.
import type { Context } from 'koa';
import { normaliseContactPhone } from '../../domain/enrolment/contact-phone.ts';
import { type Field, type FieldErrors, type PersonValues, SELF_KINDS } from '../../domain/enrolment/person-input.ts';
import { maskEmail } from '../../domain/people/masks.ts';
import { maskNationalId } from '../../domain/people/national-id.ts';
import { GENDERS } from '../../domain/people/persons.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage, titleIn, withMistakes } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';
import type { Draft } from './draft.ts';

/** The id of each field's control in the page (and its name in the form). */
export const FIELD_IDS: Record<Field, string> = {
  school: 'school',
  kind: 'kind',
  email: 'email',
  name: 'name',
  nationalId: 'national_id',
  password: 'password',
  passwordConfirm: 'password_confirm',
  phone: 'phone',
  gender: 'gender',
  challenge: 'challenge',
};

/** Step 1's fields in the order the form shows them: its list of mistakes follows it. */
export const FORM_ORDER = [
  'school',
  'kind',
  'email',
  'name',
  'nationalId',
  'phone',
  'password',
  'passwordConfirm',
  'gender',
  'challenge',
] as const satisfies readonly Field[];

export type Step1Page = {
  values: PersonValues;
  errors?: FieldErrors;
  passwordKept?: boolean;
  interaction?: string;
  /** Pushed by the school-affairs system: school, kind, name and national ID are shown read-only. */
  locked?: boolean;
  /** Made from an upstream account: the page says which, and that it will be linked. */
  federated?: { providerName: string; email?: string; emailVerified?: boolean };
  /** A message about the whole form (not one field). */
  alert?: string;
  status?: number;
};

export async function renderStep1(ctx: Context, s: Services, page: Step1Page): Promise<void> {
  const t = translator(chooseLocale(ctx));
  const errors: Partial<Record<Field, string>> = {};
  for (const [field, key] of Object.entries(page.errors ?? {}) as [Field, string][]) {
    // Password-policy keys belong to the password area; our own message stands in if they are missing.
    errors[field] = t([key, 'registration.errors.passwordPolicy']);
  }
  const errorList = FORM_ORDER.filter((f) => errors[f]).map((f) => ({
    id: FIELD_IDS[f],
    label: t(`registration.field.${f}`),
    message: errors[f]!,
  }));
  renderPage(
    ctx,
    'registration/step1',
    {
      pageTitle: withMistakes(
        t,
        errorList.length > 0,
        titleIn(t('registration.stepTitle', { n: 1, name: t('registration.steps.one') }), t('registration.title')),
      ),
      values: page.values,
      errors,
      errorList,
      passwordKept: page.passwordKept ?? false,
      interaction: page.interaction,
      locked: page.locked ?? false,
      // Pushed by the school-affairs system, the ID is shown masked and not sent back (the draft keeps it).
      lockedNationalId: page.locked ? maskNationalId(page.values.nationalId) : undefined,
      lockedSchool: page.locked ? await s.schools.name(page.values.school) : undefined,
      alert: page.alert,
      federated: page.federated && {
        providerName: page.federated.providerName,
        email: page.federated.email && maskEmail(page.federated.email),
        verified: page.federated.emailVerified ?? false,
      },
      schools: await s.schools.groups(),
      kinds: SELF_KINDS,
      genders: GENDERS,
      challenge: s.challenges.question(),
      challengeError: errors.challenge,
      csrfToken: csrfToken(ctx),
      switchPath: '/register',
    },
    page.status ?? (errorList.length || page.alert ? 400 : undefined),
  );
}

/** Step 2; `alert`: why the submission was not taken (the values stay to submit again). */
export async function renderConfirm(ctx: Context, s: Services, draft: Draft, alert?: string): Promise<void> {
  const t = translator(chooseLocale(ctx));
  const v = draft.values;
  renderPage(ctx, 'registration/confirm', {
    pageTitle: titleIn(
      t('registration.stepTitle', { n: 2, name: t('registration.steps.two') }),
      t('registration.title'),
    ),
    alert,
    rows: [
      { label: t('registration.field.school'), value: await s.schools.name(v.school), required: true },
      { label: t('registration.field.kind'), value: t(`role.${v.kind}`), required: true },
      { label: t('registration.field.email'), value: v.email.toLowerCase(), required: true },
      { label: t('registration.field.name'), value: v.name, required: true },
      { label: t('registration.field.nationalId'), value: maskNationalId(v.nationalId), required: true },
      { label: t('registration.field.password'), value: '********', masked: true, required: true },
      { label: t('registration.field.passwordConfirm'), value: '********', masked: true, required: true },
      {
        label: t('registration.field.phone'),
        value: v.phone ? (normaliseContactPhone(v.phone) ?? v.phone) : '',
        required: false,
      },
      { label: t('registration.field.gender'), value: v.gender ? t(`gender.${v.gender}`) : '', required: false },
    ],
    // Sent back with the submission, for step 1 to start from should the draft have expired meanwhile: the values
    // that are neither the national ID nor the password (those are typed again).
    kept: KEPT_FIELDS.map((name) => ({ name: `kept_${name}`, value: v[name] })),
    csrfToken: csrfToken(ctx),
  });
}

/** What step 2 carries in its form (not the national ID, not the password). */
export const KEPT_FIELDS = ['school', 'kind', 'email', 'name', 'phone', 'gender'] as const;
