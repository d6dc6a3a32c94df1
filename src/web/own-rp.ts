// Our own pages that sign people in through our own provider (the account portal, the demo) are relying parties of
// it like any other: openid-client with PKCE, discovery read once and kept.
import * as oidc from 'openid-client';

export type OwnRp = { configuration(): Promise<oidc.Configuration>; redirectUri: string };

export function ownRelyingParty(issuer: string, clientId: string, callbackPath: string): OwnRp {
  let config: Promise<oidc.Configuration> | undefined;
  return {
    redirectUri: `${issuer}${callbackPath}`,
    configuration() {
      config ??= oidc
        .discovery(new URL(issuer), clientId, undefined, oidc.None(), {
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
