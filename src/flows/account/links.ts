// GET /account/links — the other accounts linked to this one (provider, masked upstream email, linked since, last
// used), the upstreams still to link (POST /federation/:id/link starts the leg), and unlinking: 取消連結 is a link to
// GET /account/links/:id/unlink, a page that asks first (no JavaScript needed); its button posts confirm=yes to
// POST /account/links/:id/unlink. The last way in cannot be removed. `?result=…` reports how a link attempt ended,
// shown only when the page's own data agrees with it (see `believable`).
import type { Context } from 'koa';
import { z } from 'zod';
import { maskEmail } from '../../domain/people/masks.ts';
import type { LinkedAccount } from '../../domain/upstreams/links.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { accountOf } from '../../web/require-account.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderAccount } from './pages.ts';
import { formatTime } from './time.ts';

/** How a link attempt or an unlinking ended: good news as a notice, the rest as an alert. */
const GOOD = ['linked', 'already_yours', 'unlinked'] as const;
/** Outcomes said with the upstream's configured name when the address names one (`…At`). */
const NAMED = new Set(['linked', 'already_yours', 'unlinked', 'cancelled', 'unavailable']);
const BAD = [
  'taken',
  'provider_linked',
  'cancelled',
  'failed',
  'unavailable',
  'disabled',
  'expired',
  'last',
  'missing',
] as const;
type Outcome = (typeof GOOD)[number] | (typeof BAD)[number];
const Result = z.object({
  result: z
    .enum([...GOOD, ...BAD])
    .optional()
    .catch(undefined),
});

/** A link made this long ago or less still counts as "just linked" for `?result=linked`. */
const JUST_LINKED_MS = 10 * 60 * 1000;

/**
 * Whether `?result=` may be shown. The address is anyone's to write: a link sent to a pupil could say "Linked." over a
 * page where nothing was linked. The redirects that set it (federation's callback and start, and `unlink` below) are
 * not signed, so the check is made here, on the reading side, against what the page itself shows:
 * - linked: a link made in the last few minutes exists (of the upstream named by `upstream=`, if any; the callback's
 *   redirect names none);
 * - already_yours: a link exists (of the named upstream, if any);
 * - unlinked: `upstream=` names an upstream (the unlink handler always sends it) that is not linked now;
 * - last: only while this really is the last way in; provider_linked: only while some link exists.
 * The other outcomes are failures (cancelled, failed, …): a forged one at most asks the person to try again, so
 * they are shown as they come. Nothing is shown that contradicts the page.
 */
function believable(
  result: Outcome,
  upstream: string | undefined,
  links: LinkedAccount[],
  canUnlink: boolean,
  now: number,
): boolean {
  const named = upstream === undefined ? links : links.filter((l) => l.provider === upstream);
  switch (result) {
    case 'linked':
      return named.some((l) => now - l.createdAt.getTime() <= JUST_LINKED_MS);
    case 'already_yours':
    case 'provider_linked':
      return named.length > 0;
    case 'unlinked':
      return upstream !== undefined && named.length === 0;
    case 'last':
      return !canUnlink;
    default:
      return true;
  }
}

export function showLinks(s: Services) {
  return async (ctx: Context) => {
    const locale = chooseLocale(ctx);
    const t = translator(locale);
    const { person } = accountOf(ctx);
    const [links, upstreams] = await Promise.all([s.federatedLinks.list(person.id), s.upstreams.list()]);
    const names = new Map(upstreams.map((u) => [u.id, u.name]));
    const canUnlink = !!person.password_hash || links.length > 1;
    const parsed = Result.parse(ctx.query).result;
    // The upstream named in the address counts only when it is a configured upstream's id; never shown as words.
    const upstream =
      typeof ctx.query.upstream === 'string' && names.has(ctx.query.upstream) ? ctx.query.upstream : undefined;
    const result = parsed && believable(parsed, upstream, links, canUnlink, Date.now()) ? parsed : undefined;
    const good = (GOOD as readonly string[]).includes(result ?? '');
    // An upstream named in the address is shown only by its configured name ("you cancelled at …").
    const provider = upstream ? names.get(upstream) : undefined;
    const named = provider && NAMED.has(result ?? '');
    const message = result && t(`account.links.result.${result}${named ? 'At' : ''}`, { provider: provider ?? '' });
    renderAccount(ctx, 'links', 'links', {
      links: links.map((l) => ({
        id: l.id,
        provider: names.get(l.provider) ?? l.provider,
        email: l.email ? maskEmail(l.email) : undefined,
        since: formatTime(l.createdAt, locale),
        lastUsed: l.lastUsedAt ? formatTime(l.lastUsedAt, locale) : undefined,
      })),
      canUnlink,
      toLink: upstreams.filter((u) => u.enabled && !links.some((l) => l.provider === u.id)),
      notice: good ? message : undefined,
      alert: good ? undefined : message,
    });
  };
}

const LinkParam = z.object({ linkId: z.uuid() });
/** The confirmation page's button sends this; without it a POST only shows the page that asks. */
const Confirmed = z.object({ confirm: z.literal('yes').optional().catch(undefined) });

/** This person's link named in the address, with what the page that asks needs; undefined: not theirs or gone. */
async function linkToUnlink(ctx: Context, s: Services) {
  const { person } = accountOf(ctx);
  const params = LinkParam.safeParse(ctx.params);
  if (!params.success) return undefined;
  const [links, upstreams] = await Promise.all([s.federatedLinks.list(person.id), s.upstreams.list()]);
  const link = links.find((l) => l.id === params.data.linkId);
  if (!link) return undefined;
  const name = upstreams.find((u) => u.id === link.provider)?.name ?? link.provider;
  return { link, name, last: !person.password_hash && links.length <= 1 };
}

/**
 * GET /account/links/:linkId/unlink — asks before unlinking: which account (upstream, masked email), that it can no
 * longer sign in here afterwards (and can be linked again), 確定取消連結 and the way back. For the last way in it says
 * why it cannot go, with no button. Also the answer to a POST without confirm=yes (200, nothing done).
 */
export function askUnlink(s: Services) {
  return async (ctx: Context) => {
    const found = await linkToUnlink(ctx, s);
    if (!found) return seeOther(ctx, '/account/links?result=missing');
    const t = translator(chooseLocale(ctx));
    renderAccount(ctx, 'unlink', 'links', {
      heading: t('account.links.confirm.title'),
      linkId: found.link.id,
      provider: found.name,
      email: found.link.email ? maskEmail(found.link.email) : undefined,
      last: found.last,
    });
  };
}

/** POST /account/links/:linkId/unlink — unlinks only with confirm=yes (the page that asks); without it, that page. */
export function unlink(s: Services) {
  return async (ctx: Context) => {
    if (Confirmed.parse(ctx.request.body ?? {}).confirm !== 'yes') return askUnlink(s)(ctx);
    const { person } = accountOf(ctx);
    const found = await linkToUnlink(ctx, s);
    const result = found ? await s.federatedLinks.unlink(person.id, found.link.id) : 'missing';
    // The upstream goes along so that the links page can check "unlinked" against itself (see `believable`).
    const upstream = found && result === 'unlinked' ? `&upstream=${encodeURIComponent(found.link.provider)}` : '';
    seeOther(ctx, `/account/links?result=${result}${upstream}`);
  };
}
