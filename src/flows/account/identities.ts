// GET /account/identities — the person's identities at schools and, for parents, their children; the ways to bind a
// child (/binding) and, for homeroom teachers and school administrators, to review bindings (/binding/review).
import type { Context } from 'koa';
import { accountOf } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { renderAccount } from './pages.ts';

export function showIdentities(s: Services) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const [mine, reviewer] = await Promise.all([s.identities.withChildren(person.id), s.binding.isReviewer(person.id)]);
    renderAccount(ctx, 'identities', 'identities', { ...mine, reviewer });
  };
}
