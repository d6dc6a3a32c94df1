// GET /register/done — step 3 (完成): submitted; the mail is on its way (once the submission under way, if any, is done).
import type { Context } from 'koa';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { renderPage, titleIn } from '../../web/render.ts';
import { seeOther } from '../../web/respond.ts';
import type { Drafts } from './draft.ts';
import { interactionUid } from './form.ts';

const Query = z.object({ interaction: interactionUid.optional().catch(undefined) });

export function showDone(drafts: Drafts) {
  return async (ctx: Context) => {
    const { interaction } = Query.parse(ctx.query);
    const t = translator(chooseLocale(ctx));
    // A second submission of step 2 comes here while the first one registers: its outcome is awaited.
    const { draft, waited } = await drafts.settled(ctx);
    // …and it failed (a field to correct, the database not answering): the draft is back, and so is the person.
    if (waited && draft && !draft.submitted) return seeOther(ctx, '/register/confirm');
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
