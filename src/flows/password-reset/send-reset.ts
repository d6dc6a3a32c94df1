// Sends what a reset request asks for: a one-use link by email or a 6-digit code by SMS, to the verified address
// or number of an active person. Unknown targets get the same answer, as fast (an SMS ticket with no person behind it).
import type { Person } from '../../domain/people/persons.ts';
import { resetLinkMail } from '../../domain/people/reset-mail.ts';
import type { Services } from '../../web/services.ts';
import { resetSms } from './messages.ts';
import type { ResetTarget } from './reset-target.ts';
import type { ResetState } from './state.ts';

export type ResetSent = { channel: 'email' } | { channel: 'sms'; ticket: string };

/**
 * The answer does not wait for the lookup: finding the person and sending run after it (s.background), so an address
 * with an account is answered exactly as fast as one without. An SMS ticket is issued at once, without a person; when
 * the number has one, the ticket is issued again for that person with the code that is sent.
 */
export async function sendReset(
  s: Services,
  state: ResetState,
  target: ResetTarget,
  interaction: string | undefined,
): Promise<ResetSent> {
  const requested = (personId: string, via: string) => ({
    actor: 'anonymous',
    action: 'password.reset_requested',
    subject: personId,
    detail: { via },
  });
  const issuedAt = Date.now();
  if (target.channel === 'email') {
    s.background.run('password reset mail', async () => {
      const person: Person | undefined = await s.people.findByVerifiedContact('email', target.email);
      const mail = person && (await resetLinkMail(state.tokens, s.issuer, person, interaction));
      if (!person || !mail) return;
      await s.outbox.enqueue(mail, requested(person.id, 'email'));
    });
    return { channel: 'email' };
  }
  const { mobile } = target;
  const { ticket } = await state.codes.issue({ personId: null, interaction, issuedAt, mobile });
  s.background.run('password reset code', async () => {
    const person: Person | undefined = await s.people.findByVerifiedContact('mobile', target.mobile);
    if (!person?.mobile) return;
    const { code } = await state.codes.issue({ personId: person.id, interaction, issuedAt, mobile }, ticket);
    await s.outbox.enqueue(resetSms(person.mobile, code), requested(person.id, 'sms'));
  });
  return { channel: 'sms', ticket };
}
