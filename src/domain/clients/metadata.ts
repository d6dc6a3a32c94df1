// Client metadata as stored, and the operator's edits of it (`campus-sso client add|update`): what may be given is
// checked here (absolute redirect URIs, known grant types and roles), and the result must hold together (a client
// with the authorization code grant keeps a redirect URI). Plain data in, plain data out.
import { isDeepStrictEqual } from 'node:util';
import { asJsonObject } from '../../platform/stored-json.ts';
import { type UriRules, uriProblem } from '../developers/details.ts';
import { ROLES } from '../identities/identities.ts';

/** Client metadata as stored: oidc-provider's registration metadata plus ours (`first_party`, `permissions`, …). */
export type ClientMetadata = Record<string, unknown> & { client_id?: string };

/** Stored metadata is parsed, never trusted: anything that is not an object is missing. */
export const asMetadata = (value: unknown) => asJsonObject(value) as ClientMetadata | undefined;

/** Set by the bureau (the CLI), never by the client: kept when configuration or a registration update omits them. */
export const BUREAU_METADATA = ['first_party', 'may_request_idno', 'permissions', 'school_codes'] as const;

/** Ours, never shown to oidc-provider: a disabled client is reported missing (ClientRegistry.find). */
export const DISABLED = 'disabled';

/**
 * The sector a pairwise client's ids are made for (OpenID Connect Core §8.1), pinned when it is first stored as
 * pairwise: the host of its sector_identifier_uri, else of its first redirect URI (else of its jwks_uri), as
 * oidc-provider works it out. oidc-provider works it out again from the current redirect URIs each time it loads a
 * client, so an app that moved to another host (or port) gave every person a new `sub` (Core §2: never reassigned);
 * the pinned sector stays, whatever the app changes later. Never set by the client (registration refuses it).
 */
export const PAIRWISE_SECTOR = 'pairwise_sector';

function sectorOf(m: ClientMetadata): string | undefined {
  const host = (uri: unknown) => {
    try {
      return typeof uri === 'string' ? new URL(uri).host : undefined;
    } catch {
      return undefined;
    }
  };
  if (m.sector_identifier_uri !== undefined) return host(m.sector_identifier_uri);
  const responseTypes = Array.isArray(m.response_types) ? m.response_types : ['code'];
  if (responseTypes.length && Array.isArray(m.redirect_uris)) return host(m.redirect_uris[0]);
  return host(m.jwks_uri);
}

/** `next` as it is to be stored: with the sector pinned before (a client's own value dropped), or pinned now. */
export function withPinnedSector(current: ClientMetadata | undefined, next: ClientMetadata): ClientMetadata {
  const out: ClientMetadata = { ...next };
  delete out[PAIRWISE_SECTOR];
  const pinned = current?.[PAIRWISE_SECTOR];
  const sector = typeof pinned === 'string' ? pinned : out.subject_type === 'pairwise' ? sectorOf(out) : undefined;
  if (sector) out[PAIRWISE_SECTOR] = sector;
  return out;
}

/**
 * Why a change a pairwise client makes to itself (RFC 7592, no one reviews it) may not be stored: its sector stays
 * pinned, so its redirect URIs (or a sector_identifier_uri, which oidc-provider fetches and checks lists them) must stay
 * on the pinned host — else an app could register with another app's host and then move to its own, keeping that
 * app's `sub`s — and it stays pairwise (public `sub`s are the same for every app). The bureau and the developer portal,
 * whose changes are reviewed, may move an app and keep its sector.
 */
export function selfChangeRefusal(current: ClientMetadata, next: ClientMetadata): SelfChangeRefused | undefined {
  const pinned = current[PAIRWISE_SECTOR];
  if (typeof pinned !== 'string') return undefined;
  if (next.subject_type !== 'pairwise')
    return new SelfChangeRefused('subjectType', 'subject_type stays pairwise: the ids people already have stay theirs');
  if (sectorOf(next) !== pinned)
    return new SelfChangeRefused(
      'sectorMoved',
      `redirect_uris must stay on ${pinned} (the host this app's pairwise ids are made for), or name a sector_identifier_uri there that lists them`,
    );
  return undefined;
}

export const CLIENT_ID = /^[A-Za-z0-9._-]{3,64}$/;
/** The grant types this provider has enabled for clients. */
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export const DEFAULT_GRANT_TYPES = ['authorization_code', 'refresh_token'];

/** Why the bureau's console refuses a permission, for words in its own language (the message is the CLI's). */
export type ClientRefusal = {
  code: 'publicClient' | 'noSchool' | 'unknownSchool' | 'notRosterSchool';
  school?: string;
};

/** A refusal an operator can act on; its message is one line. */
export class ClientError extends Error {
  readonly refusal?: ClientRefusal;

