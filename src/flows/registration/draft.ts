// The wizard's draft between its steps (so "back" keeps every value, the password included), in the shared store
// for 30 minutes. The browser holds a random secret (in a signed cookie); the store holds, under a digest of it,
// the draft encrypted with a key derived from it: neither side alone can read the password or the national ID.
import crypto from 'node:crypto';
import { z } from 'zod';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import { interactionUid, SisPush, Step1Values } from './form.ts';

export const DRAFT_TTL_SECONDS = 30 * 60;

export const Draft = z.object({
  values: Step1Values,
  /** Kept once it passed the policy and its confirmation. */
  password: z.string().optional(),
  /** Step 1 passed as a whole (captcha included): step 2 may be shown and submitted. */
  ready: z.boolean(),
  /** Submitted: the account exists; a second submission (a double click) goes to the last page too. */
  submitted: z.boolean().optional(),
  /** The sign-in this registration started from, to return to. */
  interaction: interactionUid.optional(),
  /** Pushed by the school-affairs system (src/sis): school, kind, name and national ID are fixed, the identity verified. */
  sis: SisPush.optional(),
});
export type Draft = z.infer<typeof Draft>;

const SECRET = /^[A-Za-z0-9_-]{43}$/;
const storeKey = (secret: string) => `registration:draft:${crypto.createHash('sha256').update(secret).digest('base64url')}`;
const cipherKey = (secret: string) =>
  Buffer.from(crypto.hkdfSync('sha256', Buffer.from(secret, 'base64url'), Buffer.alloc(0), 'campus-sso/registration-draft', 32));

function seal(secret: string, draft: Draft): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', cipherKey(secret), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(draft), 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url')).join('.');
}

function open(secret: string, sealed: string): Draft | undefined {
  try {
    const [iv, tag, data] = sealed.split('.');
    const decipher = crypto.createDecipheriv('aes-256-gcm', cipherKey(secret), Buffer.from(iv ?? '', 'base64url'));
    decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
    const json = Buffer.concat([decipher.update(Buffer.from(data ?? '', 'base64url')), decipher.final()]).toString('utf8');
    const parsed = Draft.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const isDraftSecret = (value: unknown): value is string => typeof value === 'string' && SECRET.test(value);

/** Saves the draft (for another 30 minutes) under the given secret, or a new one; returns the secret. */
export async function saveDraft(store: SharedStore, secret: string | undefined, draft: Draft): Promise<string> {
  const s = isDraftSecret(secret) ? secret : crypto.randomBytes(32).toString('base64url');
  await store.put(storeKey(s), seal(s, draft), DRAFT_TTL_SECONDS);
  return s;
}

export async function loadDraft(store: SharedStore, secret: unknown): Promise<Draft | undefined> {
  if (!isDraftSecret(secret)) return undefined;
  const sealed = await store.peek(storeKey(secret));
  return sealed ? open(secret, sealed) : undefined;
}
