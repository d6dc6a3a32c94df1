// The administrators' review in HTTP tests: the sign-in with a second factor at /binding/review/sign-in, for a person
// signed in to the account pages already (the provider asks for the second factor alone): the first time, the code sent
// to the verified email, then the authenticator set up from the page's key; or (`totp.secret`) the code of one set up
// before. The page it leads back to.
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { type Agent, formAction, hiddenField, type Step } from '../../helpers/agent.ts';
import { passSetupProof } from '../../helpers/second-factor.ts';

export async function reviewWithSecondFactor(
  base: string,
  agent: Agent,
  totp: { secret?: string } = {},
): Promise<Step> {
  const callback = `${base}/binding/review/callback`;
  const asked = await agent.follow(`${base}/binding/review/sign-in`, callback);
  assert.match(asked.url, /\/interaction\/[\w-]+\/second-factor$/, `the second factor is asked (${asked.url})`);
  // The first time, the code sent to the person's verified email comes before the set-up.
  const page = await passSetupProof(base, agent, asked, callback);
  const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(page.body)?.[1]?.replaceAll(' ', '') ?? totp.secret;
  assert.ok(secret, 'an authenticator is set up, or was before');
  totp.secret = secret;
  const step = await agent.submit(
    formAction(page.body, /\/second-factor$/, page.url),
    { _csrf: hiddenField(page.body, '_csrf'), code: await generate({ secret }) },
    callback,
  );
  assert.ok(step.location?.startsWith(callback), `back at the review's callback (${step.status} ${step.url})`);
  return agent.follow(step.location!);
}
