// The person the school-affairs system pushes (zod at the edge), and the checks that need the database.
import { z } from 'zod';
import { SELF_KINDS } from '../../domain/enrolment/person-input.ts';
import { isValidNationalId, normaliseNationalId } from '../../domain/people/national-id.ts';
import { GENDERS } from '../../domain/people/persons.ts';
export const nationalIdField = z
  .string()
  .max(20)
  .transform(normaliseNationalId)
  .refine(isValidNationalId, { message: 'invalid_national_id' })
  .meta({ description: 'a national ID (身分證統一編號 or resident certificate number), its checksum checked' });

/** An email address as pushed: lower-cased. */
export const emailField = z
  .email()
  .max(254)
  .transform((s) => s.toLowerCase());

/** A name as pushed: no control characters. */
export const nameField = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .refine((s) => !/\p{Cc}/u.test(s), { message: 'invalid_name' });

export const PushBody = z
  .object({
    mode: z.enum(['register', 'add_identity']).meta({
      description: '`register`: a new account; `add_identity`: the identity, to the account the person signs in to',
    }),
    national_id: nationalIdField,
    name: nameField,
    birthdate: z.iso.date().optional(),
    gender: z.enum(GENDERS).optional(),
    email: emailField.optional(),
    mobile: z
      .string()
      .regex(/^09\d{8}$/, { message: 'invalid_mobile' })
      .optional(),
    role: z.enum(SELF_KINDS).meta({ description: 'the identity’s role' }),
    school_code: z
      .string()
      .regex(/^\d{6}$/, { message: 'unknown_school' })
      .meta({ description: 'the school’s six-digit code' }),
    class: z
      .string()
      .regex(/^[0-9A-Za-z-]{1,10}$/)
      .optional(),
    seat: z.number().int().min(1).max(99).optional(),
    student_number: z
      .string()
      .regex(/^[0-9A-Za-z-]{1,20}$/)
      .optional(),
    return_url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .meta({ description: 'where the browser returns, on the origin of one of the client’s redirect URIs' }),
  })
  .strict();
export type PushBody = z.infer<typeof PushBody>;

/** What the hand-off carries from the push to the browser (sealed in the shared store). */
export const Handoff = z.object({ clientId: z.string(), clientName: z.string(), person: PushBody });
export type Handoff = z.infer<typeof Handoff>;

export const LookupBody = z
  .object({
    national_id: nationalIdField,
    role: z.enum(SELF_KINDS).optional(),
    school_code: z
      .string()
      .regex(/^\d{6}$/)
      .optional(),
  })
  .strict();
export type LookupBody = z.infer<typeof LookupBody>;

/** The lookup's answer, and nothing else. */
export const LookupResponse = z
  .object({
    has_account: z.boolean(),
    has_identity: z.boolean().meta({ description: 'an identity of the role (at the school) asked about' }),
  })
  .strict();

/** zod issues → `{ field: code }` (the first issue of each field). */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || '_';
    out[key] ??=
      issue.code === 'custom' || issue.message.startsWith('invalid_') || issue.message === 'unknown_school'
        ? issue.message
        : issue.code;
  }
  return out;
}
