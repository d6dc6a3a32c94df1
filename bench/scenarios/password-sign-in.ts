// A full password sign-in from a fresh browser: authorize → sign-in page → form post → identity menu (when the person
// has several identities the client accepts) → code → token.
import { Agent } from '../../test/helpers/agent.ts';
import { signIn } from '../../test/helpers/rp.ts';
import { authorization, type Target } from '../lib/oidc.ts';
import { type Limits, measure } from '../lib/timing.ts';

/** One worker: a password sign-in from a fresh browser each time. */
export async function passwordSignInWorker(t: Target) {
  return async () => {
    const a = authorization(t);
    const person = t.person();
    await a.exchange(await signIn(new Agent(), a.url, person.login, person.password));
  };
}

export function passwordSignIns(t: Target, limits: Limits, scenario = 'password sign-in flow') {
  return measure(scenario, t.name, limits, () => passwordSignInWorker(t));
}
