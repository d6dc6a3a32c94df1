// Throttling of password sign-ins, counted in the shared store so every server process counts together.
// Per account: an image captcha after 3 failures, then a lock whose length doubles with every further failure.
// Per network address: a captcha after many failures (schools share addresses), a hard stop after very many.
import crypto from 'node:crypto';
import type { SharedStore } from '../../platform/shared-store/types.ts';

export const GUARD = {
  windowSeconds: 15 * 60,
  captchaAfter: 3,
  lockAfter: 10,
  maxLockSeconds: 60 * 60,
  addressCaptchaAfter: 30,
  addressBlockAfter: 300,
} as const;

/** `accountFailures`: the account's failures in the window (a success with none has nothing to reset). */
export type GuardState = { captcha: boolean; retryAfterSeconds?: number; accountFailures: number };

/** Keys carry a digest, never the login name or address itself. */
const digest = (value: string) => crypto.createHash('sha256').update(value).digest('base64url').slice(0, 22);
const accountKey = (login: string) => `signin:fail:acct:${digest(login.trim().toLowerCase())}`;
const lockKey = (login: string) => `signin:lock:acct:${digest(login.trim().toLowerCase())}`;
const addressKey = (address: string) => `signin:fail:addr:${digest(address)}`;

export async function guardState(store: SharedStore, login: string | undefined, address: string): Promise<GuardState> {
  const [accountFailures, addressFailures, lockedUntil] = await Promise.all([
    login ? store.count(accountKey(login)) : 0,
    store.count(addressKey(address)),
    login ? store.peek(lockKey(login)) : undefined,
  ]);
  const now = Date.now();
  const lockLeft = lockedUntil ? Math.ceil((Number(lockedUntil) - now) / 1000) : 0;
  if (lockLeft > 0) return { captcha: true, retryAfterSeconds: lockLeft, accountFailures };
  if (addressFailures >= GUARD.addressBlockAfter) return { captcha: true, retryAfterSeconds: GUARD.windowSeconds, accountFailures };
  return { captcha: accountFailures >= GUARD.captchaAfter || addressFailures >= GUARD.addressCaptchaAfter, accountFailures };
}

export async function recordFailure(store: SharedStore, login: string, address: string): Promise<void> {
  const [failures] = await Promise.all([
    store.increment(accountKey(login), GUARD.windowSeconds),
    store.increment(addressKey(address), GUARD.windowSeconds),
  ]);
  if (failures >= GUARD.lockAfter) {
    const seconds = Math.min(60 * 2 ** (failures - GUARD.lockAfter), GUARD.maxLockSeconds);
    await store.put(lockKey(login), String(Date.now() + seconds * 1000), seconds);
  }
}

export async function recordSuccess(store: SharedStore, login: string): Promise<void> {
  await store.reset(accountKey(login));
}