  constructor(message: string, refusal?: ClientRefusal) {
    super(message);
    this.refusal = refusal;
  }
}

/** A change a client made to itself at /reg that is not stored (selfChangeRefusal); its message is for the client. */
export class SelfChangeRefused extends ClientError {
  readonly kind: 'sectorMoved' | 'subjectType';

  constructor(kind: 'sectorMoved' | 'subjectType', message: string) {
    super(message);
    this.kind = kind;
  }
}

export type NewClient = {
  clientId: string;
  name?: string;
  secret?: string;
  public?: boolean;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes?: string[];
  firstParty?: boolean;
  allowedRoles?: string[];
};

/** What `client update` changes; anything left out stays as it is. */
export type ClientChange = {
  secret?: string;
  name?: string;
  addRedirectUris?: string[];
  removeRedirectUris?: string[];
  addPostLogoutRedirectUris?: string[];
  removePostLogoutRedirectUris?: string[];
  firstParty?: boolean;
  mayRequestIdno?: boolean;
  grantTypes?: string[];
  allowedRoles?: string[];
};

const unique = (values: string[]) => [...new Set(values)];
/** The strings of a stored list (anything else: none). */
export const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

function checkUri(kind: string, uri: string): string {
  if (!URL.canParse(uri) || uri.includes('#')) throw new ClientError(`${kind} must be an absolute URL: ${uri}`);
  return uri;
}

function checkGrantTypes(values: string[]): string[] {
  for (const g of values)
    if (!(GRANT_TYPES as readonly string[]).includes(g))
      throw new ClientError(`grant type must be one of ${GRANT_TYPES.join(', ')}: ${g}`);
  return unique(values);
}

function checkRoles(values: string[]): string[] {
  for (const r of values)
    if (!(ROLES as readonly string[]).includes(r))
      throw new ClientError(`allowed role must be one of ${ROLES.join(', ')}: ${r}`);
  return unique(values);
}

/**
 * The shortest secret an operator may set: as hard to guess as the 32 random bytes the provider itself gives a client
 * (newClientSecret: 43 characters), were it random too.
 */
export const MIN_CLIENT_SECRET = 32;

function checkSecret(secret: string): string {
  if (!secret || /\s/.test(secret)) throw new ClientError('the secret must be non-empty, without spaces');
  if ([...secret].length < MIN_CLIENT_SECRET)
    throw new ClientError(
      `the secret must have at least ${MIN_CLIENT_SECRET} characters (a random one: openssl rand -base64 32)`,
    );
  return secret;
}

const URI_REFUSALS: Record<string, string> = {
  notUrl: 'must be an absolute URL',
  wildcard: 'must not hold a wildcard (*)',
  fragment: 'must have no fragment (#…)',
  credentials: 'must not hold a user name or password',
  notHttps: 'must be an https URL (plain http only to this machine: localhost, 127.0.0.1 or [::1], not in production)',
};

/**
 * Why an operator's redirect or post-logout redirect URI is refused (`kind` names it), or undefined: the developer
 * portal's rules (uriProblem), so a client the bureau adds meets the same bar as one a developer applies for — https;
 * plain http only to this machine and only outside production; no wildcard, fragment or credentials; no custom scheme.
 */
export function redirectUriRefusal(kind: string, uri: string, rules: UriRules): string | undefined {
  const problem = uriProblem(uri, rules);
  return problem && `${kind} ${URI_REFUSALS[problem] ?? 'is not allowed'}: ${uri}`;
}

/**
 * The values a change gives, checked on their own, before the client is read (the command line's check of its
 * options); what must hold together with the client's own metadata is checked by applyChange.
 */
export function checkChangeValues(change: ClientChange): void {
  if (change.secret !== undefined) checkSecret(change.secret);
  if (change.name !== undefined && !change.name.trim()) throw new ClientError('the name must not be empty');
  for (const uri of change.addRedirectUris ?? []) checkUri('a redirect URI', uri);
  for (const uri of change.addPostLogoutRedirectUris ?? []) checkUri('a post-logout redirect URI', uri);
  if (change.grantTypes?.length) checkGrantTypes(change.grantTypes);
  if (change.allowedRoles?.length) checkRoles(change.allowedRoles);
}

/** oidc-provider's default when none are stored (configuration.ts, clientDefaults). */
export const grantTypesOf = (m: ClientMetadata) =>
  Array.isArray(m.grant_types) ? stringList(m.grant_types) : ['authorization_code'];

const responseTypesFor = (grantTypes: string[]) => (grantTypes.includes('authorization_code') ? ['code'] : []);

export const isPublic = (m: ClientMetadata) => m.token_endpoint_auth_method === 'none';

