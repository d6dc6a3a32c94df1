// POST /api/sis/guardians — the school-affairs system pushes a guardian link it has verified (approved at once) or
// one it has not (an application for the homeroom teacher); POST /api/sis/guardians/lookup — a student's links and
// open applications. The student by national ID, or by school and student number; the parent by national ID.
import type { Context } from 'koa';
import { z } from 'zod';
import { RELATIONSHIPS } from '../../domain/binding/relationships.ts';
import { normaliseMobile } from '../../domain/people/persons.ts';
import { apiClientOf, refuseJson } from '../../web/api-client.ts';
import { type Operation, ok, refused } from '../../web/openapi/registry.ts';
import type { Services } from '../../web/services.ts';
import { emailField, fieldErrors, nameField, nationalIdField } from './payload.ts';

const StudentRef = z
  .object({
    national_id: nationalIdField.optional(),
    school_code: z
      .string()
      .regex(/^\d{6}$/, { message: 'unknown_school' })
      .optional(),
    student_number: z
      .string()
      .regex(/^[0-9A-Za-z-]{1,20}$/)
      .optional(),
  })
  .strict()
  .refine((s) => s.national_id || (s.school_code && s.student_number), {
    message: 'national_id_or_school_and_student_number',
  })
  .meta({ description: 'the student: by national ID, or by school code and student number' });

const GuardianPush = z
  .object({
    student: StudentRef,
    parent: z
      .object({
        national_id: nationalIdField,
        name: nameField,
        email: emailField.optional(),
        mobile: z
          .string()
          .transform((v) => normaliseMobile(v) ?? '')
          .refine((v) => v !== '', { message: 'invalid_mobile' })
          .optional()
          .meta({ description: 'a mobile number in Taiwan (`0912345678`; `0912-345-678` and `+886…` are taken too)' }),
      })
      .strict(),
    relationship: z.enum(RELATIONSHIPS).meta({ description: 'what the parent is to the student' }),
    /** The school checked the relationship itself: approved at once. */
    verified: z.boolean().default(false).meta({
      description:
        '`true`: the school checked the relationship, approved at once; else the homeroom teacher reviews it',
    }),
  })
  .strict();

const LookupBody = z.object({ student: StudentRef }).strict();

const Pushed = z.object({
  id: z.string().meta({ description: 'the application’s id' }),
  status: z.enum(['approved', 'pending']),
});

const Links = z.object({
  school_code: z.string(),
  guardians: z.array(
    z.object({
      status: z.enum(['approved', 'ended', 'pending']),
      relationship: z.string(),
      parent: z.object({
        name: z.string(),
        national_id: z.string().nullable().meta({ description: 'masked (`A12****789`)' }),
      }),
      since: z.iso.datetime().meta({ description: 'approved, or applied for (pending)' }),
    }),
  ),
});

const PROBLEMS: Record<string, [number, string]> = {
  email_needed: [400, 'a new parent needs an email address (their login)'],
  emailTaken: [409, "another account uses the parent's email address"],
  emailApplied: [409, "another parent's application uses this email address"],
  alreadyBound: [409, 'the parent is bound to this student already'],
  relationshipTaken: [409, 'the student has another father (or mother) bound already'],
  alreadyApplied: [409, 'an application of this parent for this student is waiting for review'],
  studentAccount: [409, "the parent's national ID belongs to a student"],
  selfBinding: [400, "the parent's national ID is the student's"],
  studentGone: [409, 'the student is no longer enrolled'],
  codeUsed: [409, 'the binding code was used already'],
};

/** `alreadyBound` → `already_bound`. */
const wireCode = (problem: string) => problem.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const invalid = (ctx: Context, fields: Record<string, string>) =>
  refuseJson(ctx, 400, 'invalid_request', { error_description: 'the request has invalid fields', fields });

const INVALID = refused('Bad fields: `fields` names each.', 'invalid_request');
const UNKNOWN_STUDENT = refused('No such student.', 'unknown_student');
/** The problems of a push with their status, as the answer names them. */
const problemsWith = (status: number) =>
  Object.entries(PROBLEMS)
    .filter(([, [s]]) => s === status)
    .map(([code]) => wireCode(code));

export const PUSH_GUARDIAN_OPERATION: Operation = {
  tag: 'sis',
  summary: 'Push a guardian link',
  description:
    'A parent or guardian of a student. Verified by the school (`verified: true`): approved at once, making the parent’s account if needed (a new parent needs an email: their login). Otherwise an application the homeroom teacher reviews.',
  permission: 'sis',
  body: GuardianPush,
  example: {
    student: { school_code: '353604', student_number: 'S1130007' },
    parent: { national_id: 'E223456785', name: '林美華', email: 'mei-hua.lin@example.com', mobile: '0912345678' },
    relationship: 'mother',
  },
  responses: {
    201: ok('The link (approved) or the application (pending).', Pushed),
    400: refused(
      'Bad fields (`fields` names each), or a parent who cannot be.',
      'invalid_request',
      ...problemsWith(400),
    ),
    404: UNKNOWN_STUDENT,
    409: refused('The link or application exists already, or an address is taken.', ...problemsWith(409)),
  },
};

export const LOOKUP_GUARDIANS_OPERATION: Operation = {
  tag: 'sis',
  summary: 'A student’s guardian links and open applications',
  description: 'Approved and ended links, then the applications waiting for review; national IDs masked.',
  permission: 'sis',
  body: LookupBody,
  example: { student: { national_id: 'F223456786' } },
  responses: { 200: ok('The links.', Links), 400: INVALID, 404: UNKNOWN_STUDENT },
};

export function pushGuardian(s: Services) {
  return async (ctx: Context) => {
    const parsed = GuardianPush.safeParse(ctx.request.body ?? {});
    if (!parsed.success) return invalid(ctx, fieldErrors(parsed.error));
    const body = parsed.data;
    const student = await s.binding.studentFor({
      nationalId: body.student.national_id,
      schoolCode: body.student.school_code,
      studentNo: body.student.student_number,
    });
    if (!student) return refuseJson(ctx, 404, 'unknown_student');
    const result = await s.binding.push({
      actor: apiClientOf(ctx).clientId,
      student,
      relationship: body.relationship,
      parent: {
        nationalId: body.parent.national_id,
        name: body.parent.name,
        email: body.parent.email,
        mobile: body.parent.mobile,
      },
      verified: body.verified,
    });
    if (!result.ok) {
      const [status, description] = PROBLEMS[result.problem]!;
      return refuseJson(ctx, status, wireCode(result.problem), { error_description: description });
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 201;
    ctx.body = Pushed.parse({ id: result.id, status: result.status });
  };
}

export function lookupGuardians(s: Services) {
  return async (ctx: Context) => {
    const parsed = LookupBody.safeParse(ctx.request.body ?? {});
    if (!parsed.success) return invalid(ctx, fieldErrors(parsed.error));
    const q = parsed.data.student;
    const student = await s.binding.studentFor({
      nationalId: q.national_id,
      schoolCode: q.school_code,
      studentNo: q.student_number,
    });
    if (!student) return refuseJson(ctx, 404, 'unknown_student');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = Links.parse({
      school_code: student.school.code,
      guardians: await s.binding.linksOf(student.identityId),
    });
  };
}
