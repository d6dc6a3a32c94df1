// Step 1 of the wizard: the form body as it arrives (zod at the edge), then one check per field, each with the
// i18n key of its message. Checks that need the database or the shared store (school, duplicates, captcha) are
// in step1-checks.ts.
import { z } from 'zod';
import { checkPasswordPolicy } from '../../domain/people/password-policy.ts';
import { isValidNationalId, normaliseNationalId } from '../../domain/people/national-id.ts';
import { normaliseContactPhone } from './contact-phone.ts';
import { GENDERS, type Gender, SELF_KINDS, type SelfKind } from './deps.ts';

/** Anything that is not a string (missing, repeated, too long to be real) arrives as ''. */
const field = z.string().max(1024).catch('').transform((s) => s.trim());
const secret = z.string().max(1024).catch('');
export const interactionUid = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const Step1Body = z.object({
  school: field,
  kind: field,
  email: field,
  name: field,
  national_id: field,
  phone: field,
  gender: field,
  password: secret,
  password_confirm: secret,
  captcha: field,
  captcha_id: field,
  interaction: interactionUid.optional().catch(undefined),
});
export type Step1Body = z.infer<typeof Step1Body>;

/** The values as typed (trimmed): what the form shows again and what the draft keeps. */
export const Step1Values = z.object({
  school: z.string(),
  kind: z.string(),
  email: z.string(),
  name: z.string(),
  nationalId: z.string(),
  phone: z.string(),
  gender: z.string(),
});
export type Step1Values = z.infer<typeof Step1Values>;

/** What a registration pushed by the school-affairs system adds to the wizard's values (see src/sis). */
export const SisPush = z.object({
  clientId: z.string(),
  returnUrl: z.string(),
  classCode: z.string().optional(),
  seat: z.number().optional(),
  studentNumber: z.string().optional(),
  birthdate: z.string().optional(),
});
export type SisPush = z.infer<typeof SisPush>;

/** The fields a push fixes: the wizard shows them read-only and keeps the pushed values whatever is posted. */
export const SIS_LOCKED = ['school', 'kind', 'name', 'nationalId'] as const;

export function lockPushed(values: Step1Values, pushed: Step1Values): Step1Values {
  return { ...values, ...Object.fromEntries(SIS_LOCKED.map((k) => [k, pushed[k]])) };
}

export const EMPTY_VALUES: Step1Values = { school: '', kind: '', email: '', name: '', nationalId: '', phone: '', gender: '' };

export const FIELDS = ['school', 'kind', 'email', 'name', 'nationalId', 'password', 'passwordConfirm', 'phone', 'gender', 'captcha'] as const;
export type Field = (typeof FIELDS)[number];
/** Field → i18n key of its message. */
export type FieldErrors = Partial<Record<Field, string>>;

export type ValidRegistration = {
  schoolCode: string;
  kind: SelfKind;
  email: string;
  name: string;
  nationalId: string;
  phone?: string;
  gender?: Gender;
  password: string;
};

export function valuesOf(body: Step1Body): Step1Values {
  return {
    school: body.school, kind: body.kind, email: body.email, name: body.name,
    nationalId: body.national_id, phone: body.phone, gender: body.gender,
  };
}

const E = (key: string) => `registration.errors.${key}`;
const emailSchema = z.email().max(254);
const MAX_NAME = 50;

/**
 * Checks every field. The password comes typed twice, or (both fields left empty) kept from an earlier step;
 * `password` in the answer is the one to keep, when it passed.
 */
export function checkFields(
  values: Step1Values,
  typed: { password: string; confirm: string },
  kept?: string,
): { errors: FieldErrors; password?: string; valid?: ValidRegistration } {
  const errors: FieldErrors = {};
  values = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.trim()])) as Step1Values;

  if (!values.school) errors.school = E('schoolRequired');
  else if (!/^\d{6}$/.test(values.school)) errors.school = E('schoolUnknown');

  if (!values.kind) errors.kind = E('kindRequired');
  else if (!SELF_KINDS.includes(values.kind as SelfKind)) errors.kind = E('kindInvalid');

  const email = values.email.toLowerCase();
  if (!email) errors.email = E('emailRequired');
  else if (!emailSchema.safeParse(email).success) errors.email = E('emailInvalid');

  const name = values.name.normalize('NFC').replace(/\s+/g, ' ');
  if (!name) errors.name = E('nameRequired');
  else if ([...name].length > MAX_NAME) errors.name = E('nameTooLong');
  else if (/\p{Cc}/u.test(name)) errors.name = E('nameInvalid');

  const nationalId = normaliseNationalId(values.nationalId);
  if (!nationalId) errors.nationalId = E('nationalIdRequired');
  else if (!isValidNationalId(nationalId)) errors.nationalId = E('nationalIdInvalid');

  const phone = values.phone ? normaliseContactPhone(values.phone) : undefined;
  if (values.phone && !phone) errors.phone = E('phoneInvalid');

  if (values.gender && !GENDERS.includes(values.gender as Gender)) errors.gender = E('genderInvalid');

  const password = checkPassword(typed, kept, { email, name }, errors);

  if (Object.keys(errors).length || password === undefined) return { errors, password };
  return {
    errors,
    password,
    valid: {
      schoolCode: values.school, kind: values.kind as SelfKind, email, name, nationalId,
      phone, gender: (values.gender || undefined) as Gender | undefined, password,
    },
  };
}

function checkPassword(
  typed: { password: string; confirm: string },
  kept: string | undefined,
  context: { email: string; name: string },
  errors: FieldErrors,
): string | undefined {
  const keeping = kept !== undefined && typed.password === '' && typed.confirm === '';
  const password = keeping ? kept : typed.password;
  if (!password) {
    errors.password = E('passwordRequired');
    return undefined;
  }
  const problem = checkPasswordPolicy(password, context);
  if (problem) {
    errors.password = problem;
    return undefined;
  }
  if (keeping) return password;
  if (!typed.confirm) errors.passwordConfirm = E('passwordConfirmRequired');
  else if (typed.confirm !== typed.password) errors.passwordConfirm = E('passwordMismatch');
  return errors.passwordConfirm ? undefined : password;
}
