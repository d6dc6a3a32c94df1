// GET/POST /account/roster-identity — "add the identity to my existing account": behind the account portal's
// sign-in (our own provider); the identity is added and the credential claimed, then the identities page.
import type { Context } from 'koa';
import { accountOf } from '../../web/require-account.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage } from '../../web/render.ts';
import { attachRosterIdentity } from './attach.ts';
import type { RosterDeps } from './deps.ts';
import { takeTicket } from './ticket.ts';
import { startAgain, verifiedCredential } from './verified.ts';

export function showAddIdentity(deps: RosterDeps) {
  return async (ctx: Context) => {
    const verified = await verifiedCredential(ctx, deps);
    if (!verified) return startAgain(ctx);
    const t = translator(chooseLocale(ctx));
    ctx.set('Cache-Control', 'no-store');
    renderPage(ctx, 'roster/add', {
      pageTitle: t('roster.add.heading'), personName: accountOf(ctx).person.name,
      school: verified.schoolName, role: verified.credential.role, rosterName: verified.credential.name, csrfToken: csrfToken(ctx),
    });
  };
}

export function submitAddIdentity(deps: RosterDeps) {
  return async (ctx: Context) => {
    const verified = await verifiedCredential(ctx, deps);
    await takeTicket(ctx, deps.shared);
    if (!verified) return startAgain(ctx);
    const person = accountOf(ctx).person;
    const added = await deps.db.transaction((trx) => attachRosterIdentity(trx, verified.credential.id, person.id));
    if (!added) {
      const t = translator(chooseLocale(ctx));
      return renderPage(ctx, 'roster/message', { pageTitle: t('roster.title'), message: t('roster.errors.claimed') }, 409);
    }
    ctx.status = 303;
    ctx.redirect('/account/identities');
  };
}
