// What a developer asks for in an app application, checked as strictly as dynamic registration: absolute https URIs
// (plain http only to this machine, and only outside production), no wildcards, no fragments, no credentials in them;
// the scopes this provider has, with a reason for the sensitive ones; the roles the app serves. Then the client
// metadata an approved application becomes.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { ROLES } from '../identities/identities.ts';

export const KINDS = ['web', 'spa', 'm2m'] as const;
export type Kind = (typeof KINDS)[number];

/** The scopes an app may ask for (openid always); the sensitive ones need a reason the bureau reads. */
export const SCOPES = ['profile', 'email', 'phone', 'identity', 'identities', 'children', 'idno', 'offline_access'];
export const REASONED_SCOPES = ['idno', 'children', 'identities'] as const;
/** Roles an app may serve (administrators' roles are the bureau's own pages'). */
export const SERVED_ROLES = ROLES.filter((r) => r !== 'school_admin' && r !== 'bureau_admin');

/** Changes to these fields of an approved app go back to review; the rest apply at once. */
export const REVIEWED_FIELDS = [
  'kind',
  'redirect_uris',
  'post_logout_redirect_uris',
  'backchannel_logout_uri',
  'scopes',
  'scope_reasons',
  'allowed_roles',
] as const;

/** Which URIs are accepted: `development` lets http://localhost and http://127.0.0.1 through (never in production). */
export type UriRules = { development: boolean };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why a URI is refused (a message key), or undefined when it is fine. */
export function uriProblem(value: string, rules: UriRules): string | undefined {
  if (!URL.canParse(value)) return 'notUrl';
  const url = new URL(value);
  if (value.includes('*')) return 'wildcard';
  if (value.includes('#')) return 'fragment';
  if (url.username || url.password) return 'credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && rules.development && LOOPBACK.has(url.hostname)) return undefined;
  return 'notHttps';
}

const text = (max: number) => z.string().trim().min(1, 'required').max(max, 'tooLong');
const optionalText = (max: number) => z.string().trim().max(max, 'tooLong').default('');

