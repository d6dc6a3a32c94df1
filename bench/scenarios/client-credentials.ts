// Client-credentials grants (client_secret_basic).
import { type Target, tokenRequest } from '../lib/oidc.ts';
import { type Limits, measure } from '../lib/timing.ts';

export function clientCredentialsGrants(t: Target, limits: Limits) {
  return measure('client-credentials grant', t.name, limits, async () => async () => {
    await tokenRequest(t.e, t.client, { grant_type: 'client_credentials' });
  });
}
