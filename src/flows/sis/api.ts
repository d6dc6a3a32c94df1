// POST /api/sis/handles and POST /api/sis/lookup: the school-affairs system, authenticated as a client with the
// `sis` permission, pushes a person (→ a one-use handle for the browser) or asks whether a national ID has an account
// or an identity.
import type { Context } from 'koa';
import { z } from 'zod';
import { apiClientOf, refuseJson } from '../../web/api-client.ts';
import type { Services } from '../../web/services.ts';
import { HANDLE_TTL_SECONDS, type Handoffs } from './handoff.ts';
import { fieldErrors, LookupBody, LookupResponse, PushBody } from './payload.ts';

const HandleResponse = z.object({ handle: z.string(), url: z.url(), expires_in: z.literal(HANDLE_TTL_SECONDS) });

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
