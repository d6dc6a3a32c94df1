// GET/POST /binding/consent — step 2: the personal-data statement in full and the tick "本人已詳閱並同意以上條款聲明".
import type { Context } from 'koa';
import { z } from 'zod';
import { seeOther } from '../../web/respond.ts';
import { errorTexts, renderBinding } from './pages.ts';
import { showSent } from './sent.ts';
import { type BindingState, bindingOf, saveSession } from './state.ts';

const ConsentForm = z.object({ agree: z.literal('yes').optional().catch(undefined) });

function renderConsent(ctx: Context, error?: string, status?: number) {
  renderBinding(ctx, 'consent', {
    title: 'binding.consent.title',
    step: 'consent',
    agreed: bindingOf(ctx).session.consented,
    errors: errorTexts(ctx, { agree: error }),
    fields: [['agree', 'binding.consent.title']],
    status,
  });
}

export function showConsent() {
  return async (ctx: Context) => {
    if (showSent(ctx)) return;
    if (!bindingOf(ctx).session.students.length) return seeOther(ctx, '/binding/student');
    renderConsent(ctx);
  };
}

export function submitConsent(state: BindingState) {
  return async (ctx: Context) => {
    if (showSent(ctx)) return;
    const current = bindingOf(ctx);
    if (!current.session.students.length) return seeOther(ctx, '/binding/student');
    const { agree } = ConsentForm.parse(ctx.request.body ?? {});
    if (!agree) return renderConsent(ctx, 'binding.consent.errors.agree', 400);
    await saveSession(state, current, { consented: true });
    seeOther(ctx, '/binding/parent');
  };
}
