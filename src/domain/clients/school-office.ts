// The school back office (/school) is a first-party, public relying party of our own provider (code flow with PKCE)
// that asks for a second factor (acr_values) and checks the ID token says it got one.
import type { ConfiguredClient } from './registry.ts';

export const SCHOOL_OFFICE_CLIENT_ID = 'school-office';

export function schoolOfficeClient(issuer: string): ConfiguredClient {
  return {
    client_id: SCHOOL_OFFICE_CLIENT_ID,
    client_name: '學校後台管理 School back office',
    organization: 'campus-sso',
    first_party: true,
    token_endpoint_auth_method: 'none',
    redirect_uris: [`${issuer}/school/callback`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    scope: 'openid',
  };
}
