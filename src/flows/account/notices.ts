// `?done=…` after a change (post → redirect → get) names the notice to show; anything else shows none.
import type { Context } from 'koa';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';

const DONE = [
  'email',
  'emailAdded',
  'mobile',
  'mobileAdded',
  'contactPhone',
  'contactPhoneRemoved',
  'password',
  'passwordLinks',
  'language',
  'revoked',
  'alreadyRevoked',
  'signedOut',
  'alreadySignedOut',
  'signedOutOthers',
] as const;
export type Done = (typeof DONE)[number];

const DoneQuery = z.object({ done: z.enum(DONE).optional().catch(undefined) });

export function noticeOf(ctx: Context): string | undefined {
  const { done } = DoneQuery.parse(ctx.query);
  return done ? translator(chooseLocale(ctx))(`account.done.${done}`) : undefined;
}

export function redirectDone(ctx: Context, path: string, done: Done, extra: Record<string, string> = {}): void {
  ctx.status = 303;
  ctx.redirect(`${path}?${new URLSearchParams({ done, ...extra })}`);
}
