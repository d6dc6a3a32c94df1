// GET /binding/review — the applications a homeroom teacher (their class's students) or a school's administrator
// decides, after signing in to the account pages; POST …/approve and …/reject (with a reason the parent is told);
// the links already approved, and POST …/revoke to end one. An administrator (a school's, the bureau's) reviews as one
// only after signing in with a second factor (review-session.ts): without it, an administrator who is no homeroom
// teacher is sent to that sign-in, one who is sees their own class and the way to it; a decision outside their own
// class is refused the same way (303 to that sign-in, nothing decided).
import type { Context } from 'koa';
import { z } from 'zod';
import type { ApplicationView, ApprovalResult, Reviewer } from '../../domain/binding/service.ts';
import { chooseLocale, type Locale } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { formText } from '../../web/forms.ts';
import { accountOf } from '../../web/require-account.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { taipeiTime } from '../../web/taipei-time.ts';
import { type Fields, renderBinding, tr } from './pages.ts';
import { REVIEW_SIGN_IN, type ReviewSession, reviewerOf } from './review-session.ts';

const NOTICES = ['approved', 'rejected', 'revoked'] as const;
type Notice = (typeof NOTICES)[number];
/** After a decision: what was done and to which application (its id; the page looks the student up: no name in URLs). */
const ReviewQuery = z.object({
  notice: z.enum(NOTICES).optional().catch(undefined),
  app: z.uuid().optional().catch(undefined),
});

const when = (d: Date | null, locale: Locale) => (d ? taipeiTime(d, locale, 'minutes') : '—');

/** A refused decision, drawn on the page again: the message under that card's field (or on the card), what was typed. */
type Refusal = {
  status: number;
  /** The field's id (`reason-<id>`, `revoke-<id>`) or the card's (`card-<id>`), and the key of its message. */
  errors?: Record<string, string>;
  values?: Record<string, string>;
  alert?: string;
  /** An approval that cannot be made: which card, and the key of the words that say why (no field's mistake). */
  cannot?: { app: string; student: string; key: string };
};

type ReviewerHere = Reviewer & { administers: boolean };

/** To the sign-in with a second factor, and back to the review page (a decision asked for is not made). */
const toSecondFactor = (ctx: Context) =>
  seeOther(ctx, `${REVIEW_SIGN_IN}?${new URLSearchParams({ return_to: '/binding/review' })}`);

async function drawReview(s: Services, ctx: Context, reviewer: ReviewerHere, refusal?: Refusal) {
  const { person } = accountOf(ctx);
  const q = refusal ? {} : ReviewQuery.parse(ctx.query);
  const locale = chooseLocale(ctx);
  const t = tr(ctx);
  const [pending, approved] = await Promise.all([
    s.binding.forReview(reviewer),
    s.binding.forReview(reviewer, 'approved'),
  ]);
  const decided = q.notice && q.app ? await s.binding.reviewable(reviewer, q.app) : undefined;
  const errors = Object.fromEntries(Object.entries(refusal?.errors ?? {}).map(([k, v]) => [k, t(v)]));
  const fields: Fields = [
    ...pending.map((a) => [`reason-${a.id}`, 'binding.review.reason'] as const),
    ...approved.map((a) => [`revoke-${a.id}`, 'binding.review.revokeReason'] as const),
  ];
  renderBinding(ctx, 'review', {
    title: 'binding.review.title',
    personName: person.name,
    // An administrator not signed in with a second factor (a homeroom teacher too): their class only, and the way on.
    secondFactorNeeded: reviewer.administers && !reviewer.asAdministrator,
    secondFactorHref: REVIEW_SIGN_IN,
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
      // An account nobody proved to be this applicant's holds the national ID: the approval would be refused.
      conflict: a.identityConflict
        ? `binding.review.identityConflict${a.identityConflict === 'later' ? 'Later' : 'Unconfirmed'}`
        : undefined,
      // Why this approval was just refused (said at the top too): on its card, next to its buttons.
      cannot: refusal?.cannot?.app === a.id ? t(refusal.cannot.key) : undefined,
    })),
    approved: approved.map((a) => ({ ...a, decided: when(a.decidedAt, locale) })),
    notice: decided && q.notice ? t(`binding.review.${q.notice}`, { student: decided.studentName }) : undefined,
    errors,
    fields,
    values: refusal?.values ?? {},
    alert: refusal?.cannot
      ? t('binding.review.cannotApprove', { student: refusal.cannot.student, text: t(refusal.cannot.key) })
      : refusal?.alert
        ? t(refusal.alert)
        : undefined,
    status: refusal?.status,
    // A refusal is drawn at the POST's address, which has no page: it stands for the review page, so that reload and
    // Back ask for that page and never send the decision again (render.ts `formPage`).
    formPage: refusal ? '/binding/review' : undefined,
  });
}

