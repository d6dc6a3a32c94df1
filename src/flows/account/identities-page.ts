// GET /account/identities — the person's identities at schools and, for parents, their children.
import type { Context } from 'koa';
import { activeIdentities, childrenOf } from '../../domain/identities/identities.ts';
import type { AccountDeps } from './deps.ts';
import { renderAccount } from './page.ts';
import { accountOf } from '../../web/require-account.ts';

export function showIdentities(deps: AccountDeps) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const identities = await activeIdentities(deps.db, person.id);
    const children = identities.some((i) => i.role === 'parent') ? await childrenOf(deps.db, person.id) : [];
    renderAccount(ctx, 'identities', 'identities', { identities, children });
  };
}
