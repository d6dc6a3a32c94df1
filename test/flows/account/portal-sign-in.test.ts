// The account portal signs people in through our own provider without going out to the public network: a server
// whose public name it cannot resolve (here a name under .invalid, which never resolves) still lets people in, its
// own calls to the provider arriving as if through the TLS proxy.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { internalFetch } from '../../../src/web/own-rp.ts';
import { newPerson, postForm, signInToAccount, type TestPerson } from '../../helpers/account.ts';
import { Agent, type Step } from '../../helpers/agent.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const PUBLIC = 'http://campus-sso.invalid';

describe(`the account portal on a host that cannot reach its own public name (${storageMode})`, () => {
  let server: TestServer;
  let person: TestPerson;

  before(async () => {
    server = await startTestServer({ ISSUER: PUBLIC });
    person = await newPerson(server.storage.db);
  });
  after(() => server.close());

  it('signs in, opens the account page and signs out', async () => {
    const local = `http://127.0.0.1:${server.port}`;
    // The browser reaches the server through the public name (its proxy); here, straight to the port.
    const agent = new (class extends Agent {
      override request(url: string, init?: RequestInit): Promise<Step> {
        return super.request(url.replace(PUBLIC, local), init);
      }
    })();
    const page = await signInToAccount(PUBLIC, agent, person.username, person.password);
    assert.equal(page.status, 200, page.body.slice(0, 300));
    assert.match(page.url, /\/account$/);
    assert.ok(page.body.includes(person.username));
    const out = await postForm(agent, PUBLIC, '/account', '/account/sign-out', {});
    assert.equal(out.status, 303);
    assert.equal(new URL(out.location!).pathname, '/session/end/success', 'signed out at once: the form was ours');
    const done = await agent.request(out.location!);
    assert.equal(done.status, 200);
    assert.match(done.body, /您已登出/);
    // Signed out of the provider too: the account pages ask for the password again, not a single sign-on away.
    const again = await agent.follow(`${PUBLIC}/account`);
    assert.match(again.body, /name="password"/);
    const audit = await server.storage.db('audit_events').where({ subject: person.id, action: 'session.signed_out' });
    assert.deepEqual(
      audit.map((a: { detail: { via: string } }) => a.detail.via),
      ['account'],
    );
  });
});

describe('internalFetch', () => {
  let seen: { url?: string; proto?: string; host?: string }[] = [];
  let base: string;
  const listener = http.createServer((req, res) => {
    seen.push({ url: req.url, proto: req.headers['x-forwarded-proto'] as string, host: req.headers.host });
    res.end('{}');
  });
  before(async () => {
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(listener.address() as net.AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => listener.close(() => resolve())));

  it('sends what is under the issuer to this process, as the TLS proxy would, and nothing else', async () => {
    seen = [];
    const f = internalFetch('https://sso.example.test', base);
    await f('https://sso.example.test/.well-known/openid-configuration?x=1', { method: 'GET', headers: {} } as never);
    assert.deepEqual(seen, [
      { url: '/.well-known/openid-configuration?x=1', proto: 'https', host: base.slice('http://'.length) },
    ]);
    // A look-alike host is not ours: it is fetched as it is (and fails here, with no such name).
    await assert.rejects(
      f('https://sso.example.test.invalid/token', { method: 'POST', headers: {} } as never),
      /fetch failed/,
    );
    assert.equal(seen.length, 1);
  });
});
