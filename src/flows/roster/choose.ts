// GET /register/roster/choose — verified: register a new account, or add the identity to an existing one.
import type { Context } from 'koa';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { renderPage } from '../../web/render.ts';
import { type RosterTickets, startAgain } from './ticket.ts';

export function showChoice(tickets: RosterTickets) {
  return async (ctx: Context) => {
    const verified = await tickets.verified(ctx);
    if (!verified) return startAgain(ctx);
    const t = translator(chooseLocale(ctx));
    renderPage(ctx, 'roster/choose', {
      pageTitle: t('roster.title'),
      school: verified.schoolName,
      role: verified.credential.role,
      name: verified.credential.name,
    });
  };
}
