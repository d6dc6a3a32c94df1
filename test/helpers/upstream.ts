// Upstream providers for the federation tests (issue 13), real servers on loopback:
// - startUpstreamOp: a second oidc-provider with its own accounts (the city's OpenID provider, "Google"); its
//   development sign-in form takes an account id; grants are given without a consent page.
// - startFakeFacebook: a small server that speaks Facebook's OAuth dialog, its token endpoint and Graph `me`, and can
//   also play a misbehaving OpenID provider (an ID token for another audience or nonce, a slow token endpoint).
// Both listen on 127.0.0.1 (campus-sso's test server is http://localhost:port: different cookie hosts), and the
// upstream's own cookies have their own names, so an Agent holding both sets never mixes them.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { type Upstreams, upstreamInput } from '../../src/domain/upstreams/upstreams.ts';
import type { Agent, Step } from './agent.ts';

export type UpstreamPerson = { email?: string; email_verified?: boolean; name?: string };

export type UpstreamOp = {
  issuer: string;
  clientId: string;
  secret: string;
  close(): Promise<void>;
};

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: http.Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export async function startUpstreamOp(opts: {
  /** Our callback(s) registered at this upstream. */
  redirectUris: string[];
  accounts: Record<string, UpstreamPerson>;
  clientId?: string;
  secret?: string;
  /** More clients at the upstream (e.g. another app with the same redirect URI, for a code meant for it). */
  otherClients?: { client_id: string; client_secret: string }[];
}): Promise<UpstreamOp> {
  const clientId = opts.clientId ?? 'campus-sso';
  const secret = opts.secret ?? 'upstream client secret for tests';
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  const issuer = await listen(server);
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'upstream-1', use: 'sig', alg: 'RS256' } as never] },
    clients: [
      { client_id: clientId, client_secret: secret, redirect_uris: opts.redirectUris },
      ...(opts.otherClients ?? []).map((c) => ({ ...c, redirect_uris: opts.redirectUris })),
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    cookies: {
      names: { session: 'up_session', interaction: 'up_interaction', resume: 'up_resume' },
      keys: ['upstream cookie key for tests'],
    },
    async findAccount(_ctx, id) {
      const person = opts.accounts[id];
      if (!person) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...person }) };
    },
    // Every client is trusted: no consent page at the upstream.
    async loadExistingGrant(ctx) {
      const { client, session } = ctx.oidc;
      const grant = new ctx.oidc.provider.Grant({ clientId: client!.clientId, accountId: session!.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  // The development pages' warnings are not the test's business.
  provider.on('server_error', () => {});
  handler = provider.callback();
  return { issuer, clientId, secret, close: () => close(server) };
}

/** Configures an upstream on a running campus-sso as `campus-sso upstream add` would (http allowed: loopback). */
export function addUpstream(upstreams: Upstreams, input: Record<string, unknown>) {
  return upstreams.add(upstreamInput(true).parse(input), 'test');
}

/** An oidc-provider of its own, registered at campus-sso as the upstream `id` (its callback registered there). */
export async function startConfiguredOp(
  server: { issuer: string; services: { upstreams: Upstreams } },
  upstream: { id: string; name: string },
  accounts: Record<string, UpstreamPerson>,
  more: { otherClients?: { client_id: string; client_secret: string }[] } = {},
): Promise<UpstreamOp> {
  const op = await startUpstreamOp({
    redirectUris: [`${server.issuer}/federation/${upstream.id}/callback`],
    accounts,
    ...more,
  });
  await addUpstream(server.services.upstreams, {
    ...upstream,
    issuer: op.issuer,
    clientId: op.clientId,
    clientSecret: op.secret,
  });
  return op;
}

/** At the upstream's development sign-in page (`page`), signs in as `account`; follows on until `stopAt`. */
export async function upstreamLogin(agent: Agent, page: Step, account: string, stopAt?: string): Promise<Step> {
  const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1];
  if (!action) throw new Error(`no sign-in form at the upstream (status ${page.status})`);
  return agent.submit(new URL(action, page.url).href, { prompt: 'login', login: account, password: 'any' }, stopAt);
}

/** At the upstream's development sign-in page, presses its cancel link. */
export async function upstreamCancel(agent: Agent, page: Step, stopAt?: string): Promise<Step> {
  const abort = /href="([^"]*\/abort)"/.exec(page.body)?.[1];
  if (!abort) throw new Error('no cancel link at the upstream');
  return agent.follow(new URL(abort, page.url).href, stopAt);
}

export type FakeBehaviour = {
  /** Who is signed in at the dialog (its `me`). */
  user: { id: string; name?: string; email?: string };
  /** The dialog answers with this error (`access_denied`: the person pressed cancel). */
  error?: string;
  /** The token endpoint waits this long before answering. */
  delayMs?: number;
  /** As an OpenID provider: sign ID tokens with the client secret (HS256), as LINE's web login does. */
  hmac?: boolean;
  /** As an OpenID provider: what to spoil in the ID token. */
  spoil?: 'audience' | 'nonce' | 'signature' | 'expired' | 'issuer';
};

