// The one-use ticket a verified credential earns (30 minutes): its token in a signed http-only cookie, the credential
// it stands for in the one-use store. The pages after the check read it; registering or adding the identity uses it up.
import type { Context } from 'koa';
import { z } from 'zod';
import type { StoredCredential } from '../../domain/enrolment/roster-credentials.ts';
import { signedCookie } from '../../web/cookies.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';

export const TICKET_TTL_SECONDS = 30 * 60;

const cookie = signedCookie({ name: 'roster_ticket', maxAgeSeconds: TICKET_TTL_SECONDS });

export type Verified = { credential: StoredCredential; schoolName: string };

export function rosterTickets(s: Services) {
  const tickets = s.oneUse.kind({
    name: 'roster-ticket',
    schema: z.object({ credentialId: z.uuid() }),
    ttlSeconds: TICKET_TTL_SECONDS,
  });
  return {
    async issue(ctx: Context, credentialId: string): Promise<void> {
      cookie.set(ctx, await tickets.issue({ credentialId }));
    },

    /** The unclaimed credential behind the browser's ticket, with its school's name; the ticket stays. */
    async verified(ctx: Context): Promise<Verified | undefined> {
      const ticket = await tickets.peek(cookie.get(ctx));
      const credential = ticket && (await s.enrolment.openCredential(ticket.credentialId));
      if (!credential) return undefined;
      return { credential, schoolName: await s.schools.name(credential.school_code) };
    },

    /** Uses the ticket up (whatever happens next, it cannot be used again). */
    async take(ctx: Context): Promise<void> {
      const token = cookie.get(ctx);
      cookie.clear(ctx);
      await tickets.take(token);
    },
  };
}
export type RosterTickets = ReturnType<typeof rosterTickets>;

/** Back to the start, saying why: the ticket is missing, expired or already used. */
export function startAgain(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  seeOther(ctx, '/register/roster?again=1');
}
