// Introspection (RFC 7662) of an active client-credentials access token, so both servers do the same work.
import { introspect, type Target, tokenRequest } from '../lib/oidc.ts';
import { type Limits, measure } from '../lib/timing.ts';

/** One worker: a client-credentials token of its own, then its introspections. */
export async function introspectionWorker(t: Target) {
  const token = (await tokenRequest(t.e, t.client, { grant_type: 'client_credentials' })).access_token as string;
  return async () => {
    await introspect(t.e, t.client, token);
  };
}

export function introspections(t: Target, limits: Limits) {
  return measure('introspection', t.name, limits, () => introspectionWorker(t));
}
