// Sends what a reset request asks for: a one-use link by email or a 6-digit code by SMS, to the verified address
// or number of an active person. Unknown targets get the same outcome (an SMS ticket with no person behind it).
import type { Person } from '../../domain/people/persons.ts';
import type { Services } from '../../web/services.ts';
import { resetMail, resetSms } from './messages.ts';
import type { ResetTarget } from './reset-target.ts';
import type { ResetState } from './state.ts';

export type ResetSent = { channel: 'email' } | { channel: 'sms'; ticket: string };

export async function sendReset(
  s: Services,
  state: ResetState,
  target: ResetTarget,
  interaction: string | undefined,
): Promise<ResetSent> {
  const person: Person | undefined =
    target.channel === 'email'
      ? await s.people.findByVerifiedContact('email', target.email)
      : await s.people.findByVerifiedContact('mobile', target.mobile);
  const requested = (personId: string, via: string) => ({
    actor: 'anonymous',
    action: 'password.reset_requested',
    subject: personId,
    detail: { via },
  });
  if (target.channel === 'email') {
    if (person?.email) {
      const token = await state.tokens.issue({ personId: person.id, via: 'email', interaction, issuedAt: Date.now() });
      await s.outbox.enqueue(
        resetMail(person.email, person.name, `${s.issuer}/password/reset?token=${token}`),
        requested(person.id, 'email'),
      );
    }
    return { channel: 'email' };
  }
  const { ticket, code } = await state.codes.issue({ personId: person?.id ?? null, interaction, issuedAt: Date.now() });
  if (person?.mobile) {
    await s.outbox.enqueue(resetSms(person.mobile, code), requested(person.id, 'sms'));
  }
  return { channel: 'sms', ticket };
}
