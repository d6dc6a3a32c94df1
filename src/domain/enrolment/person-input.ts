// The personal data a new account is made from (the registration form, a roster registration, a school-affairs push):
// one check per field, each with the i18n key of its message. Checks that need storage (school, duplicates) are in
// the enrolment service.
import { z } from 'zod';
import { isValidNationalId, normaliseNationalId } from '../people/national-id.ts';
import { checkNewPassword, checkPasswordPolicy } from '../people/password-policy.ts';
import { checkPersonName, normalisePersonName, type PersonNameProblem } from '../people/person-name.ts';
import { GENDERS, type Gender } from '../people/persons.ts';
import { normaliseContactPhone } from './contact-phone.ts';

/** The identity kinds a person may declare, and a school may issue verification accounts for (seed 000 §1.1 身分別). */
export const SELF_KINDS = ['teacher', 'student', 'parent', 'staff'] as const;
export type SelfKind = (typeof SELF_KINDS)[number];

/** A self-declared identity before the school confirms it: the person is a general member (一般會員). */
export const UNCONFIRMED = 'unconfirmed';

/** The values as typed (trimmed): what a form shows again and what a draft keeps. */
export const PersonValues = z.object({
  school: z.string(),
  kind: z.string(),
  email: z.string(),
  name: z.string(),
  nationalId: z.string(),
  phone: z.string(),
  gender: z.string(),
});
export type PersonValues = z.infer<typeof PersonValues>;

export const EMPTY_VALUES: PersonValues = {
  school: '',
  kind: '',
  email: '',
  name: '',
  nationalId: '',
  phone: '',
  gender: '',
};

export const FIELDS = [
  'school',
  'kind',
  'email',
  'name',
  'nationalId',
  'password',
  'passwordConfirm',
  'phone',
  'gender',
  'challenge',
] as const;
export type Field = (typeof FIELDS)[number];
/** Field → i18n key of its message. */
export type FieldErrors = Partial<Record<Field, string>>;

export type ValidPerson = {
  schoolCode: string;
  kind: SelfKind;
  email: string;
  name: string;
  nationalId: string;
  phone?: string;
  gender?: Gender;
  password: string;
};

const E = (key: string) => `registration.errors.${key}`;
const emailSchema = z.email().max(254);
const NAME_PROBLEMS: Record<PersonNameProblem, string> = {
  required: 'nameRequired',
  tooLong: 'nameTooLong',
  invalid: 'nameInvalid',
};

/**
 * Checks every field. The password comes typed twice, or (both fields left empty) kept from an earlier step;
 * `password` in the answer is the one to keep, when it passed.
 */
export function checkPersonInput(
  values: PersonValues,
  typed: { password: string; confirm: string },
  kept?: string,
): { errors: FieldErrors; password?: string; valid?: ValidPerson } {
  const errors: FieldErrors = {};
  values = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.trim()])) as PersonValues;

  if (!values.school) errors.school = E('schoolRequired');
  else if (!/^\d{6}$/.test(values.school)) errors.school = E('schoolUnknown');

  if (!values.kind) errors.kind = E('kindRequired');
  else if (!SELF_KINDS.includes(values.kind as SelfKind)) errors.kind = E('kindInvalid');

  const email = values.email.toLowerCase();
  if (!email) errors.email = E('emailRequired');
  else if (!emailSchema.safeParse(email).success) errors.email = E('emailInvalid');

  const checkedName = checkPersonName(values.name);
  const name = checkedName.ok ? checkedName.name : normalisePersonName(values.name);
  if (!checkedName.ok) errors.name = E(NAME_PROBLEMS[checkedName.problem]);

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
      schoolCode: values.school,
      kind: values.kind as SelfKind,
      email,
      name,
      nationalId,
      phone,
      gender: (values.gender || undefined) as Gender | undefined,
      password,
    },
  };
}

/** A password kept from an earlier step (both fields left empty) is checked against the policy again. */
function checkPassword(
  typed: { password: string; confirm: string },
  kept: string | undefined,
  context: { email: string; name: string },
  errors: FieldErrors,
): string | undefined {
  if (kept !== undefined && typed.password === '' && typed.confirm === '') {
    const problem = checkPasswordPolicy(kept, context);
    if (problem) errors.password = problem;
    return problem ? undefined : kept;
  }
  const problems = checkNewPassword({ password: typed.password, confirm: typed.confirm, context });
  if (problems.password) errors.password = problems.password;
  if (problems.confirm) errors.passwordConfirm = problems.confirm;
  return problems.password || problems.confirm ? undefined : typed.password;
}
