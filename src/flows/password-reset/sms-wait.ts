// Wrong SMS reset codes, counted per mobile number across all its codes (each code allows 5 tries; limits.ts
// PASSWORD_RESET.wrongCodes): from the 10th in a day, reset by SMS for that number waits a day, and the code page and
// the forgot page say until when, with the other ways (the email address, the school). Counted for every number
// typed, whether an account uses it or not, so the answer says nothing about accounts.

import type { Locale } from '../../platform/i18n/index.ts';
import { PASSWORD_RESET } from '../../platform/limits.ts';
import type { Services } from '../../web/services.ts';
import { taipeiTime } from '../../web/taipei-time.ts';
import type { ResetState } from './state.ts';

const WAIT = 'reset-code-wait';
const subject = (mobile: string) => `sms:${mobile}`;

type Check = Awaited<ReturnType<ResetState['codes']['check']>>;

/** Seconds reset by SMS for this number still waits; 0 when it does not. */
export const smsWaitSeconds = (s: Services, mobile: string) => s.throttle.lockedFor(WAIT, subject(mobile));

/** When the wait ends, as the page's language writes it (Taipei time, to the minute). */
export const waitUntil = (seconds: number, locale: Locale) =>
  taipeiTime(new Date(Date.now() + seconds * 1000), locale, 'minutes');

/**
 * Checks the code of `ticket`, counted against its number (a code of a ticket without one, issued before numbers were
 * kept, is checked as before). `wait`: the number waits now (this try was over the limit, or the last one it allowed):
 * nothing was checked, or the wrong code is answered with the wait.
 */
export async function checkCounted(
  s: Services,
  state: ResetState,
  ticket: string,
  code: string,
  mobile: string | undefined,
): Promise<Check | { result: 'wait'; seconds: number }> {
  if (!mobile) return state.codes.check(ticket, code);
  const limit = PASSWORD_RESET.wrongCodes;
  let check = { result: 'expired' } as Check;
  const counted = await s.throttle.attempt(limit, subject(mobile), async () => {
    check = await state.codes.check(ticket, code);
    return check.result === 'ok';
  });
  // No code was guessed at a ticket that is gone: not a wrong code.
  if (counted.outcome === 'wrong' && check.result === 'expired') await s.throttle.refund(limit, subject(mobile));
  const spent =
    counted.outcome === 'limited' || (check.result !== 'ok' && check.result !== 'expired' && counted.left <= 0);
  if (!spent) return check;
  const seconds = PASSWORD_RESET.wrongCodesWaitSeconds;
  await s.throttle.lock(WAIT, subject(mobile), seconds);
  return { result: 'wait', seconds };
}
