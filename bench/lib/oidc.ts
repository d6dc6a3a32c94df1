// The few protocol requests the scenarios make, with plain fetch (a light load generator: no ID-token validation).
import crypto from 'node:crypto';
import { CALLBACK } from '../../test/helpers/rp.ts';

export type Endpoints = {
  issuer: string;
  authorization: string;
  token: string;
  introspection: string;
  userinfo: string;
};
export type Client = { id: string; secret: string };

/** The confidential client every target registers for the scenarios. */
export const BENCH_CLIENT: Client = { id: 'bench-rp', secret: 'bench-rp-secret-0123456789abcdefghij' };

/** Its metadata on campus-sso: first-party (no consent page), every grant the scenarios use, and the identity scope
 *  so the menu is shown. */
export const BENCH_CLIENT_METADATA = {
  client_id: BENCH_CLIENT.id,
  first_party: true,
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  scope: 'openid offline_access profile email phone identity identities children',
};

export async function endpoints(issuer: string): Promise<Endpoints> {
  const m = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  return {
    issuer,
    authorization: m.authorization_endpoint!,
    token: m.token_endpoint!,
    introspection: m.introspection_endpoint!,
    userinfo: m.userinfo_endpoint!,
  };
}

const basic = (c: Client) =>
  `Basic ${Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64')}`;

async function post(url: string, client: Client, form: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export const tokenRequest = (e: Endpoints, c: Client, form: Record<string, string>) => post(e.token, c, form);

export async function introspect(e: Endpoints, c: Client, token: string) {
  const body = await post(e.introspection, c, { token });
  if (body.active !== true) throw new Error('introspection: token not active');
  return body;
}

export async function userinfo(e: Endpoints, accessToken: string) {
  const res = await fetch(e.userinfo, { headers: { authorization: `Bearer ${accessToken}` } });
  if (!res.ok) throw new Error(`userinfo: ${res.status}`);
  return res.json();
}

/** An authorization request with PKCE; `exchange` trades the callback's code for tokens. */
export function authorization(t: Target, extra: Record<string, string> = {}) {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const state = crypto.randomBytes(16).toString('base64url');
  const url = new URL(t.e.authorization);
  for (const [k, v] of Object.entries({
    client_id: t.client.id,
    response_type: 'code',
    redirect_uri: CALLBACK,
    scope: t.scope,
    state,
    code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  }))
    url.searchParams.set(k, v);
  return {
    url: url.href,
    async exchange(callback: URL | string) {
      const cb = new URL(callback);
      if (cb.searchParams.get('state') !== state) throw new Error(`callback without our state: ${cb.search}`);
      const code = cb.searchParams.get('code');
      if (!code) throw new Error(`callback without code: ${cb.search}`);
      return tokenRequest(t.e, t.client, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        code_verifier: verifier,
      });
    },
  };
}

export type Person = { login: string; password: string };

/** Where a scenario runs: a server's endpoints, a confidential client on it, the scope its sign-ins ask for, and
 *  who signs in (called once per flow: the demo teacher every time, or a random one of a million bench people). */
export type Target = { name: string; e: Endpoints; client: Client; scope: string; person: () => Person };
