import http from 'node:http';
import type { AddressInfo } from 'node:net';
// Relying-party side of protocol tests: openid-client configurations and a sign-in through the real pages.
import * as oidc from 'openid-client';
import type { ClientRegistry } from '../../src/domain/clients/registry.ts';
import { Agent, formAction, hiddenField, type Step } from './agent.ts';

export const CALLBACK = 'http://127.0.0.1:9/cb';

/** Registers a client the way an operator would (the CLI's path), on a running test server. */
export async function registerClient(
  server: { services: { clients: ClientRegistry } },
  metadata: Record<string, unknown> & { client_id: string },
  secret?: string,
) {
  await server.services.clients.upsert(
    { client_name: metadata.client_id, redirect_uris: [CALLBACK], ...metadata },
    'test',
    secret,
  );
}

export function discover(issuer: string, clientId: string, secret?: string, auth?: oidc.ClientAuth) {
  return oidc.discovery(
    new URL(issuer),
    clientId,
    secret,
    auth ?? (secret ? oidc.ClientSecretBasic(secret) : oidc.None()),
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
}

export type Pkce = { verifier: string; challenge: string; state: string; nonce: string };

export async function pkce(): Promise<Pkce> {
  const verifier = oidc.randomPKCECodeVerifier();
  return {
    verifier,
    challenge: await oidc.calculatePKCECodeChallenge(verifier),
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
  };
}

export function authorizationUrl(config: oidc.Configuration, p: Pkce, extra: Record<string, string> = {}) {
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid profile email',
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    state: p.state,
    nonce: p.nonce,
    ...extra,
  });
}

/** Submits the sign-in page shown at `page`. */
export async function submitLogin(
  agent: Agent,
  page: Step,
  login: string,
  password: string,
  extra: Record<string, string> = {},
  callback = CALLBACK,
) {
  const action = formAction(page.body, /\/login$/, page.url);
  return agent.submit(action, { login, password, _csrf: hiddenField(page.body, '_csrf'), ...extra }, callback);
}

/** Signs in, takes the first identity if a menu is shown, agrees to consent if asked; returns the redirect to the callback. */
export async function signIn(
  agent: Agent,
  url: URL | string,
  login: string,
  password: string,
  callback = CALLBACK,
): Promise<URL> {
  const page = await agent.follow(String(url), callback);
  // Already signed in (single sign-on): no sign-in form, straight to the menu or the consent.
  const signedIn = page.location?.startsWith(callback) || !/action="[^"]*\/login"/.test(page.body);
  let step = signedIn ? page : await submitLogin(agent, page, login, password, {}, callback);
  const identity = /<input type="radio" name="identity" value="([^"]+)"/.exec(step.body);
  if (!step.location?.startsWith(callback) && identity) {
    step = await agent.submit(
      formAction(step.body, /\/identity$/, step.url),
      { identity: identity[1]!, _csrf: hiddenField(step.body, '_csrf') },
      callback,
    );
  }
  if (!step.location?.startsWith(callback) && step.body.includes('/confirm')) {
    step = await agent.submit(
      formAction(step.body, /\/confirm$/, step.url),
      { _csrf: hiddenField(step.body, '_csrf') },
      callback,
    );
  }
  if (!step.location?.startsWith(callback))
    throw new Error(
      `sign-in did not reach the callback (status ${step.status}: ${/<title>([^<]*)/.exec(step.body)?.[1] ?? ''} ${/role="alert"[^>]*>([^<]*)/.exec(step.body)?.[1] ?? ''})`,
    );
  return new URL(step.location);
}

/** A relying party's back-channel logout endpoint on loopback: the logout tokens it receives, in order. */
export async function logoutTokenListener(): Promise<{ uri: string; received: string[]; close(): void }> {
  const received: string[] = [];
  const rp = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => rp.listen(0, '127.0.0.1', r));
  return {
    uri: `http://127.0.0.1:${(rp.address() as AddressInfo).port}/bcl`,
    received,
    close: () => rp.close(),
  };
}

/** The demo student signed in with offline access at `conf`'s client: the code's callback and what exchanging it checks. */
export async function signedInOffline(conf: oidc.Configuration) {
  const p = await pkce();
  const callback = await signIn(
    new Agent(),
    authorizationUrl(conf, p, { scope: 'openid offline_access', prompt: 'consent' }),
    'student',
    'Green-Frog-2026',
  );
  return { callback, checks: { pkceCodeVerifier: p.verifier, expectedState: p.state, expectedNonce: p.nonce } };
}
