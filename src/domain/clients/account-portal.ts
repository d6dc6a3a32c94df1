// The account pages are a first-party, public relying party of our own provider (code flow with PKCE).
import type { ConfiguredClient } from './registry.ts';

export const ACCOUNT_CLIENT_ID = 'account-portal';

export function accountPortalClient(issuer: string): ConfiguredClient {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: '帳號管理 My account',
    organization: 'campus-sso',
    first_party: true,
    token_endpoint_auth_method: 'none',
    redirect_uris: [`${issuer}/account/callback`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    scope: 'openid',
  };
}
