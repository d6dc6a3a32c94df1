// Linking an upstream account by signing in with the campus password (the not-yet-linked page's 以現有帳號登入, the
// sign-in page with ?link=1): the link is made once the whole sign-in is proven, never on the password alone. When a
// second factor follows — the app asks for one, or the account has one (an authenticator app or a passkey: asked then
// even if the app did not) — the upstream account waits under the interaction until that step passes
// (second-factor.ts), and an abandoned step links nothing (it waits 10 minutes, as the first factor does, then is
// gone). Else the link is made with the password, as before.
import type { Context } from 'koa';
import { z } from 'zod';
import { asksForSecondFactor, type FirstFactor } from '../../domain/people/second-factor.ts';
import { PendingLink } from '../../domain/upstreams/links.ts';
import { renewCsrfToken } from '../../web/csrf.ts';
import type { LoadedInteraction } from '../../web/interaction.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';

type Interaction = LoadedInteraction['details'];

/**
 * The upstream account waiting for this person's second factor; `ts` is the first factor's (the password's check:
 * none after a forced password change), so that only the sign-in that asked to link makes the link.
 */
const Waiting = z.object({ personId: z.uuid(), ts: z.number().int().positive().optional(), account: PendingLink });

export type LinkByPassword = ReturnType<typeof linkByPassword>;

export function linkByPassword(s: Services) {
  const waiting = s.oneUse.kind({ name: 'federation-link-second-factor', schema: Waiting, ttlSeconds: 10 * 60 });

  return {
    /**
     * The password was right on a sign-in that links `account`: links it now, or keeps it for the second factor.
     * Says whether the second-factor step must be sent for here (the app did not ask for it, the account has one).
     */
    async passwordRight(
      interaction: Interaction,
      first: { personId: string; ts?: number },
      account: PendingLink,
    ): Promise<{ secondFactor: boolean }> {
      const asked = asksForSecondFactor(interaction.params);
      const has =
        !asked && ((await s.secondFactor.enrolled(first.personId)) || (await s.passkeys.count(first.personId)) > 0);
      if (!asked && !has) {
        await s.federatedLinks.link(first.personId, account, 'password');
        return { secondFactor: false };
      }
      await waiting.save(interaction.uid, { personId: first.personId, ts: first.ts, account });
      return { secondFactor: has };
    },

    /** To the second-factor step although the app did not ask for it (as web/interaction.ts signedIn sends there). */
    async toSecondFactor(ctx: Context, interaction: Interaction, first: FirstFactor): Promise<void> {
      renewCsrfToken(ctx);
      await s.secondFactor.firstFactors.save(interaction.uid, first);
      seeOther(ctx, `/interaction/${interaction.uid}/second-factor`);
    },

    /** The second factor passed (the first factor taken, once): the upstream account waiting for it is linked. */
    async secondFactorPassed(uid: string, first: FirstFactor): Promise<void> {
      const held = await waiting.take(uid);
      if (held && held.personId === first.personId && held.ts === first.ts)
        await s.federatedLinks.link(first.personId, held.account, 'password');
    },
  };
}
