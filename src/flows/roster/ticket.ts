// The one-use ticket a verified credential earns: random, in a signed http-only cookie; the shared store keeps,
// under its digest, which credential it stands for (30 minutes). Using it takes it out of the store.
import crypto from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import type { SharedStore } from '../../platform/shared-store/types.ts';

export const TICKET_TTL_SECONDS = 30 * 60;
const COOKIE = 'roster_ticket';
const PATTERN = /^[A-Za-z0-9_-]{43}$/;
const key = (ticket: string) => `roster:ticket:${crypto.createHash('sha256').update(ticket).digest('base64url')}`;
const Stored = z.object({ credentialId: z.uuid() });
const options = (ctx: Context) => ({ signed: true, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: '/', overwrite: true });

export async function issueTicket(ctx: Context, store: SharedStore, credentialId: string): Promise<void> {
  const ticket = crypto.randomBytes(32).toString('base64url');
  await store.put(key(ticket), JSON.stringify({ credentialId }), TICKET_TTL_SECONDS);
  ctx.cookies.set(COOKIE, ticket, { ...options(ctx), maxAge: TICKET_TTL_SECONDS * 1000 });
}

function parse(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const parsed = Stored.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data.credentialId : undefined;
  } catch {
    return undefined;
  }
}

const cookieTicket = (ctx: Context) => {
  const t = ctx.cookies.get(COOKIE, { signed: true });
  return t && PATTERN.test(t) ? t : undefined;
};

/** The credential the browser's ticket stands for, leaving the ticket in place. */
export async function peekTicket(ctx: Context, store: SharedStore): Promise<string | undefined> {
  const t = cookieTicket(ctx);
  return t ? parse(await store.peek(key(t))) : undefined;
}

/** The credential, with the ticket used up (whatever happens next, it cannot be used again). */
export async function takeTicket(ctx: Context, store: SharedStore): Promise<string | undefined> {
  const t = cookieTicket(ctx);
  ctx.cookies.set(COOKIE, null, options(ctx));
  return t ? parse(await store.take(key(t))) : undefined;
}
