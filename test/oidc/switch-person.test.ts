// Another person signing in on a browser where someone is signed in to the same app (a shared school computer: the
// app asks for prompt=login or max_age=0, or the person presses 「不是您？」): the first person's session and grant end,
// and the sign-in goes on to the app with the second person. The first person's grant ending took the sign-in in
// progress with it (stored under that grant), so the second person met "this sign-in has ended" and the app heard
// nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { newPerson, type TestPerson } from '../helpers/account.ts';
import { Agent, formAction, hiddenField, type Step } from '../helpers/agent.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient, signIn, submitLogin } from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

const CLIENT = 'switch-person-app';
const SECRET = 'switch-person-secret-0123456789abcdef';

describe(`another person signing in where someone is signed in to the app (${storageMode})`, () => {
  let server: TestServer;
  let conf: oidc.Configuration;
  let first: TestPerson;
  let second: TestPerson;

  before(async () => {
    server = await startTestServer();
    await registerClient(server, { client_id: CLIENT, first_party: true }, SECRET);
    conf = await discover(server.issuer, CLIENT, SECRET);
    first = await newPerson(server.storage.db);
    second = await newPerson(server.storage.db);
  });
  after(async () => {
    await server?.close();
  });

  /** Goes on from `step` to the app: the old sign-in's sign-out form posted, consent if asked. */
  async function toApp(agent: Agent, step: Step): Promise<Step> {
    for (let i = 0; i < 10 && !step.location?.startsWith(CALLBACK); i++) {
      if (step.location) {
        step = await agent.request(step.location);
        continue;
      }
      const logout = /<form method="post" action="(http[^"]+)">([\s\S]*?name="xsrf"[\s\S]*?)<\/form>/.exec(step.body);
      if (logout) {
        const fields = Object.fromEntries(
          [...logout[2]!.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
        );
        step = await agent.submit(logout[1]!, fields, CALLBACK);
        continue;
      }
      if (step.body.includes('/confirm')) {
        step = await agent.submit(
          formAction(step.body, /\/confirm$/, step.url),
          { _csrf: hiddenField(step.body, '_csrf') },
          CALLBACK,
        );
        continue;
      }
      break;
    }
    return step;
  }

  for (const [label, extra] of [
    ['prompt=login', { prompt: 'login' }],
    ['max_age=0', { max_age: '0' }],
  ] as const)
    it(`${label}: the second person reaches the app, signed in as themselves`, async () => {
      const agent = new Agent();
      await signIn(agent, authorizationUrl(conf, await pkce()), first.username, first.password);

      const p = await pkce();
      const page = await agent.follow(String(authorizationUrl(conf, p, extra)), CALLBACK);
      assert.match(page.body, /action="[^"]*\/login"/, 'the sign-in page');
      const done = await toApp(agent, await submitLogin(agent, page, second.username, second.password));
      assert.ok(done.location?.startsWith(CALLBACK), `back at the app, got ${done.status} ${done.body.slice(0, 200)}`);
      const tokens = await oidc.authorizationCodeGrant(conf, new URL(done.location!), {
        pkceCodeVerifier: p.verifier,
        expectedState: p.state,
        expectedNonce: p.nonce,
      });
      assert.equal(tokens.claims()?.sub, second.id);
    });
});
