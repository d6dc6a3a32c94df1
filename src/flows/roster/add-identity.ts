// GET/POST /account/roster-identity — "add the identity to my existing account": behind the account portal's
// sign-in (our own provider); the identity is added and the credential claimed, then the identities page. A slip whose
// roster row names another national ID than the account's is someone else's: refused (409), nothing added.
import type { Context } from 'koa';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage, withMistakes } from '../../web/render.ts';
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
    const claim = await s.enrolment.addRosterIdentity(verified.credential.id, accountOf(ctx).person.id);
    if (claim !== 'added') {
      const t = translator(chooseLocale(ctx));
      // Nothing was added: said why, with the way on (the account, or the school's slip again).
      return renderPage(
        ctx,
        'roster/message',
        {
          pageTitle: withMistakes(t, true, t('roster.title')),
          message: t(`roster.errors.${claim}`),
          account: claim !== 'claimed',
        },
        409,
      );
    }
    seeOther(ctx, '/account/identities');
  };
}
