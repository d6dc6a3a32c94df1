// GET /account/links — the other accounts linked to this one (provider, masked upstream email, linked since, last
// used), the upstreams still to link (POST /federation/:id/link starts the leg), and unlinking
// (POST /account/links/:id/unlink); the last way in cannot be removed. `?result=…` reports how a link attempt ended.
import type { Context } from 'koa';
import { z } from 'zod';
import { maskEmail } from '../../domain/people/masks.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { accountOf } from '../../web/require-account.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderAccount } from './pages.ts';
import { formatTime } from './time.ts';

/** How a link attempt or an unlinking ended: good news as a notice, the rest as an alert. */
const GOOD = ['linked', 'already_yours', 'unlinked'] as const;
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
const Result = z.object({
  result: z
    .enum([...GOOD, ...BAD])
    .optional()
    .catch(undefined),
});

export function showLinks(s: Services) {
  return async (ctx: Context) => {
    const locale = chooseLocale(ctx);
    const t = translator(locale);
    const { person } = accountOf(ctx);
    const [links, upstreams] = await Promise.all([s.federatedLinks.list(person.id), s.upstreams.list()]);
    const names = new Map(upstreams.map((u) => [u.id, u.name]));
    const { result } = Result.parse(ctx.query);
    const good = (GOOD as readonly string[]).includes(result ?? '');
    // An upstream named in the address is shown only by its configured name ("you cancelled at …").
    const provider = typeof ctx.query.upstream === 'string' ? names.get(ctx.query.upstream) : undefined;
    const named = provider && (result === 'cancelled' || result === 'unavailable');
    const message = result && t(`account.links.result.${result}${named ? 'At' : ''}`, { provider: provider ?? '' });
    const canUnlink = !!person.password_hash || links.length > 1;
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

export function unlink(s: Services) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const params = LinkParam.safeParse(ctx.params);
    const result = params.success ? await s.federatedLinks.unlink(person.id, params.data.linkId) : 'missing';
    seeOther(ctx, `/account/links?result=${result}`);
  };
}
