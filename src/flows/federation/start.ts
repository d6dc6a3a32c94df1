// Starting the upstream leg: from the sign-in page ("以 Google 登入", GET /interaction/:uid/federation/:id), or from the
// account portal (link another account, POST /federation/:id/link). Either way the browser goes to the upstream.
import type { Context } from 'koa';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { loadInteraction } from '../../web/interaction.ts';
import { accountOf } from '../../web/require-account.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { browserBinding, UPSTREAM_ID } from './state.ts';

function upstreamId(ctx: Context): string {
  const id = ctx.params.id;
  if (typeof id !== 'string' || !UPSTREAM_ID.test(id)) throw new AppError('not_found', 404);
  return id;
}

export function startSignIn(s: Services) {
  return async (ctx: Context) => {
    const id = upstreamId(ctx);
    const { details } = await loadInteraction(ctx, s, 'login');
    const maxAge = Number.parseInt(String(details.params.max_age ?? ''), 10);
    // The app asked for a fresh sign-in (prompt=login): the leg asks the upstream as linking asks it (prompt=login and
    // max_age=0), so that it must say when it signed the person in (auth_time, checked against the leg's start) — an
    // upstream that ignores prompt=login and answers from an old session is refused rather than taken as fresh.
    const login = String(details.params.prompt ?? '')
      .split(' ')
      .includes('login');
    const begun = await s.upstreamLeg.begin(id, 'sign-in', {
      interaction: details.uid,
      browser: browserBinding.get(ctx),
      locale: chooseLocale(ctx),
      reauthenticate: {
        login,
        maxAge: Number.isSafeInteger(maxAge) && maxAge >= 0 ? maxAge : undefined,
      },
    });
    if (!begun.ok) {
      s.log.warn({ upstream: id, reason: begun.reason }, 'upstream sign-in could not start');
      return seeOther(ctx, `/interaction/${details.uid}?federation=${begun.reason}&upstream=${id}`);
    }
    browserBinding.set(ctx, begun.browser);
    seeOther(ctx, begun.url);
  };
}

export function startLink(s: Services) {
  return async (ctx: Context) => {
    const id = upstreamId(ctx);
    const { person } = accountOf(ctx);
    const begun = await s.upstreamLeg.begin(id, 'link', {
      personId: person.id,
      browser: browserBinding.get(ctx),
      locale: chooseLocale(ctx),
    });
    if (!begun.ok) return seeOther(ctx, `/account/links?result=${begun.reason}&upstream=${id}`);
    browserBinding.set(ctx, begun.browser);
    seeOther(ctx, begun.url);
  };
}
