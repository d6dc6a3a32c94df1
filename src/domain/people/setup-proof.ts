// The first set-up of a second factor, proven: whoever has only the password must not make the account's second
// factor theirs. Before the page shows a new authenticator's secret or makes a passkey, a 6-digit code goes to the
// account's verified email, else its verified mobile (the one rule of where account notices go: notices.ts
// accountNotice), and the right code marks this interaction as proven for this person. The code: 10 minutes, 5 tries
// (one-use.ts), wrong ones counted with the second factor's (countedTry: per person, per address, per day); codes sent
// per person an hour and "send again" an hour are limited (limits.ts SETUP_PROOF). The code never goes to a log.
import { z } from 'zod';
import { SETUP_PROOF } from '../../platform/limits.ts';
import type { CodeKind, OneUseKind, OneUseStore } from '../../platform/one-use.ts';
import type { Throttle } from '../../platform/throttle.ts';
import type { Channel, NewMessage, Outbox } from '../outbox/outbox.ts';
import { maskEmail, maskMobile } from './masks.ts';
import { accountNotice, type NoticeTarget } from './notices.ts';
import type { Person } from './persons.ts';
import { type CodeResult, countedTry } from './second-factor.ts';

const Pending = z.object({ personId: z.uuid(), channel: z.enum(['email', 'sms']), to: z.string().max(320) });
const Proven = z.object({ personId: z.uuid() });

/** Where the code went, as a page may show it: the channel and the address or number masked. */
export type SentTo = { channel: Channel; masked: string };

export type ProofCheck =
  | { result: 'ok' }
  | { result: 'wrong'; triesLeft: number }
  | { result: 'too_many' }
  | { result: 'expired' }
  | { result: 'limited' };

const masked = (channel: Channel, to: string) => (channel === 'email' ? maskEmail(to) : maskMobile(to));

export class SetupProof {
  readonly #throttle: Throttle;
  readonly #outbox: Pick<Outbox, 'offers' | 'enqueue'>;
  readonly #codes: CodeKind<z.infer<typeof Pending>>;
  readonly #proven: OneUseKind<z.infer<typeof Proven>>;

  constructor(deps: { throttle: Throttle; oneUse: OneUseStore; outbox: Pick<Outbox, 'offers' | 'enqueue'> }) {
    this.#throttle = deps.throttle;
    this.#outbox = deps.outbox;
    this.#codes = deps.oneUse.codes({
      name: 'second-factor-setup-code',
      schema: Pending,
      ttlSeconds: SETUP_PROOF.codeSeconds,
      maxTries: SETUP_PROOF.triesPerCode,
    });
    // Kept for the interaction only (its uid), as long as the first factor waits at most, with some to spare.
    this.#proven = deps.oneUse.kind({ name: 'second-factor-setup-proven', schema: Proven, ttlSeconds: 30 * 60 });
  }

  /** The message that would carry the code (no code in it yet: only where it goes), or none: no verified contact. */
  #message(person: NoticeTarget & Pick<Person, 'name'>, code: string): NewMessage | undefined {
    const keys = {
      subject: 'password.mail.setupCodeSubject',
      text: 'password.mail.setupCodeText',
      sms: 'password.mail.setupCodeSms',
    };
    return accountNotice(
      person,
      'second_factor_setup_code',
      keys,
      () => ({ name: person.name, code }),
      (c) => this.#outbox.offers(c),
    );
  }

  /** Where a code for this person would go; none when the account has no verified email or mobile to reach. */
  target(person: NoticeTarget & Pick<Person, 'name'>): SentTo | undefined {
    const message = this.#message(person, '000000');
    return message && { channel: message.channel, masked: masked(message.channel, message.to) };
  }

  /** Whether the code was proven in this interaction, for this person. */
  async proven(uid: string, personId: string): Promise<boolean> {
    return (await this.#proven.peek(uid))?.personId === personId;
  }

  /** The code waiting in this interaction for this person: where it went. */
  async pending(uid: string, personId: string): Promise<SentTo | undefined> {
    const value = await this.#codes.peek(ticketOf(uid, personId));
    return value && value.personId === personId
      ? { channel: value.channel, masked: masked(value.channel, value.to) }
      : undefined;
  }

  /**
   * Sends a new code (one waiting before stops working), counted per person and per network address. `again`: the
   * person asked ("send again"). `none`: no verified contact; `limited`: too many codes this hour (seconds to wait).
   */
  async send(
    uid: string,
    person: NoticeTarget & Pick<Person, 'id' | 'name'>,
    address: string,
    again = false,
  ): Promise<SentTo | 'none' | { limited: number }> {
    if (!this.target(person)) return 'none';
    if (again && !(await this.#throttle.allow(SETUP_PROOF.again, person.id)))
      return { limited: SETUP_PROOF.again.windowSeconds };
    const allowed = await Promise.all([
      this.#throttle.allow(SETUP_PROOF.sent, person.id),
      this.#throttle.allow(SETUP_PROOF.address, address),
    ]);
    if (allowed.includes(false)) return { limited: SETUP_PROOF.sent.windowSeconds };
    const ticket = ticketOf(uid, person.id);
    // The channel and address first (the code's value names them), then the code itself in the message.
    const where = this.#message(person, '000000');
    if (!where) return 'none';
    const { code } = await this.#codes.issue({ personId: person.id, channel: where.channel, to: where.to }, ticket);
    const message = this.#message(person, code);
    if (!message) return 'none';
    await this.#outbox.enqueue(message);
    return { channel: message.channel, masked: masked(message.channel, message.to) };
  }

  /**
   * Checks a code typed in this interaction, counted with the second factor's tries (countedTry). The right one marks
   * the interaction proven for this person.
   */
  async check(uid: string, who: { personId: string; address: string }, code: string): Promise<ProofCheck> {
    const ticket = ticketOf(uid, who.personId);
    // No code waiting (gone, used up, never sent): nothing to guess at, nothing counted.
    if (!(await this.#codes.peek(ticket))) return { result: 'expired' };
    let check: ProofCheck = { result: 'expired' };
    const counted: CodeResult = await countedTry(this.#throttle, who, async () => {
      const checked = await this.#codes.check(ticket, code);
      check =
        checked.result === 'ok' && checked.value.personId !== who.personId
          ? { result: 'expired' }
          : checked.result === 'wrong'
            ? { result: 'wrong', triesLeft: checked.triesLeft }
            : { result: checked.result };
      return check.result === 'ok';
    });
    if (counted === 'ok') {
      await this.#proven.save(uid, { personId: who.personId });
      return { result: 'ok' };
    }
    if (counted === 'limited') return { result: 'limited' };
    return check;
  }
}

const ticketOf = (uid: string, personId: string) => `${uid}.${personId}`;
