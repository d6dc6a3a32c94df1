// Apps named in a list of sign-ins or calls: by their registered name, our own page groups in the page's language, and
// an app since deleted by its id.
import type { Context } from 'koa';
import { ownPagesName } from '../domain/clients/own-pages.ts';
import { chooseLocale } from '../platform/i18n/index.ts';
import type { Services } from './services.ts';

/** Reads the names of the apps these entries name, once; answers '' for an entry with none. */
export async function clientNamer(
  ctx: Context,
  s: Services,
  entries: { clientId?: string | null }[],
): Promise<(clientId: string | null | undefined) => string> {
  const locale = chooseLocale(ctx);
  const ids = [...new Set(entries.map((e) => e.clientId).filter((c): c is string => !!c))];
  const names = await s.clients.names(ids);
  return (clientId) => (clientId ? (ownPagesName(clientId, locale) ?? names.get(clientId) ?? clientId) : '');
}
