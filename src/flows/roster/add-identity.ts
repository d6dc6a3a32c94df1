// GET/POST /account/roster-identity — "add the identity to my existing account": behind the account portal's
// sign-in (our own provider); the identity is added and the credential claimed, then the identities page.
import type { Context } from 'koa';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage } from '../../web/render.ts';
import { accountOf } from '../../web/require-account.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { type RosterTickets, startAgain } from './ticket.ts';

export function showAddIdentity(tickets: RosterTickets) {
  return async (ctx: Context) => {
    const verified = await tickets.verified(ctx);
    if (!verified) return startAgain(ctx);
    const t = translator(chooseLocale(ctx));
    renderPage(ctx, 'roster/add', {
      pageTitle: t('roster.add.heading'),
      personName: accountOf(ctx).person.name,
      school: verified.schoolName,
      role: verified.credential.role,
      rosterName: verified.credential.name,
      csrfToken: csrfToken(ctx),
    });
  };
}

export function submitAddIdentity(s: Services, tickets: RosterTickets) {
  return async (ctx: Context) => {
    const verified = await tickets.verified(ctx);
    await tickets.take(ctx);
    if (!verified) return startAgain(ctx);
    if (!(await s.enrolment.claimCredential(verified.credential.id, accountOf(ctx).person.id))) {
      const t = translator(chooseLocale(ctx));
      return renderPage(
        ctx,
        'roster/message',
        { pageTitle: t('roster.title'), message: t('roster.errors.claimed') },
        409,
      );
    }
    seeOther(ctx, '/account/identities');
  };
}
