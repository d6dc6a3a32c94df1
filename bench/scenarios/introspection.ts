// Introspection (RFC 7662) of an active client-credentials access token, so both servers do the same work.
import { introspect, type Target, tokenRequest } from '../lib/oidc.ts';
import { type Limits, measure } from '../lib/timing.ts';

export function introspections(t: Target, limits: Limits) {
  return measure('introspection', t.name, limits, async () => {
    const token = (await tokenRequest(t.e, t.client, { grant_type: 'client_credentials' })).access_token as string;
    return async () => {
      await introspect(t.e, t.client, token);
    };
  });
}
