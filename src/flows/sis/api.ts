// POST /api/sis/handles and POST /api/sis/lookup: the school-affairs system, authenticated as a client with the
// `sis` permission, pushes a person (→ a one-use handle for the browser) or asks whether a national ID has an account
// or an identity.
import type { Context } from 'koa';
import { z } from 'zod';
import { apiClientOf, refuseJson } from '../../web/api-client.ts';
import { type Operation, ok, refused } from '../../web/openapi/registry.ts';
import type { Services } from '../../web/services.ts';
import { HANDLE_TTL_SECONDS, type Handoffs } from './handoff.ts';
import { fieldErrors, LookupBody, LookupResponse, PushBody } from './payload.ts';

const HandleResponse = z.object({
  handle: z.string().meta({ description: 'one use, for the browser' }),
  url: z.url().meta({ description: 'where to send the person’s browser' }),
  expires_in: z.literal(HANDLE_TTL_SECONDS).meta({ description: 'seconds' }),
});

const INVALID = refused(
  'Bad fields: `fields` names each (`unknown_school`, `unknown_class`, `return_url_not_registered`, `invalid_national_id`, …).',
  'invalid_request',
);

export const HANDLE_OPERATION: Operation = {
  tag: 'sis',
  summary: 'Push a person: a one-use hand-off for the browser',
  description:
    'The school-affairs system sends a person it has verified. `mode: "register"` opens the registration wizard prefilled with the data; `"add_identity"` adds the identity to the account the person signs in to. Send the browser to `url` (within `expires_in` seconds); it comes back to `return_url?result=added|exists|declined`. `return_url` must be on the origin of one of the client’s redirect URIs.',
  permission: 'sis',
  body: PushBody,
  example: {
    mode: 'register',
    national_id: 'B123456780',
    name: '陳小安',
    birthdate: '2013-04-01',
    gender: 'female',
    email: 'an.chen@example.com',
    role: 'student',
    school_code: '353604',
    class: '701',
    seat: 21,
    student_number: 'S1130021',
    return_url: 'https://sis.example.edu.tw/sso/return',
  },
  responses: { 201: ok('The hand-off.', HandleResponse), 400: INVALID },
};

export const LOOKUP_OPERATION: Operation = {
  tag: 'sis',
  summary: 'Does a national ID have an account, or an identity?',
  description:
    'Whether the person with this national ID has an account and, with `role` (and `school_code`), an identity of that role, in that school when one is named.',
  permission: 'sis',
  body: LookupBody,
  example: { national_id: 'F223456786', role: 'student', school_code: '353604' },
  responses: { 200: ok('The answer.', LookupResponse), 400: INVALID },
};

const invalid = (ctx: Context, fields: Record<string, string>) =>
  refuseJson(ctx, 400, 'invalid_request', { error_description: 'the request has invalid fields', fields });

/** The return URL must be on the origin of one of the client's registered redirect URIs. */
function returnUrlAllowed(redirectUris: string[], returnUrl: string): boolean {
  const origin = new URL(returnUrl).origin;
  return redirectUris.some((u) => URL.canParse(u) && new URL(u).origin === origin);
}

export function createHandle(s: Services, handoffs: Handoffs) {
  return async (ctx: Context) => {
    const client = apiClientOf(ctx);
    const parsed = PushBody.safeParse(ctx.request.body ?? {});
    if (!parsed.success) return invalid(ctx, fieldErrors(parsed.error));
    const person = parsed.data;
    const errors: Record<string, string> = {};
    if (!(await s.schools.exists(person.school_code))) errors.school_code = 'unknown_school';
    else if (person.class && !(await s.schools.classExists(person.school_code, person.class)))
      errors.class = 'unknown_class';
    if (!returnUrlAllowed(client.redirectUris, person.return_url)) errors.return_url = 'return_url_not_registered';
    if (Object.keys(errors).length) return invalid(ctx, errors);
    const handle = await handoffs.issue({ clientId: client.clientId, clientName: client.name, person });
    await s.audit.record({
      actor: client.clientId,
      action: 'sis.handoff_issued',
      subject: client.clientId,
      detail: { mode: person.mode, role: person.role, school: person.school_code },
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 201;
    ctx.body = HandleResponse.parse({
      handle,
      url: `${s.issuer}/register/sis?handle=${handle}`,
      expires_in: HANDLE_TTL_SECONDS,
    });
  };
}

export function lookup(s: Services) {
  return async (ctx: Context) => {
    const parsed = LookupBody.safeParse(ctx.request.body ?? {});
    if (!parsed.success) return invalid(ctx, fieldErrors(parsed.error));
    const q = parsed.data;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = LookupResponse.parse(
      await s.enrolment.lookup({ nationalId: q.national_id, role: q.role, schoolCode: q.school_code }),
    );
  };
}
