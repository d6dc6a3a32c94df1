// GET /register/done — step 3 (完成): submitted; the mail is on its way (once the submission under way, if any, is done).
import type { Context } from 'koa';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import type { RegistrationsSent } from '../../web/registration-sent.ts';
import { renderPage, titleIn } from '../../web/render.ts';
import { seeOther } from '../../web/respond.ts';
import type { Drafts } from './draft.ts';
import { interactionUid } from './form.ts';

const Query = z.object({ interaction: interactionUid.optional().catch(undefined) });

export function showDone(drafts: Drafts, sentElsewhere: RegistrationsSent) {
  return async (ctx: Context) => {
    const { interaction } = Query.parse(ctx.query);
    const t = translator(chooseLocale(ctx));
    // Registered outside the wizard (with a school's verification account): no steps were the wizard's, so no step
    // bar; the address the mail went to, as the wizard's own last page says it.
    const elsewhere = await sentElsewhere.read(ctx);
    if (elsewhere)
      return renderPage(ctx, 'registration/done', {
        pageTitle: titleIn(t('registration.step3.heading'), t('registration.title')),
        showSteps: false,
        sentTo: elsewhere.email,
        activeNow: false,
      });
    // A second submission of step 2 comes here while the first one registers: its outcome is awaited.
    const { draft, waited } = await drafts.settled(ctx);
    // …and it failed (a field to correct, the database not answering): the draft is back, and so is the person.
    if (waited && draft && !draft.submitted) return seeOther(ctx, '/register/confirm');
    renderPage(ctx, 'registration/done', {
      showSteps: true,
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
