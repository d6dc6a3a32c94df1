// The hand-off between the SIS push and the browser, in the shared store, sealed (it carries a national ID).
// The handle is used once: its first use binds the hand-off to that browser (a random secret in a cookie) and
// leaves a marker, so a second use — in any browser — is told apart from an expired handle.
import crypto from 'node:crypto';
import type { Keyring } from '../../platform/keyring.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import { z } from 'zod';
import { Handoff } from './payload.ts';

export const HANDLE_TTL_SECONDS = 600;
export const FLOW_TTL_SECONDS = 30 * 60;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const digest = (s: string) => crypto.createHash('sha256').update(s).digest('base64url');
export const handleKey = (handle: string) => `sis:handle:${digest(handle)}`;
const usedKey = (handleDigest: string) => `sis:used:${handleDigest}`;
const flowKey = (secret: string) => `sis:flow:${digest(secret)}`;

/** A flow bound to one browser; `consented` once the person agreed. */
const FlowSchema = Handoff.extend({ handle: z.string(), consented: z.boolean().optional() });
export type Flow = z.infer<typeof FlowSchema>;

function seal(keyring: Keyring, value: unknown): string {
  return keyring.seal('sis-handoff', JSON.stringify(value));
}

function open(keyring: Keyring, sealed: string | undefined): unknown {
  if (!sealed) return undefined;
  try {
    return JSON.parse(keyring.open('sis-handoff', sealed));
  } catch {
    return undefined;
  }
}

const randomToken = () => crypto.randomBytes(32).toString('base64url');
export const isToken = (v: unknown): v is string => typeof v === 'string' && TOKEN.test(v);

export async function issueHandle(store: SharedStore, keyring: Keyring, handoff: Handoff): Promise<string> {
  const handle = randomToken();
  await store.put(handleKey(handle), seal(keyring, handoff), HANDLE_TTL_SECONDS);
  return handle;
}

/** `otherBrowser`: the handle is bound to a browser whose flow is still open; `used`: that flow ended. */
export type BindResult = { state: 'bound'; secret: string; flow: Flow } | { state: 'used' | 'otherBrowser' | 'expired' };

/** Uses the handle up and binds its hand-off to a new browser secret. */
export async function bindHandle(store: SharedStore, keyring: Keyring, handle: string): Promise<BindResult> {
  if (!isToken(handle)) return { state: 'expired' };
  const parsed = Handoff.safeParse(open(keyring, await store.take(handleKey(handle))));
  if (!parsed.success) {
    const marker = await store.peek(usedKey(digest(handle)));
    return { state: marker === 'bound' ? 'otherBrowser' : marker === 'done' ? 'used' : 'expired' };
  }
  await store.put(usedKey(digest(handle)), 'bound', FLOW_TTL_SECONDS);
  const secret = randomToken();
  const flow: Flow = { ...parsed.data, handle: digest(handle) };
  await store.put(flowKey(secret), seal(keyring, flow), FLOW_TTL_SECONDS);
  return { state: 'bound', secret, flow };
}

export const sameHandle = (flow: Flow, handle: string) => flow.handle === digest(handle);

export async function loadFlow(store: SharedStore, keyring: Keyring, secret: unknown): Promise<Flow | undefined> {
  if (!isToken(secret)) return undefined;
  const parsed = FlowSchema.safeParse(open(keyring, await store.peek(flowKey(secret))));
  return parsed.success ? parsed.data : undefined;
}

export async function saveFlow(store: SharedStore, keyring: Keyring, secret: string, flow: Flow): Promise<void> {
  await store.put(flowKey(secret), seal(keyring, flow), FLOW_TTL_SECONDS);
}

/** Ends the flow: the person decided, and the hand-off is spent. */
export async function endFlow(store: SharedStore, secret: string, flow: Flow): Promise<void> {
  await store.put(usedKey(flow.handle), 'done', FLOW_TTL_SECONDS);
  await store.take(flowKey(secret));
}
