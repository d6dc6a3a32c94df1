// GET /binding/review — the applications a homeroom teacher (their class's students) or a school's administrator
// decides, after signing in to the account pages; POST …/approve and …/reject (with a reason the parent is told);
// the links already approved, and POST …/revoke to end one.
import type { Context } from 'koa';
import { z } from 'zod';
import type { ApplicationView, DecisionResult } from '../../domain/binding/service.ts';
import { chooseLocale, type Locale } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { formText } from '../../web/forms.ts';
import { accountOf } from '../../web/require-account.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { taipeiTime } from '../../web/taipei-time.ts';
import { renderBinding, tr } from './pages.ts';

const NOTICES = [
  'approved',
  'rejected',
  'revoked',
  'notPending',
  'emailTaken',
  'relationshipTaken',
  'reasonRequired',
] as const;
const ReviewQuery = z.object({
  notice: z.enum(NOTICES).optional().catch(undefined),
  student: formText(50).optional().catch(undefined),
});

const when = (d: Date | null, locale: Locale) => (d ? taipeiTime(d, locale, 'minutes') : '—');

export function showReview(s: Services) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const q = ReviewQuery.parse(ctx.query);
    if (!(await s.binding.isReviewer(person.id))) throw new AppError('not_found', 404);
    const locale = chooseLocale(ctx);
    const [pending, approved] = await Promise.all([
      s.binding.forReview(person.id),
      s.binding.forReview(person.id, 'approved'),
    ]);
    renderBinding(ctx, 'review', {
      title: 'binding.review.title',
      personName: person.name,
      applications: pending.map((a) => ({
        ...a,
        signed: when(a.signedAt ?? a.createdAt, locale),
        links: (a.links ?? []).map((l) => ({
          relationship: l.relationship,
          name: l.parentName,
          since: when(l.since, locale),
        })),
        // The child has this father (or mother) already: the approval would be refused.
        taken: a.relationshipTaken ?? false,
      })),
      approved: approved.map((a) => ({ ...a, decided: when(a.decidedAt, locale) })),
      notice: q.notice ? tr(ctx)(`binding.review.${q.notice}`, { student: q.student ?? '' }) : undefined,
      noticeTone: ['approved', 'rejected', 'revoked'].includes(q.notice ?? '') ? 'info' : 'error',
    });
  };
}

const IdParam = z.object({ id: z.uuid() });
const RejectForm = z.object({ reason: formText(500) });

async function reviewable(s: Services, ctx: Context): Promise<ApplicationView> {
  const params = IdParam.safeParse(ctx.params);
  const app = params.success ? await s.binding.reviewable(accountOf(ctx).person.id, params.data.id) : undefined;
  if (!app) throw new AppError('not_found', 404);
  return app;
}

const back = (ctx: Context, notice: (typeof NOTICES)[number], student = '') =>
  seeOther(ctx, `/binding/review?${new URLSearchParams({ notice, student })}`);

/** One decision on one application: approve, reject or revoke (the last two need the reason the parent is told). */
function decide(
  s: Services,
  kind: 'approved' | 'rejected' | 'revoked',
  run: (id: string, actor: string, reason: string) => Promise<DecisionResult>,
) {
  return async (ctx: Context) => {
    const app = await reviewable(s, ctx);
    const actor = accountOf(ctx).person.id;
    const { reason } = RejectForm.parse(ctx.request.body ?? {});
    if (kind !== 'approved' && !reason) return back(ctx, 'reasonRequired');
    const result = await run(app.id, actor, reason);
    if (!result.ok)
      return back(
        ctx,
        result.reason === 'email_taken'
          ? 'emailTaken'
          : result.reason === 'relationship_taken'
            ? 'relationshipTaken'
            : 'notPending',
      );
    back(ctx, kind, app.studentName);
  };
}

export const approveApplication = (s: Services) => decide(s, 'approved', (id, actor) => s.binding.approve(id, actor));
export const rejectApplication = (s: Services) =>
  decide(s, 'rejected', (id, actor, reason) => s.binding.reject(id, actor, reason));
export const revokeLink = (s: Services) =>
  decide(s, 'revoked', (id, actor, reason) => s.binding.revoke(id, actor, reason));
