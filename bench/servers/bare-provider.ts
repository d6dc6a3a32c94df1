// Child process: a bare oidc-provider (its in-memory adapter, generated keys, a one-form sign-in that checks nothing),
// the library's own limit for the same operations campus-sso serves.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'koa';
import Provider from 'oidc-provider';
import { CALLBACK } from '../../test/helpers/rp.ts';
import { serveParent } from '../lib/child.ts';
import { BENCH_CLIENT } from '../lib/oidc.ts';

const server = http.createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const signingKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: BENCH_CLIENT.id,
      client_secret: BENCH_CLIENT.secret,
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [{ ...signingKey, kid: 'bench', use: 'sig', alg: 'RS256' }] as never },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    devInteractions: { enabled: false },
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    ClientCredentials: 600,
    IdToken: 3600,
    RefreshToken: 86_400,
    Interaction: 3600,
    Session: 86_400,
    Grant: 86_400,
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});

async function formBody(ctx: Context): Promise<URLSearchParams> {
  let raw = '';
  for await (const chunk of ctx.req) raw += chunk;
  return new URLSearchParams(raw);
}

// The same page shape campus-sso's sign-in has (a form posting login, password and a _csrf field), without the checks.
provider.use(async (ctx, next) => {
  const m = /^\/interaction\/([\w-]+)(\/login)?$/.exec(ctx.path);
  if (!m) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body =
      `<form method="post" action="/interaction/${details.uid}/login"><input type="hidden" name="_csrf" value="x">` +
      '<input name="login"><input name="password" type="password"><button>Sign in</button></form>';
    return;
  }
  const accountId = (await formBody(ctx)).get('login') ?? 'nobody';
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
});
server.on('request', provider.callback());

serveParent(
  {},
  () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
process.send!({ type: 'ready', issuer, storage: 'in-memory adapter' });