export function showReview(s: Services, session: ReviewSession) {
  return async (ctx: Context) => {
    const reviewer = await reviewerOf(s, session, ctx);
    if (!(await s.binding.isReviewer(reviewer.personId))) throw new AppError('not_found', 404);
    // An administrator who has no class of their own: nothing to review without the second factor, so on to it.
    if (reviewer.administers && !reviewer.asAdministrator && !(await s.binding.isHomeroomTeacher(reviewer.personId)))
      return toSecondFactor(ctx);
    await drawReview(s, ctx, reviewer);
  };
}

const IdParam = z.object({ id: z.uuid() });
const RejectForm = z.object({ reason: formText(500) });

/**
 * The application this reviewer decides; undefined when the answer is given already: one only an administrator
 * decides, asked for by an administrator without the second factor, sends the browser to that sign-in.
 */
async function reviewable(s: Services, ctx: Context, reviewer: ReviewerHere): Promise<ApplicationView | undefined> {
  const params = IdParam.safeParse(ctx.params);
  if (!params.success) throw new AppError('not_found', 404);
  const app = await s.binding.reviewable(reviewer, params.data.id);
  if (app) return app;
  if (
    reviewer.administers &&
    !reviewer.asAdministrator &&
    (await s.binding.reviewable({ ...reviewer, asAdministrator: true }, params.data.id))
  ) {
    toSecondFactor(ctx);
    return undefined;
  }
  throw new AppError('not_found', 404);
}

/** One decision on one application: approve, reject or revoke (the last two need the reason the parent is told). */
function decide(
  s: Services,
  session: ReviewSession,
  kind: Notice,
  run: (id: string, actor: string, reason: string) => Promise<ApprovalResult>,
) {
  return async (ctx: Context) => {
    const reviewer = await reviewerOf(s, session, ctx);
    const app = await reviewable(s, ctx, reviewer);
    if (!app) return;
    const actor = reviewer.personId;
    const { reason } = RejectForm.parse(ctx.request.body ?? {});
    // The reason's field on this card: the one for declining, or the one for ending a binding.
    const field = kind === 'revoked' ? `revoke-${app.id}` : `reason-${app.id}`;
    if (kind !== 'approved' && !reason)
      return drawReview(s, ctx, reviewer, {
        status: 400,
        errors: {
          [field]: kind === 'revoked' ? 'binding.review.revokeReasonRequired' : 'binding.review.reasonRequired',
        },
      });
    const result = await run(app.id, actor, reason);
    if (!result.ok) {
      if (result.reason === 'not_found') throw new AppError('not_found', 404);
      if (result.reason === 'not_pending')
        return drawReview(s, ctx, reviewer, {
          status: 409,
          alert: 'binding.review.notPending',
          values: { [field]: reason },
        });
      // The approval cannot be made (the address is someone's, the child has this parent already): no field's mistake
      // but a message of its own, at the top and on the card, with a reason to decline it offered in its field, since
      // declining is what the reviewer can do.
      const key =
        result.reason === 'email_taken'
          ? 'emailTaken'
          : result.reason === 'identity_conflict'
            ? 'identityConflict'
            : 'relationshipTaken';
      return drawReview(s, ctx, reviewer, {
        status: 409,
        cannot: { app: app.id, student: app.studentName, key: `binding.review.${key}` },
        values: { [`reason-${app.id}`]: tr(ctx)(`binding.review.${key}Reason`) },
      });
    }
    seeOther(ctx, `/binding/review?${new URLSearchParams({ notice: kind, app: app.id })}`);
  };
}

export const approveApplication = (s: Services, session: ReviewSession) =>
  decide(s, session, 'approved', (id, actor) => s.binding.approveReviewed(id, actor));
export const rejectApplication = (s: Services, session: ReviewSession) =>
  decide(s, session, 'rejected', (id, actor, reason) => s.binding.reject(id, actor, reason));
export const revokeLink = (s: Services, session: ReviewSession) =>
  decide(s, session, 'revoked', (id, actor, reason) => s.binding.revoke(id, actor, reason));
