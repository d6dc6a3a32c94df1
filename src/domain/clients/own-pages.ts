// Our own page groups are first-party, public relying parties of our own provider (code flow with PKCE, callback at
// `<path>/callback`): the account portal, the school back office and the bureau console (both ask for a second factor
// with acr_values and check the ID token says it got one), the developer portal, and the administrators' review of
// parent-child bindings (a second factor too).
import type { Locale } from '../../platform/i18n/index.ts';
import type { ConfiguredClient } from './registry.ts';

export const ACCOUNT_CLIENT_ID = 'account-portal';
export const SCHOOL_OFFICE_CLIENT_ID = 'school-office';
export const BUREAU_CONSOLE_CLIENT_ID = 'bureau-console';
export const DEVELOPER_PORTAL_CLIENT_ID = 'developer-portal';
/** The administrators' review of parent-child bindings (a school's, the bureau's): with a second factor, as /school. */
export const BINDING_REVIEW_CLIENT_ID = 'binding-review';

/** Their names in each language: `client_name` holds the Chinese one, the pages show the page's (ownPagesName). */
const OWN_PAGES = [
  { id: ACCOUNT_CLIENT_ID, names: { 'zh-TW': '帳號管理', en: 'My account' }, path: '/account' },
  { id: SCHOOL_OFFICE_CLIENT_ID, names: { 'zh-TW': '學校後台管理', en: 'School back office' }, path: '/school' },
  { id: BUREAU_CONSOLE_CLIENT_ID, names: { 'zh-TW': '教育局管理', en: 'Bureau console' }, path: '/admin' },
  { id: DEVELOPER_PORTAL_CLIENT_ID, names: { 'zh-TW': '開發者專區', en: 'Developer portal' }, path: '/developers' },
  {
    id: BINDING_REVIEW_CLIENT_ID,
    names: { 'zh-TW': '親子綁定審核', en: 'Parent-child binding reviews' },
    path: '/binding/review',
  },
] as const satisfies { id: string; names: Record<Locale, string>; path: string }[];

/** One of our own page groups' name in the page's language; undefined for any other client (its own name stands). */
export const ownPagesName = (clientId: string, locale: Locale): string | undefined =>
  OWN_PAGES.find((pages) => pages.id === clientId)?.names[locale];

export function ownPagesClients(issuer: string): ConfiguredClient[] {
  return OWN_PAGES.map((pages) => ({
    client_id: pages.id,
    client_name: pages.names['zh-TW'],
    organization: 'campus-sso',
    first_party: true,
    token_endpoint_auth_method: 'none',
    redirect_uris: [`${issuer}${pages.path}/callback`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    scope: 'openid',
    // The ID token says when the person signed in (auth_time): the account pages ask again when it is not recent,
    // administrators' pages when it is older than their own session.
    require_auth_time: true,
  }));
}
