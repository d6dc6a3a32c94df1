// One app's page (GET /developers/apps/:id): its status and the bureau's note (while a resubmission waits for review,
// shown as the earlier note it answered), what is approved and what waits for review, its history, sign-ins per day;
// the secret shown once after approval (POST …/secret), a new secret with a grace period for the old one
// (POST …/rotate), disabling it (POST …/disable). Both secret posts answer with a redirect to this page, which shows
// the secret once (reveal.ts): a reload neither posts again nor shows it again. The rotation form carries how many
// rotations its page knew of: one sent again from an older page (another tab, Back) changes nothing (409), since a
// second rotation would end at once the grace of the secret in use.
import type { Context } from 'koa';
import { z } from 'zod';
import { MAX_GRACE_SECONDS } from '../../domain/clients/secrets.ts';
import type { Application, ApplicationEvent } from '../../domain/developers/applications.ts';
import { changedDetails } from '../../domain/developers/details.ts';
import { DeveloperError } from '../../domain/developers/organisations.ts';
import { formText } from '../../web/forms.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { ownApplication } from './access.ts';
import { renderDev } from './pages.ts';
import type { DeveloperReveals } from './reveal.ts';
import { developerOf } from './session.ts';

/** The grace periods a developer may pick for the old secret, in seconds (at most 7 days). */
export const GRACE_CHOICES = [0, 3600, 86_400, 3 * 86_400, MAX_GRACE_SECONDS] as const;

const DONE = z
  .enum(['submitted', 'resubmitted', 'review', 'applied', 'unchanged', 'disabled', 'alreadySent'])
  .optional()
  .catch(undefined);

/** The history's entries that send the application (or a change of it) to the bureau. */
const SENT = ['submitted', 'resubmitted', 'change_submitted'];

/**
 * While the application waits for the bureau: when it was sent (the latest sending), and — when it answers an earlier
 * decision (changes asked for, or a change of an approved app) — when that decision was made: its note is then the
 * earlier one, answered, not what the bureau asks now.
 */
function reviewRound(
  app: Pick<Application, 'status'>,
  events: ApplicationEvent[],
): { sentAt?: Date; answers?: Date } | undefined {
  if (app.status !== 'submitted') return undefined;
  const decided = events.findLastIndex((e) => e.action.startsWith('decided'));
  const sent = events.findLast((e, i) => i > decided && SENT.includes(e.action));
  return { sentAt: sent?.at, answers: decided >= 0 ? events[decided]!.at : undefined };
}

/** How many new secrets an app's history holds: the rotation form's version. */
const rotationsIn = (events: ApplicationEvent[]) => events.filter((e) => e.action === 'secret_rotated').length;

async function renderApp(
  ctx: Context,
  s: Services,
  extra: {
    secret?: string;
    rotated?: boolean;
    secretShownOnce?: boolean;
    secretChanged?: boolean;
    /** The disable form was sent without its "yes": said under its box. */
    disableUnconfirmed?: boolean;
    status?: number;
  } = {},
) {
  const app = await ownApplication(s, ctx);
  const [events, signIns] = await Promise.all([
    s.developers.applications.events(app.id),
    app.clientId ? s.developers.applications.signInsPerDay(app.clientId, 14) : Promise.resolve([]),
  ]);
  if (extra.secret) ctx.set('Cache-Control', 'no-store');
  renderDev(ctx, 'app', {
    title: 'developers.app.title',
    titleVars: { name: app.details.app_name },
    app,
    pendingFields: app.live && app.status === 'submitted' ? changedDetails(app.live, app.details) : [],
    review: reviewRound(app, events),
    events,
    rotations: rotationsIn(events),
    signIns,
    maxSignIns: Math.max(1, ...signIns.map((d) => d.count)),
    done: DONE.parse(ctx.query.done),
    graceChoices: GRACE_CHOICES,
    discovery: `${s.issuer}/.well-known/openid-configuration`,
    ...extra,
  });
}

export function showApp(s: Services, reveals: DeveloperReveals) {
  return async (ctx: Context) => {
    const app = await ownApplication(s, ctx);
    const revealed = await reveals.take(ctx, app.id, ['secret', 'rotated']);
    if (!revealed) return renderApp(ctx, s);
    // Shown now, or said plainly that it was shown once (a reload, Back, the address opened again).
    await renderApp(
      ctx,
      s,
      revealed.value
        ? { secret: revealed.value, rotated: revealed.kind === 'rotated' }
        : { secretShownOnce: !app.secretUnseen },
    );
  };
}

export function revealSecret(s: Services, reveals: DeveloperReveals) {
  return async (ctx: Context) => {
    const app = await ownApplication(s, ctx);
    const secret = await s.developers.applications.revealSecret(app.id, developerOf(ctx).id);
    // Shown already (the form sent again): the page says so.
    const token = secret ? await reveals.keep(ctx, app.id, 'secret', secret) : 'shown';
    seeOther(ctx, `/developers/apps/${app.id}?reveal=${token}`);
  };
}

const RotateForm = z.object({
  grace: z.coerce.number().int().catch(-1),
  rotations: z.coerce.number().int().min(0).optional().catch(undefined),
});

export function rotateSecret(s: Services, reveals: DeveloperReveals) {
  return async (ctx: Context) => {
    const app = await ownApplication(s, ctx);
    const { grace, rotations } = RotateForm.parse(ctx.request.body ?? {});
    if (!(GRACE_CHOICES as readonly number[]).includes(grace) || !app.clientId || app.details.kind === 'spa')
      return renderApp(ctx, s, { status: 400 });
    try {
      // A form without the count (a page from before it) is taken as stale: the page drawn now carries it.
      const secret = await s.developers.applications.rotateSecret(app.id, grace, developerOf(ctx).id, rotations ?? -1);
      const token = await reveals.keep(ctx, app.id, 'rotated', secret);
      seeOther(ctx, `/developers/apps/${app.id}?reveal=${token}`);
    } catch (err) {
      if (!(err instanceof DeveloperError) || err.key !== 'secretChanged') throw err;
      await renderApp(ctx, s, { secretChanged: true, status: 409 });
    }
  };
}

const DisableForm = z.object({ confirm: formText(10) });

export function disableApp(s: Services) {
  return async (ctx: Context) => {
    const app = await ownApplication(s, ctx);
    if (!app.clientId) return renderApp(ctx, s, { status: 400 });
    if (DisableForm.parse(ctx.request.body ?? {}).confirm !== 'yes')
      return renderApp(ctx, s, { status: 400, disableUnconfirmed: true });
    await s.developers.applications.setDisabled(app.id, true, developerOf(ctx).id);
    seeOther(ctx, `/developers/apps/${app.id}?done=disabled`);
  };
}
