// bcrypt compares at the server's cost, the price of every password sign-in (runs on libuv's thread pool).
import bcrypt from 'bcrypt';
import { type Limits, measure } from '../lib/timing.ts';

export async function bcryptCompares(cost: number, limits: Limits) {
  const hash = await bcrypt.hash('Bench-password-2026', cost);
  return measure(`bcrypt compare (cost ${cost})`, 'bcrypt', limits, async () => async () => {
    if (!(await bcrypt.compare('Bench-password-2026', hash))) throw new Error('bcrypt: no match');
  });
}

/** argon2id verifications with OWASP's parameters (PASSWORD_HASH=argon2id), the price of a sign-in with them. */
export async function argon2Compares(limits: Limits) {
  const argon2 = (await import('argon2')).default;
  const { ARGON2ID } = await import('../../src/domain/people/passwords.ts');
  const hash = await argon2.hash('Bench-password-2026', ARGON2ID);
  return measure('argon2id verify (m=19 MiB, t=2, p=1)', 'argon2id', limits, async () => async () => {
    if (!(await argon2.verify(hash, 'Bench-password-2026'))) throw new Error('argon2id: no match');
  });
}
