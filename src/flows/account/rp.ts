// The portal's view of our own provider as an OpenID Connect relying party (openid-client, discovery cached).
import * as oidc from 'openid-client';
import { ACCOUNT_CLIENT_ID } from '../../domain/clients/account-portal.ts';

export type PortalRp = { configuration(): Promise<oidc.Configuration>; redirectUri: string };

export function portalRp(issuer: string): PortalRp {
  let config: Promise<oidc.Configuration> | undefined;
  return {
    redirectUri: `${issuer}/account/callback`,
    configuration() {
      config ??= oidc
        .discovery(new URL(issuer), ACCOUNT_CLIENT_ID, undefined, oidc.None(), {
          execute: issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
        })
        .catch((err) => {
          config = undefined;
          throw err;
        });
      return config;
    },
  };
}
