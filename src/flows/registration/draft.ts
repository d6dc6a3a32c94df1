// The wizard's draft between its steps (so "back" keeps every value, the password included): a one-use value for
// 30 minutes, its token in a signed, http-only cookie on /register. Neither the store nor the cookie alone can read
// the password or the national ID.
import type { Context } from 'koa';
import { z } from 'zod';
import { PersonValues } from '../../domain/enrolment/person-input.ts';
import { FederatedRegistration, SisPush } from '../../domain/enrolment/service.ts';
import { isToken, type OneUseKind } from '../../platform/one-use.ts';
import { signedCookie } from '../../web/cookies.ts';
import type { Services } from '../../web/services.ts';
import { interactionUid } from './form.ts';

export const DRAFT_TTL_SECONDS = 30 * 60;

export const Draft = z.object({
  values: PersonValues,
  /** Kept once it passed the policy and its confirmation. */
  password: z.string().optional(),
  /** Step 1 passed as a whole (the person check included): step 2 may be shown and submitted. */
  ready: z.boolean(),
  /** Submitted: the account exists; a second submission (a double click) goes to the last page too. */
  submitted: z.boolean().optional(),
  /** Where the activation mail went (the last page says so). */
  sentTo: z.string().max(320).optional(),
  /** Made active at once (an upstream had verified the address): no mail was sent. */
  activeNow: z.boolean().optional(),
  /** The sign-in this registration started from, to return to. */
  interaction: interactionUid.optional(),
  /** Pushed by the school-affairs system: school, kind, name and national ID are fixed, the identity verified. */
  sis: SisPush.optional(),
  /** From an upstream account met at a sign-in: the account is linked to it when made. */
  federated: FederatedRegistration.optional(),
});
export type Draft = z.infer<typeof Draft>;

const cookie = signedCookie({ name: 'reg_draft', path: '/register', maxAgeSeconds: DRAFT_TTL_SECONDS });

export type Drafts = {
  load(ctx: Context): Promise<Draft | undefined>;
  /** Saves the browser's draft (a new one when it has none) for another 30 minutes. */
  save(ctx: Context, draft: Draft): Promise<void>;
};

export function drafts(s: Services): Drafts {
  const kind: OneUseKind<Draft> = s.oneUse.kind({
    name: 'registration-draft',
    schema: Draft,
    ttlSeconds: DRAFT_TTL_SECONDS,
  });
  return {
    load: (ctx) => kind.peek(cookie.get(ctx)),
    async save(ctx, draft) {
      const current = cookie.get(ctx);
      if (isToken(current)) await kind.save(current, draft);
      cookie.set(ctx, isToken(current) ? current : await kind.issue(draft));
    },
  };
}
