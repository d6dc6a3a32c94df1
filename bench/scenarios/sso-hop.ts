// Single sign-on: an agent with a session goes authorize → code → token without a password.
import { Agent } from '../../test/helpers/agent.ts';
import { CALLBACK, signIn } from '../../test/helpers/rp.ts';
import { authorization, type Target } from '../lib/oidc.ts';
import { measure, type Limits } from '../lib/timing.ts';

export function ssoHops(t: Target, limits: Limits) {
  return measure('SSO hop (authorize → code → token)', t.name, limits, async () => {
    const agent = new Agent();
    const first = authorization(t.e, t.client);
    await first.exchange(await signIn(agent, first.url, t.person!.login, t.person!.password));
    return async () => {
      const a = authorization(t.e, t.client);
      const step = await agent.follow(a.url, CALLBACK);
      if (!step.location?.startsWith(CALLBACK)) throw new Error(`SSO hop did not reach the callback (status ${step.status})`);
      await a.exchange(step.location);
    };
  });
}
