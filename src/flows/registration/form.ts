// The wizard's step 1 form as it arrives (zod at the edge); the checks of the values are enrolment's
// (domain/enrolment/person-input.ts).
import { z } from 'zod';
import type { PersonValues } from '../../domain/enrolment/person-input.ts';
import { formText, PersonForm } from '../../web/forms.ts';

const field = formText();
export const interactionUid = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const Step1Body = PersonForm.extend({
  school: field,
  kind: field,
  interaction: interactionUid.optional().catch(undefined),
});
export type Step1Body = z.infer<typeof Step1Body>;

/** The fields a school-affairs push fixes: the wizard shows them read-only and keeps the pushed values whatever is posted. */
export const SIS_LOCKED = ['school', 'kind', 'name', 'nationalId'] as const;

export function lockPushed(values: PersonValues, pushed: PersonValues): PersonValues {
  return { ...values, ...Object.fromEntries(SIS_LOCKED.map((k) => [k, pushed[k]])) };
}

export function valuesOf(body: Step1Body): PersonValues {
  return {
    school: body.school,
    kind: body.kind,
    email: body.email,
    name: body.name,
    nationalId: body.national_id,
    phone: body.phone,
    gender: body.gender,
  };
}
