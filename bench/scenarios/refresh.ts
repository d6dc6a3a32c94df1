// Refresh-token grants; each worker follows its own rotating chain (reuse would revoke the grant).
import { Agent } from '../../test/helpers/agent.ts';
import { signIn } from '../../test/helpers/rp.ts';
import { authorization, type Target, tokenRequest } from '../lib/oidc.ts';
import { type Limits, measure } from '../lib/timing.ts';

/** One worker: a sign-in with offline access, then its own rotating chain of refresh grants. */
export async function refreshWorker(t: Target) {
  const a = authorization(t, { scope: `${t.scope} offline_access`, prompt: 'consent' });
  const person = t.person();
  let refreshToken = (await a.exchange(await signIn(new Agent(), a.url, person.login, person.password)))
    .refresh_token as string;
  if (!refreshToken) throw new Error('no refresh token issued');
  return async () => {
    refreshToken = (await tokenRequest(t.e, t.client, { grant_type: 'refresh_token', refresh_token: refreshToken }))
      .refresh_token as string;
  };
}

export function refreshGrants(t: Target, limits: Limits) {
  return measure('refresh-token grant', t.name, limits, () => refreshWorker(t));
}
