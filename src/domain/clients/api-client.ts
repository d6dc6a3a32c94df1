// The one authentication of API clients (the school-affairs push, roster uploads): HTTP Basic with the client id and
// secret, form-encoded inside as RFC 6749 §2.3.1 and oidc-provider's token endpoint read them (`+` is a space),
// compared in constant time; then a permission the bureau granted (client metadata `permissions`) and, for calls about
// one school, that the client lists the school (metadata `school_codes`; none listed: no school). A disabled client
// is not found (ClientRegistry.find), so it fails like an unknown one.
import { z } from 'zod';
import { type Permission, schoolAllowed } from './permissions.ts';
import type { ClientRegistry } from './registry.ts';
import { secretMatches } from './secrets.ts';

export { PERMISSIONS, type Permission } from './permissions.ts';

export type ApiClient = { clientId: string; name: string; redirectUris: string[]; schoolCodes?: string[] };

export type ApiClientCheck =
  | { ok: true; client: ApiClient }
  | { ok: false; status: 401 | 403; error: 'invalid_client' | 'insufficient_permission' | 'school_not_allowed' };

const Metadata = z.looseObject({
  client_secret: z.string().optional(),
  client_name: z.string().optional().catch(undefined),
  redirect_uris: z.array(z.string()).optional().catch(undefined),
  permissions: z.array(z.string()).optional().catch(undefined),
  school_codes: z.array(z.string()).optional().catch(undefined),
});

const formDecode = (s: string) => {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
};

/** client_id and client_secret from `Authorization: Basic …`. */
export function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 1) return undefined;
  const id = formDecode(text.slice(0, colon));
  const secret = formDecode(text.slice(colon + 1));
  return id && secret ? { id, secret } : undefined;
}

export async function authenticateApiClient(
  registry: ClientRegistry,
  authorization: string | undefined,
  need: { permission: Permission; schoolCode?: string },
): Promise<ApiClientCheck> {
  const given = basicCredentials(authorization);
  const stored =
    given && /^[A-Za-z0-9._-]{1,64}$/.test(given.id) ? Metadata.safeParse(await registry.find(given.id)) : undefined;
  const metadata = stored?.success ? stored.data : undefined;
  if (!given || !metadata?.client_secret || !secretMatches(metadata, given.secret)) {
    return { ok: false, status: 401, error: 'invalid_client' };
  }
  if (!metadata.permissions?.includes(need.permission))
    return { ok: false, status: 403, error: 'insufficient_permission' };
  if (need.schoolCode !== undefined && !schoolAllowed(metadata.school_codes, need.schoolCode)) {
    return { ok: false, status: 403, error: 'school_not_allowed' };
  }
  return {
    ok: true,
    client: {
      clientId: given.id,
      name: metadata.client_name ?? given.id,
      redirectUris: metadata.redirect_uris ?? [],
      schoolCodes: metadata.school_codes,
    },
  };
}