/** What must hold after any edit. */
function checkWhole(m: ClientMetadata): ClientMetadata {
  const grants = grantTypesOf(m);
  if (grants.includes('authorization_code') && stringList(m.redirect_uris).length === 0)
    throw new ClientError(`${m.client_id}: a client with the authorization_code grant needs a redirect URI`);
  if (isPublic(m) && grants.includes('client_credentials'))
    throw new ClientError(`${m.client_id}: a public client cannot use the client_credentials grant`);
  return m;
}

export function newClientMetadata(input: NewClient): ClientMetadata {
  if (!CLIENT_ID.test(input.clientId)) throw new ClientError('a client id has 3 to 64 letters, digits, . _ or -');
  const grantTypes = checkGrantTypes(input.grantTypes?.length ? input.grantTypes : DEFAULT_GRANT_TYPES);
  const m: ClientMetadata = {
    client_id: input.clientId,
    client_name: input.name?.trim() || input.clientId,
    redirect_uris: unique((input.redirectUris ?? []).map((u) => checkUri('a redirect URI', u))),
    post_logout_redirect_uris: unique(
      (input.postLogoutRedirectUris ?? []).map((u) => checkUri('a post-logout redirect URI', u)),
    ),
    grant_types: grantTypes,
    response_types: responseTypesFor(grantTypes),
    first_party: !!input.firstParty,
  };
  if (input.allowedRoles?.length) m.allowed_roles = checkRoles(input.allowedRoles);
  if (input.public) {
    if (input.secret !== undefined) throw new ClientError('a public client has no secret');
    m.token_endpoint_auth_method = 'none';
  } else {
    if (input.secret === undefined) throw new ClientError('a secret is required (or make the client public)');
    m.client_secret = checkSecret(input.secret);
  }
  return checkWhole(m);
}

function editList(
  current: unknown,
  kind: string,
  add: string[] | undefined,
  remove: string[] | undefined,
  clientId: string,
): string[] {
  let list = stringList(current);
  for (const uri of remove ?? []) {
    if (!list.includes(uri)) throw new ClientError(`${clientId} has no ${kind} ${uri}`);
    list = list.filter((u) => u !== uri);
  }
  for (const uri of add ?? []) if (!list.includes(checkUri(`a ${kind}`, uri))) list.push(uri);
  return list;
}

/** The metadata after `change` (a copy); throws ClientError when the change is not allowed. */
export function applyChange(current: ClientMetadata, change: ClientChange): ClientMetadata {
  const m = structuredClone(current);
  const id = String(m.client_id);
  if (change.secret !== undefined) {
    if (isPublic(m)) throw new ClientError(`${id} is a public client: it has no secret`);
    m.client_secret = checkSecret(change.secret);
  }
  if (change.name !== undefined) {
    if (!change.name.trim()) throw new ClientError('the name must not be empty');
    m.client_name = change.name.trim();
  }
  if (change.addRedirectUris?.length || change.removeRedirectUris?.length)
    m.redirect_uris = editList(m.redirect_uris, 'redirect URI', change.addRedirectUris, change.removeRedirectUris, id);
  if (change.addPostLogoutRedirectUris?.length || change.removePostLogoutRedirectUris?.length)
    m.post_logout_redirect_uris = editList(
      m.post_logout_redirect_uris,
      'post-logout redirect URI',
      change.addPostLogoutRedirectUris,
      change.removePostLogoutRedirectUris,
      id,
    );
  if (change.firstParty !== undefined) m.first_party = change.firstParty;
  if (change.mayRequestIdno !== undefined) {
    m.may_request_idno = change.mayRequestIdno;
    // Without the approval the client cannot keep the scope (oidc/configuration.ts refuses such a client).
    if (!change.mayRequestIdno && typeof m.scope === 'string')
      m.scope = m.scope
        .split(' ')
        .filter((s) => s !== 'idno')
        .join(' ');
  }
  if (change.grantTypes?.length) {
    m.grant_types = checkGrantTypes(change.grantTypes);
    m.response_types = responseTypesFor(m.grant_types as string[]);
  }
  if (change.allowedRoles?.length) m.allowed_roles = checkRoles(change.allowedRoles);
  return checkWhole(m);
}

/** Names of the fields that differ (values never: one of them may be the secret). */
export function changedFields(before: ClientMetadata | undefined, after: ClientMetadata): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  return [...keys].filter((k) => !isDeepStrictEqual(before?.[k], after[k])).sort();
}

/** The metadata to show an operator: the secret only as "(set)". */
export function withoutSecret(m: ClientMetadata): ClientMetadata {
  const shown: ClientMetadata = { ...m };
  if (shown.client_secret !== undefined) shown.client_secret = '(set)';
  return shown;
}
