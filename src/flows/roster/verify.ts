// Checks a school-issued verification credential. Failures are counted per client address (captcha from the third,
// refusal from the twentieth within 15 minutes) and per account (refusal from the tenth); every failure looks the
// same to the person: wrong, unknown and already-claimed credentials get one message.
import type { Knex } from 'knex';
import { decoyHash, verifyPassword } from '../../domain/people/passwords.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import { findCredential } from './credentials.ts';

export const WINDOW_SECONDS = 15 * 60;
export const CAPTCHA_AFTER = 3;
export const IP_LIMIT = 20;
export const ACCOUNT_LIMIT = 10;

const ipKey = (ip: string) => `roster:fail:ip:${ip}`;
const accountKey = (school: string, account: string) => `roster:fail:acct:${school}:${account.toLowerCase()}`;

export async function captchaNeeded(store: SharedStore, ip: string): Promise<boolean> {
  return (await store.count(ipKey(ip))) >= CAPTCHA_AFTER;
}

export type VerifyResult = { ok: true; credentialId: string } | { ok: false; reason: 'wrong' | 'limited' };

export async function verifyCredential(
  deps: { db: Knex; shared: SharedStore; bcryptCost: number },
  q: { ip: string; schoolCode: string; role: string; account: string; password: string },
): Promise<VerifyResult> {
  if ((await deps.shared.count(ipKey(q.ip))) >= IP_LIMIT || (await deps.shared.count(accountKey(q.schoolCode, q.account))) >= ACCOUNT_LIMIT) {
    return { ok: false, reason: 'limited' };
  }
  const row = await findCredential(deps.db, q);
  const matches = await verifyPassword(q.password, row?.password_hash ?? (await decoyHash(deps.bcryptCost)));
  if (row && matches && !row.claimed_by_person_id) {
    await deps.shared.reset(accountKey(q.schoolCode, q.account));
    return { ok: true, credentialId: row.id };
  }
  await deps.shared.increment(ipKey(q.ip), WINDOW_SECONDS);
  await deps.shared.increment(accountKey(q.schoolCode, q.account), WINDOW_SECONDS);
  return { ok: false, reason: 'wrong' };
}
