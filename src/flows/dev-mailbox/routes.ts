// The development mailbox: every queued message, newest first, with the links in its text clickable.
// Never mount it in production: it shows every message, password-reset links included.
import type Router from '@koa/router';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { renderPage } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';
import { linkify } from './linkify.ts';
import './texts.ts';

const params = z.object({ id: z.uuid() });

const privatePage = (ctx: { set(field: string, value: string): void }) => ctx.set('X-Robots-Tag', 'noindex');

export function mailboxRoutes(router: Router, s: Services) {
  router.get('/dev/mailbox', async (ctx) => {
    privatePage(ctx);
    const messages = await s.outbox.list();
    renderPage(ctx, 'dev-mailbox/mailbox', { pageTitle: translator(chooseLocale(ctx))('mailbox.title'), messages });
  });

  router.get('/dev/mailbox/:id', async (ctx) => {
    const parsed = params.safeParse(ctx.params);
    const message = parsed.success ? await s.outbox.find(parsed.data.id) : undefined;
    if (!message) throw new AppError('not_found', 404);
    privatePage(ctx);
    renderPage(ctx, 'dev-mailbox/message', {
      pageTitle: message.subject ?? translator(chooseLocale(ctx))('mailbox.title'),
      message,
      parts: linkify(message.text_body),
    });
  });
}
