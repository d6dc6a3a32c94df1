// The self-registration wizard's step 1 in HTTP tests: a form that passes (the demo school, a teacher, a new email and
// national ID each time).
import crypto from 'node:crypto';
import { randomNationalId } from './national-ids.ts';

export const REGISTRATION_SCHOOL = '353604'; // 臺北市立示範國民中學 (demo data)
export const REGISTRATION_PASSWORD = 'Blue-Kettle-1987';

/** A new address each time, `label` saying which test made it. */
export const uniqueEmail = (label: string) => `reg-${label}-${crypto.randomBytes(4).toString('hex')}@example.org`;

/** Step 1's fields, right; `overrides` changes any of them. */
export function registrationForm(label: string, overrides: Record<string, string> = {}) {
  return {
    school: REGISTRATION_SCHOOL,
    kind: 'teacher',
    email: uniqueEmail(label),
    name: '何超人',
    national_id: randomNationalId(),
    password: REGISTRATION_PASSWORD,
    password_confirm: REGISTRATION_PASSWORD,
    phone: '02-21235678',
    gender: 'male',
    ...overrides,
  };
}
