// A refused form of the console, kept as typed: the form's values and its messages (as text keys, so either language
// draws them) are sealed in the one-use store for 30 minutes, for the administrator who sent it and the page it
// belongs to, and the refusal's page stands for GET <page>?typed=<token> (render.ts `formPage`). That GET draws the
// same form again: reload and Back ask for it instead of sending the form again, and the language link shows the same
// values and messages in the other language. Nothing typed is in the address. Used by a school's pages, an
// application's decision, an app's settings and a person's page.
import type { Context } from 'koa';
import { z } from 'zod';
import type { OneUseKind } from '../../platform/one-use.ts';
import type { Services } from '../../web/services.ts';
import { adminOf } from './session.ts';

const KEPT_SECONDS = 30 * 60;

/** Who sent the form, and the page (its path) that draws it again. */
const Owner = z.object({ admin: z.string().max(40), page: z.string().max(200) });
type Owned<T> = T & z.infer<typeof Owner>;

export type KeptForms<T> = OneUseKind<Owned<T>>;

/** The one-use kind of a page's refused forms (`name`: its store name; `schema`: what the page keeps). */
export function keptForms<S extends z.ZodObject>(s: Services, name: string, schema: S): KeptForms<z.infer<S>> {
  return s.oneUse.kind({ name, schema: schema.extend(Owner.shape), ttlSeconds: KEPT_SECONDS }) as KeptForms<z.infer<S>>;
}

/** Keeps a refused form for the page `page` (a path); the address that draws it again. */
export async function keep<T>(ctx: Context, kept: KeptForms<T>, page: string, form: T): Promise<string> {
  const token = await kept.issue({ ...form, admin: adminOf(ctx).id, page });
  return `${page}?typed=${token}`;
}

/** The refused form the address names (`?typed=<token>`), if this administrator's and this page's. */
export async function typedIn<T>(ctx: Context, kept: KeptForms<T>): Promise<T | undefined> {
  const found = ctx.query.typed === undefined ? undefined : await kept.peek(ctx.query.typed);
  return found?.admin === adminOf(ctx).id && found.page === ctx.path ? found : undefined;
}
