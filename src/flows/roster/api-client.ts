// Client authentication for the roster API: HTTP Basic client_id:client_secret against the client's stored
// secret, then the trusted `roster` permission and, when the client is bound to schools, that school.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';

export type ClientCheck = { ok: true; clientId: string } | { ok: false; status: 401 | 403; error: string };

const Metadata = z.object({
  client_secret: z.string().optional(),
  permissions: z.array(z.string()).optional().catch(undefined),
  school_codes: z.array(z.string()).optional().catch(undefined),
}).passthrough();

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/** client_id and client_secret from `Authorization: Basic …` (form-urlencoded inside, RFC 6749 §2.3.1). */
export function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 1) return undefined;
  const id = decode(text.slice(0, colon).replaceAll('+', ' '));
  const secret = decode(text.slice(colon + 1).replaceAll('+', ' '));
  return id && secret ? { id, secret } : undefined;
}

const same = (a: string, b: string) => {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
};

export async function checkRosterClient(db: Knex, header: string | undefined, schoolCode: string): Promise<ClientCheck> {
  const given = basicCredentials(header);
  if (!given) return { ok: false, status: 401, error: 'invalid_client' };
  const row = await db('oidc_clients').where({ client_id: given.id }).first('metadata');
  const parsed = row ? Metadata.safeParse(typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata) : undefined;
  const metadata = parsed?.success ? parsed.data : undefined;
  const secret = metadata?.client_secret;
  if (!metadata || !secret || !same(secret, given.secret)) return { ok: false, status: 401, error: 'invalid_client' };
  if (!metadata.permissions?.includes('roster')) return { ok: false, status: 403, error: 'insufficient_permission' };
  if (metadata.school_codes && !metadata.school_codes.includes(schoolCode)) return { ok: false, status: 403, error: 'school_not_allowed' };
  return { ok: true, clientId: given.id };
}
