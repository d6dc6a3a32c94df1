// A refused one-field form of the portal (a new organisation's name on /developers, a member's login on an
// organisation's page), kept as typed with its message's key in the one-use store (30 minutes, for its developer):
// its page stands for GET <page>?typed=<token> (render.ts `formPage`), which draws it again — the language link shows
// the same value and message in the other language, and reload and Back ask for that page instead of sending the form
// again. Nothing typed is in the address.
import type { Context } from 'koa';
import { z } from 'zod';
import type { OneUseKind } from '../../platform/one-use.ts';
import type { Services } from '../../web/services.ts';
import { developerOf } from './session.ts';

const Kept = z.object({
  developer: z.string().max(40),
  /** The page the form is on (its path). */
  page: z.string().max(200),
  value: z.string().max(300),
  /** The message's key (under developers.errors). */
  error: z.string().max(60),
  /** Said at the form's field (else above the form: a refusal of a button, not of what was typed). */
  atField: z.boolean().optional(),
});
export type KeptInputs = OneUseKind<z.infer<typeof Kept>>;

export const keptInputs = (s: Services): KeptInputs =>
  s.oneUse.kind({ name: 'developer-refused-input', schema: Kept, ttlSeconds: 30 * 60 });

/** Keeps a refused value and its message's key; the address of its page drawing them again. */
export async function keepInput(
  ctx: Context,
  kept: KeptInputs,
  input: { page: string; value: string; error: string; atField?: boolean },
) {
  const token = await kept.issue({ ...input, developer: developerOf(ctx).id, value: input.value.slice(0, 300) });
  return `${input.page}?typed=${token}`;
}

/** The refused value and message key this page's address names (`?typed=<token>`), if this developer's. */
export async function typedInput(
  ctx: Context,
  kept: KeptInputs,
): Promise<{ value: string; error: string; atField?: boolean } | undefined> {
  const found = ctx.query.typed === undefined ? undefined : await kept.peek(ctx.query.typed);
  return found?.developer === developerOf(ctx).id && found.page === ctx.path ? found : undefined;
}
