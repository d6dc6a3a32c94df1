// GET /account/identities — the person's identities at schools and, for parents, their children.
import type { Context } from 'koa';
import { accountOf } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { renderAccount } from './pages.ts';

export function showIdentities(s: Services) {
  return async (ctx: Context) => {
    renderAccount(ctx, 'identities', 'identities', await s.identities.withChildren(accountOf(ctx).person.id));
  };
}
