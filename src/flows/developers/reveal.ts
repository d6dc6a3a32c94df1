// A secret a form post made (an app's secret shown once, a new secret, an organisation's registration token), shown by
// the page the post redirects to, once: the post keeps it in the one-use store for a few minutes, for the developer who
// made it and the page it belongs to, under a token in the address (`?reveal=…`); the page takes it. A reload, Back or
// that address opened again finds nothing (the page then says it was shown once and how to get a new one), and a reload
// never sends the post again — which, for a new secret, would have replaced the secret just made and ended the grace
// of the one in use.
import type { Context } from 'koa';
import { z } from 'zod';
import type { Services } from '../../web/services.ts';
import { developerOf } from './session.ts';

/** How long a secret waits for its page (the redirect follows at once; a lost answer is a new secret anyway). */
export const REVEAL_SECONDS = 10 * 60;

export const REVEAL_KINDS = ['secret', 'rotated', 'token'] as const;
export type RevealKind = (typeof REVEAL_KINDS)[number];

const Reveal = z.object({
  person: z.string(),
  place: z.string(),
  kind: z.enum(REVEAL_KINDS),
  value: z.string(),
});

export type Revealed = { kind: RevealKind; value?: string };

export function developerReveals(s: Services) {
  const store = s.oneUse.kind({ name: 'developer-reveal', schema: Reveal, ttlSeconds: REVEAL_SECONDS });
  return {
    /** Keeps a secret for the page at `place` (an app's or organisation's id); the token goes in its address. */
    keep: (ctx: Context, place: string, kind: RevealKind, value: string) =>
      store.issue({ person: developerOf(ctx).id, place, kind, value }),
    /**
     * What the page at `place` shows for its `?reveal=` token: the secret, once (the developer's own, for this page);
     * without the value when it was shown already, has expired or is not theirs; undefined without a token.
     */
    async take(ctx: Context, place: string, kind: RevealKind | RevealKind[]): Promise<Revealed | undefined> {
      const token = ctx.query.reveal;
      if (token === undefined) return undefined;
      const kinds = [kind].flat();
      const kept = await store.take(token);
      const mine = kept && kept.person === developerOf(ctx).id && kept.place === place && kinds.includes(kept.kind);
      // A token of another page or person is used up all the same: an address shared by mistake shows nothing.
      return mine ? { kind: kept.kind, value: kept.value } : { kind: kinds[0]! };
    },
  };
}

export type DeveloperReveals = ReturnType<typeof developerReveals>;
