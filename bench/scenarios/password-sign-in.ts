// A full password sign-in from a fresh browser: authorize → sign-in page → form post → identity menu (when the person
// has several identities the client accepts) → code → token.
import { Agent } from '../../test/helpers/agent.ts';
import { signIn } from '../../test/helpers/rp.ts';
import { authorization, type Target } from '../lib/oidc.ts';
import { type Limits, measure } from '../lib/timing.ts';

export function passwordSignIns(t: Target, limits: Limits, scenario = 'password sign-in flow') {
  return measure(scenario, t.name, limits, async () => async () => {
    const a = authorization(t);
    const person = t.person();
    await a.exchange(await signIn(new Agent(), a.url, person.login, person.password));
  });
}
