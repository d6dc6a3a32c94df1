// The sign-in page's way to "send the activation mail again": when the password was right but the account is
// pending, the sign-in step asks for a one-use ticket (15 minutes, in the shared store) naming the person and the
// sign-in to return to, and puts it in a small form that posts to /register/resend. No person id reaches the page.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import { interactionUid } from './form.ts';
import { parseStoredJson } from '../../platform/stored-json.ts';

const TICKET_TTL_SECONDS = 15 * 60;
export const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const Ticket = z.object({ personId: z.uuid(), interaction: interactionUid.optional() });
export type ResendTicket = z.infer<typeof Ticket>;

const key = (ticket: string) => `registration:resend-ticket:${crypto.createHash('sha256').update(ticket).digest('base64url')}`;

/** A ticket for the resend form when this person is pending; undefined for any other account. */
export async function offerActivationResend(
  db: Knex,
  shared: SharedStore,
  q: { personId: string; interaction?: string },
): Promise<string | undefined> {
  const person = await db('persons').select('status').where({ id: q.personId }).first();
  if (person?.status !== 'pending') return undefined;
  const ticket = crypto.randomBytes(32).toString('base64url');
  await shared.put(key(ticket), JSON.stringify(Ticket.parse(q)), TICKET_TTL_SECONDS);
  return ticket;
}

/** The ticket's content, used up. */
export async function takeResendTicket(shared: SharedStore, ticket: string): Promise<ResendTicket | undefined> {
  if (!TICKET_PATTERN.test(ticket)) return undefined;
  const raw = await shared.take(key(ticket));
  if (!raw) return undefined;
  return parseStoredJson(Ticket, raw);
}
