// A full password sign-in from a fresh browser: authorize → sign-in page → form post → (identity menu) → code → token.
import { Agent } from '../../test/helpers/agent.ts';
import { signIn } from '../../test/helpers/rp.ts';
import { authorization, type Target } from '../lib/oidc.ts';
import { measure, type Limits } from '../lib/timing.ts';

export function passwordSignIns(t: Target, limits: Limits) {
  return measure('password sign-in flow', t.name, limits, async () => async () => {
    const a = authorization(t.e, t.client);
    await a.exchange(await signIn(new Agent(), a.url, t.person!.login, t.person!.password));
  });
}
