// The wizard's draft between its steps (so "back" keeps every value, the password included): a one-use value for
// 30 minutes, its token in a signed, http-only cookie on /register. Neither the store nor the cookie alone can read
// the password or the national ID.
import type { Context } from 'koa';
import { z } from 'zod';
import { type FieldErrors, PersonValues } from '../../domain/enrolment/person-input.ts';
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
  /**
   * What the last check of step 1 found wrong (field → i18n key), while it has not passed: the form drawn again from the
   * draft (the language link, a reload) shows the same messages with the same values. Not the person check's: a new
   * page has a new check.
   */
  errors: z.record(z.string(), z.string()).optional(),
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

/** The messages a draft keeps: the fields' (the person check is done afresh on every page); none when there are none. */
export function keptErrors(errors: FieldErrors | undefined): FieldErrors | undefined {
  const { challenge: _, ...fields } = errors ?? {};
  return Object.keys(fields).length ? fields : undefined;
}

const cookie = signedCookie({ name: 'reg_draft', path: '/register', maxAgeSeconds: DRAFT_TTL_SECONDS });

/** A draft taken to be registered: while it is out, a mark says so (with where the wizard returns to). */
const Submitting = z.object({ interaction: interactionUid.optional() });
type Submitting = z.infer<typeof Submitting>;
/** Longer than any registration takes; a mark left by a process that died ends by itself. */
const SUBMITTING_TTL_SECONDS = 120;
/** How long the last page waits for another request's registration of the draft. */
const OUTCOME_WAIT_MS = 15_000;
const OUTCOME_POLL_MS = 100;

export type Drafts = {
  load(ctx: Context): Promise<Draft | undefined>;
  /** Saves the browser's draft (a new one when it has none) for another 30 minutes. */
  save(ctx: Context, draft: Draft): Promise<void>;
  /**
   * Takes the browser's draft to register it: of several submissions at once (a double click, a form sent twice) only
   * one gets it, and until it puts back the outcome (`save`, then `release`: the submitted marker, or the draft again
   * after a failure) the draft is marked as being submitted (`interaction`: where the wizard returns to). Undefined:
   * another submission has it (or it is gone).
   */
  take(ctx: Context, interaction?: string): Promise<Draft | undefined>;
  /** Ends the mark of a taken draft, once `save` has put back its outcome. */
  release(ctx: Context): Promise<void>;
  /** Another submission of this browser's draft is being registered: the mark, else undefined. */
  submitting(ctx: Context): Promise<Submitting | undefined>;
  /**
   * The draft once no other submission is registering it (waiting for one that is, at most 15 seconds); `waited` when
   * there was one to wait for.
   */
  settled(ctx: Context): Promise<{ draft?: Draft; waited: boolean }>;
};

export function drafts(s: Services): Drafts {
  const store = (name: string) =>
    s.oneUse.kind({ name, schema: Draft, ttlSeconds: DRAFT_TTL_SECONDS }) as OneUseKind<Draft>;
  // Three places, one draft in one of them: `ready` (step 2 may be sent: what a submission takes), `unready` (step 1
  // still to pass, or a registration that failed), `submitted` (the marker). Only a ready draft can be taken, so a
  // submission that read the draft before another took it gets the draft or nothing — never the outcome, which lands
  // in another place while the mark still stands.
  const ready = store('registration-draft');
  const unready = store('registration-draft-unready');
  const submitted = store('registration-submitted');
  const marks: OneUseKind<Submitting> = s.oneUse.kind({
    name: 'registration-submitting',
    schema: Submitting,
    ttlSeconds: SUBMITTING_TTL_SECONDS,
  });
  const token = (ctx: Context) => {
    const current = cookie.get(ctx);
    return isToken(current) ? current : undefined;
  };
  const load = async (current: string | undefined) =>
    current
      ? ((await ready.peek(current)) ?? (await unready.peek(current)) ?? (await submitted.peek(current)))
      : undefined;
  return {
    load: (ctx) => load(token(ctx)),
    async save(ctx, draft) {
      const current = token(ctx);
      const place = draft.submitted ? submitted : draft.ready ? ready : unready;
      if (!current) return cookie.set(ctx, await place.issue(draft));
      await place.save(current, draft);
      // Then out of the other places. A ready draft is left where it is when the marker comes: a ready draft there
      // now is a new one (step 1 sent again meanwhile).
      for (const other of [ready, unready, submitted])
        if (other !== place && !(draft.submitted && other === ready)) await other.take(current);
      cookie.set(ctx, current);
    },
    async take(ctx, interaction) {
      const current = token(ctx);
      if (!current) return undefined;
      // Marked before it is taken, so that nobody finds the draft gone without the mark (a submission that then finds
      // it taken leaves its mark as the taker's, who ends it once the outcome is saved).
      await marks.save(current, { interaction });
      return ready.take(current);
    },
    async release(ctx) {
      await marks.take(token(ctx));
    },
    submitting: (ctx) => marks.peek(token(ctx)),
    async settled(ctx) {
      const current = token(ctx);
      if (!current) return { waited: false };
      let waited = false;
      for (const until = Date.now() + OUTCOME_WAIT_MS; ; ) {
        const draft = await load(current);
        // The draft is out only while a submission registers it: back (or never out), it is what it is now.
        if (draft || !(await marks.peek(current)) || Date.now() >= until) return { draft, waited };
        waited = true;
        await new Promise((resolve) => setTimeout(resolve, OUTCOME_POLL_MS));
      }
    },
  };
}
