// bcrypt compares at the server's cost, the price of every password sign-in (runs on libuv's thread pool).
import bcrypt from 'bcrypt';
import { type Limits, measure } from '../lib/timing.ts';

export async function bcryptCompares(cost: number, limits: Limits) {
  const hash = await bcrypt.hash('Bench-password-2026', cost);
  return measure(`bcrypt compare (cost ${cost})`, 'bcrypt', limits, async () => async () => {
    if (!(await bcrypt.compare('Bench-password-2026', hash))) throw new Error('bcrypt: no match');
  });
}
