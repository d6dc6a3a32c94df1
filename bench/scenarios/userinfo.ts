// Userinfo with a signed-in person's access token (scope openid profile email).
import { Agent } from '../../test/helpers/agent.ts';
import { signIn } from '../../test/helpers/rp.ts';
import { authorization, userinfo, type Target } from '../lib/oidc.ts';
import { measure, type Limits } from '../lib/timing.ts';

export function userinfoRequests(t: Target, limits: Limits) {
  return measure('userinfo', t.name, limits, async () => {
    const a = authorization(t.e, t.client, { scope: 'openid profile email' });
    const accessToken = (await a.exchange(await signIn(new Agent(), a.url, t.person!.login, t.person!.password))).access_token as string;
    return async () => { await userinfo(t.e, accessToken); };
  });
}
