// The password sign-in flow under open-loop load (bench/lib/open-loop.ts): flows arrive at a fixed rate — 80 % of the
// peak the closed-loop sweep measured on the same server in the same run — whether or not earlier ones have finished,
// so the percentiles say how long a person waits at that load, not how long the load generator's own queue was.
import { Agent } from '../../test/helpers/agent.ts';
import { signIn } from '../../test/helpers/rp.ts';
import { authorization, type Person, type Target } from '../lib/oidc.ts';
import { measureOpenLoop, type OpenLoopLimits } from '../lib/open-loop.ts';

export const OPEN_LOOP_SHARE = 0.8;
export const OPEN_LOOP_SCENARIO = 'password sign-in flow, open loop at 80 % of peak';

/** One sign-in from a fresh browser (cookie jar), as in password-sign-in.ts; it leaves a session in storage. */
export async function signInFlow(t: Target, person: Person = t.person()) {
  const a = authorization(t);
  await a.exchange(await signIn(new Agent(), a.url, person.login, person.password));
}

/** `peak`: the most sign-ins per second of the closed-loop sweep on this target. */
export function openLoopSignIns(t: Target, peak: number, limits: Omit<OpenLoopLimits, 'rate'>) {
  const rate = Math.round(peak * OPEN_LOOP_SHARE * 100) / 100;
  return measureOpenLoop(OPEN_LOOP_SCENARIO, t.name, { ...limits, rate }, () => signInFlow(t));
}