export function detailsSchema(rules: UriRules) {
  const uri = z
    .string()
    .trim()
    .max(500, 'tooLong')
    .superRefine((v, ctx) => {
      const problem = uriProblem(v, rules);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
  // Every line is checked (each bad one named, all at once); a line given twice is refused, never dropped silently.
  const uris = z
    .array(uri)
    .max(10, 'tooMany')
    .superRefine((list, ctx) => {
      list.forEach((value, i) => {
        if (list.indexOf(value) < i) ctx.addIssue({ code: 'custom', path: [i], message: 'duplicate' });
      });
    });
  return z
    .object({
      app_name: text(80),
      purpose: text(1000),
      contact_name: text(60),
      contact_email: z.string().trim().max(200, 'tooLong').pipe(z.email('email')),
      contact_phone: optionalText(30),
      homepage_url: uri,
      privacy_url: uri,
      logo_url: z.union([z.literal(''), uri]).default(''),
      kind: z.enum(KINDS, 'required'),
      redirect_uris: uris.default([]),
      post_logout_redirect_uris: uris.default([]),
      backchannel_logout_uri: z.union([z.literal(''), uri]).default(''),
      scopes: z.array(z.enum(SCOPES as [string, ...string[]], 'unknownScope')).default([]),
      scope_reasons: z
        .object({ idno: optionalText(500), children: optionalText(500), identities: optionalText(500) })
        .default({ idno: '', children: '', identities: '' }),
      allowed_roles: z.array(z.enum(SERVED_ROLES as [string, ...string[]], 'unknownRole')).default([]),
    })
    .superRefine((d, ctx) => {
      if (d.kind !== 'm2m' && !d.redirect_uris.length)
        ctx.addIssue({ code: 'custom', path: ['redirect_uris'], message: 'redirectNeeded' });
      if (d.kind === 'm2m' && d.redirect_uris.length)
        ctx.addIssue({ code: 'custom', path: ['redirect_uris'], message: 'noRedirectForM2m' });
      // Third-party apps get pairwise ids, computed per host: their redirect URIs stay on one host.
      const hosts = new Set(d.redirect_uris.filter((u) => URL.canParse(u)).map((u) => new URL(u).host));
      if (hosts.size > 1) ctx.addIssue({ code: 'custom', path: ['redirect_uris'], message: 'oneHost' });
    })
    .superRefine(
      (d, ctx) => {
        // A scope asked for without its reason is said with the form's other mistakes, whatever they are (a kind
        // not chosen stopped the check above, and with it this one): it needs only the scopes and their reasons.
        for (const scope of REASONED_SCOPES)
          if (d.scopes.includes(scope) && !d.scope_reasons[scope])
            ctx.addIssue({ code: 'custom', path: ['scope_reasons', scope], message: 'reasonNeeded' });
      },
      {
        when: (payload) =>
          typeof payload.value === 'object' &&
          payload.value !== null &&
          !payload.issues.some((i) => !i.path?.length || i.path[0] === 'scopes' || i.path[0] === 'scope_reasons'),
      },
    )
    .transform((d) => ({
      ...d,
      redirect_uris: [...new Set(d.redirect_uris)],
      post_logout_redirect_uris: [...new Set(d.post_logout_redirect_uris)],
      scopes: SCOPES.filter((s) => d.scopes.includes(s)),
      allowed_roles: SERVED_ROLES.filter((r) => d.allowed_roles.includes(r)),
      // A reason is kept only for a scope asked for.
      scope_reasons: Object.fromEntries(
        REASONED_SCOPES.map((s) => [s, d.scopes.includes(s) ? d.scope_reasons[s] : '']),
      ) as Record<(typeof REASONED_SCOPES)[number], string>,
    }));
}

export type ApplicationDetails = z.output<ReturnType<typeof detailsSchema>>;

/** Stored details are parsed back, never trusted (with the loosest URI rules: they were checked when written). */
export const storedDetails = (value: unknown): ApplicationDetails | undefined => {
  const parsed = detailsSchema({ development: true }).safeParse(typeof value === 'string' ? JSON.parse(value) : value);
  return parsed.success ? parsed.data : undefined;
};

/** The fields that differ between two versions of an application (for the bureau's diff and for review). */
export function changedDetails(before: ApplicationDetails | undefined, after: ApplicationDetails): string[] {
  return (Object.keys(after) as (keyof ApplicationDetails)[]).filter((k) => !isDeepStrictEqual(before?.[k], after[k]));
}

export const needsReview = (before: ApplicationDetails, after: ApplicationDetails) =>
  changedDetails(before, after).some((f) => (REVIEWED_FIELDS as readonly string[]).includes(f));

/** What the bureau decides at approval, beyond what the developer asked for. */
export type BureauSettings = { firstParty: boolean; permissions: string[]; mayRequestIdno: boolean };

/** The client metadata of an approved application (the secret and bureau-held fields are added by the caller). */
export function clientMetadataFor(clientId: string, orgName: string, d: ApplicationDetails, bureau: BureauSettings) {
  const machine = d.kind === 'm2m';
  const grants = machine
    ? ['client_credentials']
    : ['authorization_code', ...(d.scopes.includes('offline_access') ? ['refresh_token'] : [])];
  const scopes = ['openid', ...d.scopes.filter((s) => s !== 'idno' || bureau.mayRequestIdno)];
  const metadata: Record<string, unknown> = {
    client_id: clientId,
    client_name: d.app_name,
    organization: orgName,
    client_uri: d.homepage_url,
    policy_uri: d.privacy_url,
    ...(d.logo_url ? { logo_uri: d.logo_url } : {}),
    contacts: [d.contact_email],
    redirect_uris: d.redirect_uris,
    post_logout_redirect_uris: d.post_logout_redirect_uris,
    ...(d.backchannel_logout_uri ? { backchannel_logout_uri: d.backchannel_logout_uri } : {}),
    grant_types: grants,
    response_types: machine ? [] : ['code'],
    scope: scopes.join(' '),
    first_party: bureau.firstParty,
    may_request_idno: bureau.mayRequestIdno && d.scopes.includes('idno'),
    // Third-party apps see pairwise ids; an app the bureau runs as its own sees the real ones.
    subject_type: bureau.firstParty ? 'public' : 'pairwise',
    ...(d.allowed_roles.length ? { allowed_roles: d.allowed_roles } : {}),
    ...(bureau.permissions.length ? { permissions: bureau.permissions } : {}),
  };
  if (d.kind === 'spa') {
    metadata.token_endpoint_auth_method = 'none';
    metadata.application_type = 'web';
  }
  return metadata;
}
