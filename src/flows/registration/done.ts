// GET /register/done — step 3 (完成): submitted; the mail is on its way.
import type { Context } from 'koa';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { renderPage, titleIn } from '../../web/render.ts';
import type { Drafts } from './draft.ts';
import { interactionUid } from './form.ts';

const Query = z.object({ interaction: interactionUid.optional().catch(undefined) });

export function showDone(drafts: Drafts) {
  return async (ctx: Context) => {
    const { interaction } = Query.parse(ctx.query);
    const t = translator(chooseLocale(ctx));
    const draft = await drafts.load(ctx);
    renderPage(ctx, 'registration/done', {
      pageTitle: titleIn(
        t('registration.stepTitle', { n: 3, name: t('registration.steps.three') }),
        t('registration.title'),
      ),
      interaction,
      sentTo: draft?.sentTo,
      activeNow: draft?.activeNow ?? false,
    });
  };
}
