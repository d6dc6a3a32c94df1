// SMS reset codes: 6 digits valid 10 minutes, at most 5 wrong tries. The browser holds a random ticket naming the
// attempt; the shared store holds the code's hash under it. Unknown numbers get a ticket too (with no person and
// a code nobody receives), so the pages that follow look the same whether an account exists or not.
import crypto from 'node:crypto';
import { z } from 'zod';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import { INTERACTION_UID } from './back-link.ts';
import { parseStoredJson } from '../../platform/stored-json.ts';

export const CODE_TTL_SECONDS = 600;
export const CODE_MAX_TRIES = 5;

const Ticket = z.object({
  personId: z.uuid().nullable(),
  codeHash: z.string(),
  interaction: z.string().regex(INTERACTION_UID).optional(),
  issuedAt: z.number().int(),
});
type Ticket = z.infer<typeof Ticket>;

const TICKET = /^[A-Za-z0-9_-]{22}$/;
export const ticketKey = (ticket: string) => `pwreset:sms:${ticket}`;
const triesKey = (ticket: string) => `pwreset:sms-tries:${ticket}`;
const hashCode = (ticket: string, code: string) => crypto.createHash('sha256').update(`${ticket}:${code}`).digest();

export async function issueSmsCode(store: SharedStore, personId: string | null, interaction?: string): Promise<{ ticket: string; code: string }> {
  const ticket = crypto.randomBytes(16).toString('base64url');
  const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  const record: Ticket = { personId, codeHash: hashCode(ticket, code).toString('base64url'), interaction, issuedAt: Date.now() };
  await store.put(ticketKey(ticket), JSON.stringify(record), CODE_TTL_SECONDS);
  return { ticket, code };
}

async function readTicket(store: SharedStore, ticket: unknown): Promise<Ticket | undefined> {
  if (typeof ticket !== 'string' || !TICKET.test(ticket)) return undefined;
  const raw = await store.peek(ticketKey(ticket));
  if (!raw) return undefined;
  return parseStoredJson(Ticket, raw);
}

/** The interaction a live ticket came from (for the page's links); `live` false when it has expired or is used up. */
export async function ticketState(store: SharedStore, ticket: unknown): Promise<{ live: boolean; interaction?: string }> {
  const record = await readTicket(store, ticket);
  return { live: !!record, interaction: record?.interaction };
}

export type CodeCheck =
  | { result: 'ok'; personId: string; interaction?: string; issuedAt: number }
  | { result: 'wrong'; triesLeft: number; interaction?: string }
  | { result: 'too_many'; interaction?: string }
  | { result: 'expired' };

export async function checkSmsCode(store: SharedStore, ticket: unknown, code: string): Promise<CodeCheck> {
  const record = await readTicket(store, ticket);
  if (!record || typeof ticket !== 'string') return { result: 'expired' };
  const { interaction } = record;
  const tries = await store.increment(triesKey(ticket), CODE_TTL_SECONDS);
  if (tries > CODE_MAX_TRIES) {
    await store.take(ticketKey(ticket));
    return { result: 'too_many', interaction };
  }
  const expected = Buffer.from(record.codeHash, 'base64url');
  const given = hashCode(ticket, code);
  const { personId } = record;
  const right = personId !== null && expected.length === given.length && crypto.timingSafeEqual(expected, given);
  if (!right || personId === null) {
    if (tries < CODE_MAX_TRIES) return { result: 'wrong', triesLeft: CODE_MAX_TRIES - tries, interaction };
    await store.take(ticketKey(ticket));
    return { result: 'too_many', interaction };
  }
  // One use: whoever takes the ticket first goes on.
  if (!(await store.take(ticketKey(ticket)))) return { result: 'expired' };
  return { result: 'ok', personId, interaction, issuedAt: record.issuedAt };
}
