// Userinfo with a signed-in person's access token (the target's scope: on campus-sso profile, email and the identity).
import { Agent } from '../../test/helpers/agent.ts';
import { signIn } from '../../test/helpers/rp.ts';
import { authorization, type Target, userinfo } from '../lib/oidc.ts';
import { type Limits, measure } from '../lib/timing.ts';

export function userinfoRequests(t: Target, limits: Limits) {
  return measure('userinfo', t.name, limits, async () => {
    const a = authorization(t);
    const person = t.person();
    const accessToken = (await a.exchange(await signIn(new Agent(), a.url, person.login, person.password)))
      .access_token as string;
    return async () => {
      await userinfo(t.e, accessToken);
    };
  });
}
