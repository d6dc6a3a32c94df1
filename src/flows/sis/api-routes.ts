// POST /api/sis/handles and POST /api/sis/lookup: the school-affairs system, authenticated as a client, pushes a
// person (→ a one-use handle for the browser) or asks whether a national ID has an account or an identity.
import type { Context } from 'koa';
import { z } from 'zod';
import { recordAudit } from '../../domain/audit.ts';
import { returnUrlAllowed, sisClientOf } from './client-auth.ts';
import type { SisDeps } from './deps.ts';
import { HANDLE_TTL_SECONDS, issueHandle } from './handoff-store.ts';
import { LookupResponse } from './lookup-response.ts';
import { lookupPerson } from './lookup.ts';
import { checkSchoolAndClass, fieldErrors, LookupBody, PushBody } from './payload.ts';

const HandleResponse = z.object({ handle: z.string(), url: z.url(), expires_in: z.literal(HANDLE_TTL_SECONDS) });

function invalid(ctx: Context, fields: Record<string, string>) {
  ctx.status = 400;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: 'invalid_request', error_description: 'the request has invalid fields', fields };
}

export function createHandle(deps: SisDeps) {
  return async (ctx: Context) => {
    const client = sisClientOf(ctx);
    const parsed = PushBody.safeParse(ctx.request.body ?? {});
    if (!parsed.success) return invalid(ctx, fieldErrors(parsed.error));
    const person = parsed.data;
    const errors = await checkSchoolAndClass(deps.db, person);
    if (!returnUrlAllowed(client, person.return_url)) errors.return_url = 'return_url_not_registered';
    if (Object.keys(errors).length) return invalid(ctx, errors);
    const handle = await issueHandle(deps.shared, deps.keyring, { clientId: client.clientId, clientName: client.name, person });
    await recordAudit(deps.db, { actor: client.clientId, action: 'sis.handoff_issued', subject: client.clientId, detail: { mode: person.mode, role: person.role, school: person.school_code } });
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 201;
    ctx.body = HandleResponse.parse({ handle, url: `${deps.issuer}/register/sis?handle=${handle}`, expires_in: HANDLE_TTL_SECONDS });
  };
}

export function lookup(deps: SisDeps) {
  return async (ctx: Context) => {
    const parsed = LookupBody.safeParse(ctx.request.body ?? {});
    if (!parsed.success) return invalid(ctx, fieldErrors(parsed.error));
    const q = parsed.data;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = LookupResponse.parse(await lookupPerson(deps.db, deps.keyring, { nationalId: q.national_id, role: q.role, schoolCode: q.school_code }));
  };
}
