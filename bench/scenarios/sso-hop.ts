// Single sign-on: a browser with a session opens the client again: authorize → code → token, no password, no menu
// (the identity chosen at sign-in is remembered).
import { Agent } from '../../test/helpers/agent.ts';
import { CALLBACK, signIn } from '../../test/helpers/rp.ts';
import { authorization, type Target } from '../lib/oidc.ts';
import { type Limits, measure } from '../lib/timing.ts';

/** One worker: a browser signed in once, then its hops. */
export async function ssoHopWorker(t: Target) {
  const agent = new Agent();
  const first = authorization(t);
  const person = t.person();
  await first.exchange(await signIn(agent, first.url, person.login, person.password));
  return async () => {
    const a = authorization(t);
    const step = await agent.follow(a.url, CALLBACK);
    if (!step.location?.startsWith(CALLBACK))
      throw new Error(`SSO hop did not reach the callback (status ${step.status})`);
    await a.exchange(step.location);
  };
}

export function ssoHops(t: Target, limits: Limits, scenario = 'SSO hop (authorize → code → token)') {
  return measure(scenario, t.name, limits, () => ssoHopWorker(t));
}
