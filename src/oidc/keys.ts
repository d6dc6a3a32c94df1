// Signing keys (ES256, RS256) and cookie keys: created on first start, sealed in PostgreSQL, rotated with a lead time.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { recordAudit } from '../domain/audit.ts';
import { type CookieSigner, cookieSigner } from '../platform/cookie-signer.ts';
import type { Keyring } from '../platform/keyring.ts';

export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
type KeySlot = { kind: 'signing'; alg: (typeof SIGNING_ALGS)[number] } | { kind: 'cookie'; alg: null };
const SLOTS: KeySlot[] = [
  ...SIGNING_ALGS.map((alg) => ({ kind: 'signing' as const, alg })),
  { kind: 'cookie', alg: null },
];

type KeyRow = {
  kid: string;
  kind: string;
  alg: string | null;
  material: string;
  activates_at: Date;
  retires_at: Date | null;
  expires_at: Date | null;
};

export type KeySet = {
  /** Private JWKs; for each alg the first one signs, all are published. */
  jwks: crypto.JsonWebKey[];
  /** The cookie keys' signer, for Koa's cookies and oidc-provider's: the first key signs, all verify. */
  cookieSigner: CookieSigner;
  /** Changes whenever the published set or its order changes. */
  fingerprint: string;
};

function newMaterial(slot: KeySlot, kid: string): string {
  if (slot.kind === 'cookie') return crypto.randomBytes(32).toString('base64url');
  const pair =
    slot.alg === 'RS256'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return JSON.stringify({ ...pair.privateKey.export({ format: 'jwk' }), kid, alg: slot.alg, use: 'sig' });
}

async function insertKey(tx: Knex, keyring: Keyring, slot: KeySlot, activatesAt: Date): Promise<string> {
  const kid = crypto.randomBytes(12).toString('base64url');
  await tx('keys').insert({
    kid,
    kind: slot.kind,
    alg: slot.alg,
    material: keyring.seal('key-storage', newMaterial(slot, kid)),
    activates_at: activatesAt,
  });
  return kid;
}

function slotRows(rows: KeyRow[], slot: KeySlot) {
  return rows.filter((r) => r.kind === slot.kind && r.alg === slot.alg);
}

/** Serialises key changes between processes sharing the database. */
async function withKeyLock<T>(db: Knex, work: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.raw("select pg_advisory_xact_lock(hashtext('campus-sso:keys'))");
    return work(tx);
  });
}

/** Creates the first key of every kind that has none in use. */
export async function ensureKeys(db: Knex, keyring: Keyring): Promise<void> {
  await withKeyLock(db, async (tx) => {
    const rows: KeyRow[] = await tx('keys').whereNull('retires_at');
    for (const slot of SLOTS) {
      if (slotRows(rows, slot).length) continue;
      const kid = await insertKey(tx, keyring, slot, new Date());
      await recordAudit(tx, {
        actor: 'system',
        action: 'key.created',
        subject: kid,
        detail: { kind: slot.kind, alg: slot.alg },
      });
    }
  });
}

/**
 * Starts a rotation: a new key per slot, published now and used from `now + lead`; the key it replaces
 * keeps verifying until every token it signed has expired. Keys past that are deleted.
 */
export async function rotateKeys(
  db: Knex,
  keyring: Keyring,
  opts: { publishLeadSeconds: number; maxTokenLifetimeSeconds: number; actor: string },
): Promise<string[]> {
  return withKeyLock(db, async (tx) => {
    const now = Date.now();
    await tx('keys').where('expires_at', '<', new Date(now)).delete();
    const rows: KeyRow[] = await tx('keys').whereNull('retires_at');
    const created: string[] = [];
    for (const slot of SLOTS) {
      const activatesAt = new Date(now + opts.publishLeadSeconds * 1000);
      const expiresAt = new Date(activatesAt.getTime() + opts.maxTokenLifetimeSeconds * 1000);
      const current = slotRows(rows, slot).map((r) => r.kid);
      if (current.length) {
        await tx('keys').whereIn('kid', current).update({ retires_at: activatesAt, expires_at: expiresAt });
      }
      created.push(await insertKey(tx, keyring, slot, activatesAt));
    }
    const detail = { kids: created, lead: opts.publishLeadSeconds };
    await recordAudit(tx, { actor: opts.actor, action: 'keys.rotated', detail });
    return created;
  });
}

function rank(row: KeyRow, now: number): number {
  const active = row.activates_at.getTime() <= now && (!row.retires_at || row.retires_at.getTime() > now);
  if (active) return 0;
  return row.activates_at.getTime() > now ? 1 : 2;
}

/** Loads the keys in use, in signing order: active (newest first), then upcoming, then retiring. */
export async function loadKeys(db: Knex, keyring: Keyring, now = Date.now()): Promise<KeySet> {
  const rows: KeyRow[] = await db('keys')
    .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', new Date(now)))
    .orderBy('activates_at', 'desc');
  rows.sort((a, b) => rank(a, now) - rank(b, now));
  const open = (r: KeyRow) => keyring.open('key-storage', r.material);
  return {
    jwks: rows.filter((r) => r.kind === 'signing').map((r) => JSON.parse(open(r)) as crypto.JsonWebKey),
    cookieSigner: cookieSigner(rows.filter((r) => r.kind === 'cookie').map(open)),
    fingerprint: rows.map((r) => `${r.kid}:${rank(r, now)}`).join(','),
  };
}

export type KeyListing = { kid: string; kind: string; alg: string | null; activatesAt: Date; retiresAt: Date | null };

/** Every key kept, oldest first (what `campus-sso keys list` prints). */
export async function listKeys(db: Knex): Promise<KeyListing[]> {
  const rows: KeyRow[] = await db('keys').orderBy('created_at');
  return rows.map((r) => ({
    kid: r.kid,
    kind: r.kind,
    alg: r.alg,
    activatesAt: r.activates_at,
    retiresAt: r.retires_at,
  }));
}
