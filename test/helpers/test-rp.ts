// A real relying party for browser tests: /start sends the browser to campus-sso, /cb exchanges the code
// with openid-client and shows the ID token claims and the UserInfo response as JSON in a page.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { ClientRegistry } from '../../src/domain/clients/registry.ts';

export type TestRp = { base: string; close(): Promise<void> };

export async function startTestRp(opts: {
  issuer: string;
  clients: ClientRegistry;
  clientId: string;
  secret: string;
  metadata?: Record<string, unknown>;
  scope?: string;
  /** Register the RP's home page (`/`) as its client_uri. */
  home?: boolean;
}): Promise<TestRp> {
  const pending = new Map<string, { verifier: string; nonce: string }>();
  let config: oidc.Configuration | undefined;
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url!, base);
      config ??= await oidc.discovery(new URL(opts.issuer), opts.clientId, opts.secret, undefined, {
        execute: [oidc.allowInsecureRequests],
      });
      if (url.pathname === '/start') {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const nonce = oidc.randomNonce();
        pending.set(state, { verifier, nonce });
        const extra = Object.fromEntries(
          [...url.searchParams].filter(([k]) => ['prompt', 'identity_hint', 'login_hint', 'ui_locales'].includes(k)),
        );
        const target = oidc.buildAuthorizationUrl(config, {
          redirect_uri: `${base}/cb`,
          scope: opts.scope ?? 'openid profile identity children',
          state,
          nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          ...extra,
        });
        res.writeHead(302, { location: target.href }).end();
        return;
      }
      if (url.pathname === '/') {
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            `<!doctype html><meta charset="utf-8"><title>${opts.clientId}</title><h1 id="home">${opts.clientId}</h1>`,
          );
        return;
      }
      if (url.pathname === '/cb') {
        const state = url.searchParams.get('state') ?? '';
        const p = pending.get(state);
        if (!p) throw new Error(url.searchParams.get('error') ?? 'unknown state');
        pending.delete(state);
        const tokens = await oidc.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: p.verifier,
          expectedState: state,
          expectedNonce: p.nonce,
        });
        const claims = tokens.claims()!;
        const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
        const json = (v: unknown) => JSON.stringify(v, null, 2).replace(/</g, '\\u003c');
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
              '<style>pre{white-space:pre-wrap;overflow-wrap:anywhere}</style>' +
              `<title>${opts.clientId}</title><h1 id="rp">${opts.clientId}</h1>` +
              `<pre id="userinfo">${json(userinfo)}</pre><pre id="claims">${json(claims)}</pre>`,
          );
        return;
      }
      res.writeHead(404).end();
    } catch (err) {
      const code = (err as { error?: string }).error; // an OpenID error the provider sent back (access_denied, ...)
      res
        .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`RP error: ${code ? `${code}: ` : ''}${(err as Error).message}`);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await opts.clients.upsert(
    {
      client_id: opts.clientId,
      client_name: opts.clientId,
      redirect_uris: [`${base}/cb`],
      ...(opts.home ? { client_uri: `${base}/` } : {}),
      ...opts.metadata,
    },
    'test',
    opts.secret,
  );
  return { base, close: () => new Promise((r) => server.close(() => r())) };
}
