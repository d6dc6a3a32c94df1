// GET /developers/apps/:id/quick-start — how to connect an approved app: the discovery URL, the client id, and example
// settings for openid-client, Spring Security, ASP.NET Core, PHP (league/oauth2-client) and Apache mod_auth_openidc.
import type { Context } from 'koa';
import type { Services } from '../../web/services.ts';
import { ownApplication } from './access.ts';
import { renderDev } from './pages.ts';

export function showQuickStart(s: Services) {
  return async (ctx: Context) => {
    const app = await ownApplication(s, ctx);
    const d = app.live ?? app.details;
    const scope = ['openid', ...d.scopes].join(' ');
    const redirect = d.redirect_uris[0] ?? 'https://app.example.edu.tw/callback';
    const clientId = app.clientId ?? 'CLIENT_ID';
    renderDev(ctx, 'quick-start', {
      examples: examples({ issuer: s.issuer, clientId, scope, redirect, publicClient: d.kind === 'spa' }),
      title: 'developers.quickStart.title',
      titleVars: { name: d.app_name },
      app,
      issuer: s.issuer,
      discovery: `${s.issuer}/.well-known/openid-configuration`,
      clientId: app.clientId,
      scope,
      redirect,
      publicClient: d.kind === 'spa',
      machine: d.kind === 'm2m',
    });
  };
}

type Example = { issuer: string; clientId: string; scope: string; redirect: string; publicClient: boolean };

/** A reference to an environment variable in a configuration file: `${NAME}`. */
const env = (name: string) => `$${'{'}${name}}`;

/** Example settings per library; the secret is always read from the environment, never written in. */
function examples(e: Example): { name: string; code: string }[] {
  const secretLine = e.publicClient ? '' : '\n  process.env.CLIENT_SECRET,';
  const base = new URL(e.redirect);
  return [
    {
      name: 'Node.js — openid-client 6',
      code: `import * as client from 'openid-client';

const config = await client.discovery(
  new URL('${e.issuer}'),
  '${e.clientId}',${secretLine}
);
const verifier = client.randomPKCECodeVerifier();
const url = client.buildAuthorizationUrl(config, {
  redirect_uri: '${e.redirect}',
  scope: '${e.scope}',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
});`,
    },
    {
      name: 'Java — Spring Security (application.yml)',
      code: `spring:
  security:
    oauth2:
      client:
        registration:
          campus-sso:
            client-id: ${e.clientId}${e.publicClient ? '\n            client-authentication-method: none' : `\n            client-secret: ${env('CLIENT_SECRET')}`}
            scope: ${e.scope.split(' ').join(', ')}
            redirect-uri: "${e.redirect}"
        provider:
          campus-sso:
            issuer-uri: ${e.issuer}`,
    },
    {
      name: 'ASP.NET Core (Program.cs)',
      code: `builder.Services.AddAuthentication(o => {
    o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
  })
  .AddCookie()
  .AddOpenIdConnect(o => {
    o.Authority = "${e.issuer}";
    o.ClientId = "${e.clientId}";${e.publicClient ? '' : '\n    o.ClientSecret = builder.Configuration["CLIENT_SECRET"];'}
    o.ResponseType = "code";
    o.UsePkce = true;
    o.CallbackPath = "${base.pathname}";
${e.scope
  .split(' ')
  .map((sc) => `    o.Scope.Add("${sc}");`)
  .join('\n')}
  });`,
    },
    {
      name: 'PHP — league/oauth2-client',
      code: `$provider = new \\League\\OAuth2\\Client\\Provider\\GenericProvider([
    'clientId'                => '${e.clientId}',
    'clientSecret'            => ${e.publicClient ? "''" : "getenv('CLIENT_SECRET')"},
    'redirectUri'             => '${e.redirect}',
    'urlAuthorize'            => '${e.issuer}/auth',
    'urlAccessToken'          => '${e.issuer}/token',
    'urlResourceOwnerDetails' => '${e.issuer}/me',
    'scopes'                  => '${e.scope}',
    'scopeSeparator'          => ' ',
    'pkceMethod'              => 'S256',
]);`,
    },
    {
      name: 'Apache — mod_auth_openidc',
      code: `OIDCProviderMetadataURL ${e.issuer}/.well-known/openid-configuration
OIDCClientID ${e.clientId}
${e.publicClient ? 'OIDCProviderTokenEndpointAuth none' : `OIDCClientSecret ${env('CLIENT_SECRET')}`}
OIDCRedirectURI ${e.redirect}
OIDCScope "${e.scope}"
OIDCPKCEMethod S256
OIDCCryptoPassphrase ${env('OIDC_CRYPTO_PASSPHRASE')}

<Location ${base.pathname.replace(/[^/]*$/, '') || '/'}>
  AuthType openid-connect
  Require valid-user
</Location>`,
    },
  ];
}