export type FakeUpstream = {
  base: string;
  clientId: string;
  secret: string;
  behaviour: FakeBehaviour;
  /** The endpoints to give `campus-sso upstream add --kind facebook`. */
  endpoints: { authorization_endpoint: string; token_endpoint: string; userinfo_endpoint: string };
  /** Requests the token endpoint received (to show nothing else was tried). */
  tokenRequests: number;
  close(): Promise<void>;
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Facebook's OAuth dialog, token endpoint and Graph `me`; with a discovery document and keys it is an OpenID provider
 * too, whose ID tokens can be spoiled on purpose.
 */
export async function startFakeFacebook(
  behaviour: FakeBehaviour,
  opts: { clientId?: string; secret?: string } = {},
): Promise<FakeUpstream> {
  const clientId = opts.clientId ?? 'fb-app-1';
  const secret = opts.secret ?? 'fb app secret for tests';
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
  const codes = new Map<
    string,
    { clientId: string; redirectUri: string; challenge?: string; nonce?: string; user: FakeBehaviour['user'] }
  >();
  const tokens = new Map<string, FakeBehaviour['user']>();
  let base = '';
  const fake: FakeUpstream = {
    base,
    clientId,
    secret,
    behaviour,
    endpoints: { authorization_endpoint: '', token_endpoint: '', userinfo_endpoint: '' },
    tokenRequests: 0,
    close: () => close(server),
  };

  const idToken = (code: { clientId: string; nonce?: string; user: FakeBehaviour['user'] }) => {
    const now = Math.floor(Date.now() / 1000);
    const spoil = fake.behaviour.spoil;
    const claims = {
      iss: spoil === 'issuer' ? 'https://elsewhere.example' : base,
      sub: code.user.id,
      aud: spoil === 'audience' ? 'another-app' : code.clientId,
      iat: spoil === 'expired' ? now - 7200 : now,
      exp: spoil === 'expired' ? now - 3600 : now + 300,
      nonce: spoil === 'nonce' ? 'not-the-nonce' : code.nonce,
      email: code.user.email,
      email_verified: true,
      name: code.user.name,
    };
    if (fake.behaviour.hmac) {
      const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
      const key = spoil === 'signature' ? 'another secret' : secret;
      return `${input}.${crypto.createHmac('sha256', key).update(input).digest('base64url')}`;
    }
    const input = `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64(claims)}`;
    const key = spoil === 'signature' ? other.privateKey : privateKey;
    return `${input}.${crypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, base);
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: base,
        ...fake.endpoints,
        jwks_uri: `${base}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json(res, 200, { keys: [jwk] });
    if (url.pathname === '/dialog/oauth') {
      const redirect = new URL(url.searchParams.get('redirect_uri') ?? '');
      const state = url.searchParams.get('state');
      if (state) redirect.searchParams.set('state', state);
      if (fake.behaviour.error) {
        redirect.searchParams.set('error', fake.behaviour.error);
        if (fake.behaviour.error === 'access_denied') redirect.searchParams.set('error_reason', 'user_denied');
      } else {
        const code = crypto.randomBytes(16).toString('hex');
        codes.set(code, {
          clientId: url.searchParams.get('client_id') ?? '',
          redirectUri: url.searchParams.get('redirect_uri') ?? '',
          challenge: url.searchParams.get('code_challenge') ?? undefined,
          nonce: url.searchParams.get('nonce') ?? undefined,
          user: { ...fake.behaviour.user },
        });
        redirect.searchParams.set('code', code);
      }
      res.writeHead(302, { location: redirect.href }).end();
      return;
    }
    if (url.pathname === '/oauth/access_token' && req.method === 'POST') {
      fake.tokenRequests++;
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const form = new URLSearchParams(raw);
      if (fake.behaviour.delayMs) await new Promise((r) => setTimeout(r, fake.behaviour.delayMs));
      if (res.destroyed) return;
      const code = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
      if (form.get('client_id') !== clientId || form.get('client_secret') !== secret)
        return json(res, 401, { error: 'invalid_client' });
      if (!code || code.clientId !== clientId || code.redirectUri !== form.get('redirect_uri'))
        return json(res, 400, { error: 'invalid_grant' });
      if (code.challenge && code.challenge !== challenge) return json(res, 400, { error: 'invalid_grant' });
      const access = crypto.randomBytes(16).toString('hex');
      tokens.set(access, code.user);
      return json(res, 200, {
        access_token: access,
        token_type: 'bearer',
        expires_in: 5000,
        ...(code.nonce ? { id_token: idToken(code) } : {}),
      });
    }
    if (url.pathname === '/me') {
      const user = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /i, ''));
      if (!user) return json(res, 401, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException' } });
      const fields = (url.searchParams.get('fields') ?? 'id,name').split(',');
      return json(res, 200, Object.fromEntries(Object.entries(user).filter(([k]) => fields.includes(k))));
    }
    json(res, 404, { error: 'not found' });
  });
  base = await listen(server);
  fake.base = base;
  fake.endpoints = {
    authorization_endpoint: `${base}/dialog/oauth`,
    token_endpoint: `${base}/oauth/access_token`,
    userinfo_endpoint: `${base}/me`,
  };
  return fake;
}
