// Passkeys as the second factor (issue 14, item 1): WebAuthn registration and authentication with
// @simplewebauthn/server, for our own origin. A challenge is kept under the interaction's uid (one use, 5 minutes);
// a failed check counts against the person like a wrong code. The credential's public key and counter are kept; a
// counter that goes backwards (a cloned authenticator) is refused.
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { OneUseKind, OneUseStore } from '../../platform/one-use.ts';
import type { Throttle } from '../../platform/throttle.ts';
import { recordAudit } from '../audit.ts';
import type { Channel } from '../outbox/outbox.ts';
import { queueSecondFactorNotice } from './notices.ts';
import { countedTry } from './second-factor.ts';

/** Loaded at the first passkey, not at start: most processes never see one (memory at rest). */
const webauthn = () => import('@simplewebauthn/server');

const Challenge = z.object({
  personId: z.uuid(),
  challenge: z.string().max(200),
  kind: z.enum(['register', 'sign-in']),
});

type Stored = { id: string; public_key: Buffer; counter: string | number; transports: unknown };

export type PasskeyResult = 'ok' | 'wrong' | 'limited';

export class Passkeys {
  readonly #db: Knex;
  readonly #throttle: Throttle;
  readonly #challenges: OneUseKind<z.infer<typeof Challenge>>;
  readonly #origin: string;
  readonly #rpId: string;
  readonly #rpName: string;
  readonly #offers: (channel: Channel) => boolean;

  constructor(deps: {
    db: Knex;
    throttle: Throttle;
    oneUse: OneUseStore;
    issuer: string;
    rpName: string;
    /** Which channels notices may go by (the outbox's): the person is told when a passkey is added. */
    offers: (channel: Channel) => boolean;
  }) {
    this.#db = deps.db;
    this.#offers = deps.offers;
    this.#throttle = deps.throttle;
    this.#challenges = deps.oneUse.kind({ name: 'passkey-challenge', schema: Challenge, ttlSeconds: 5 * 60 });
    this.#origin = new URL(deps.issuer).origin;
    this.#rpId = new URL(deps.issuer).hostname;
    this.#rpName = deps.rpName;
  }

  async count(personId: string): Promise<number> {
    const [row] = await this.#db('person_passkeys').where({ person_id: personId }).count({ n: '*' });
    return Number(row?.n ?? 0);
  }

  async #stored(personId: string): Promise<Stored[]> {
    return this.#db('person_passkeys')
      .where({ person_id: personId })
      .select('id', 'public_key', 'counter', 'transports');
  }

  /** Options for the browser to make a new passkey for the person (none made twice on one authenticator). */
  async registrationOptions(
    uid: string,
    person: { id: string; name: string; login: string },
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const options = await (await webauthn()).generateRegistrationOptions({
      rpName: this.#rpName,
      rpID: this.#rpId,
      userName: person.login,
      userDisplayName: person.name,
      userID: new TextEncoder().encode(person.id),
      attestationType: 'none',
      excludeCredentials: (await this.#stored(person.id)).map((c) => ({ id: c.id })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    });
    await this.#challenges.save(uid, { personId: person.id, challenge: options.challenge, kind: 'register' });
    return options;
  }

  /** Options for the browser to sign with one of the person's passkeys; none when the person has none. */
  async authenticationOptions(
    uid: string,
    personId: string,
  ): Promise<PublicKeyCredentialRequestOptionsJSON | undefined> {
    const stored = await this.#stored(personId);
    if (!stored.length) return undefined;
    const options = await (await webauthn()).generateAuthenticationOptions({
      rpID: this.#rpId,
      userVerification: 'required',
      allowCredentials: stored.map((c) => ({ id: c.id, transports: transportsOf(c) })),
    });
    await this.#challenges.save(uid, { personId, challenge: options.challenge, kind: 'sign-in' });
    return options;
  }

  /** Checks the browser's answer to the challenge of this interaction: a new passkey kept, or a passkey's signature. */
  async verify(uid: string, who: { personId: string; address: string }, response: unknown): Promise<PasskeyResult> {
    return countedTry(this.#throttle, who, async () => {
      const challenge = await this.#challenges.take(uid);
      return (
        challenge?.personId === who.personId &&
        (challenge.kind === 'register'
          ? await this.#register(who.personId, challenge.challenge, response)
          : await this.#signIn(who.personId, challenge.challenge, response))
      );
    });
  }

  async #register(personId: string, challenge: string, response: unknown): Promise<boolean> {
    try {
      const { verified, registrationInfo } = await (await webauthn()).verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: this.#origin,
        expectedRPID: this.#rpId,
        requireUserVerification: true,
      });
      if (!verified) return false;
      const { credential } = registrationInfo;
      await this.#db.transaction(async (trx) => {
        await trx('person_passkeys').insert({
          id: credential.id,
          person_id: personId,
          public_key: Buffer.from(credential.publicKey),
          counter: credential.counter,
          transports: JSON.stringify(credential.transports ?? []),
          last_used_at: trx.fn.now(),
        });
        await recordAudit(trx, { actor: personId, action: 'second_factor.passkey_added', subject: personId });
        await queueSecondFactorNotice(trx, personId, 'passkey', this.#offers);
      });
      return true;
    } catch {
      // A malformed answer, a wrong origin or challenge, a credential kept already: all the same "no".
      return false;
    }
  }

  async #signIn(personId: string, challenge: string, response: unknown): Promise<boolean> {
    const id = (response as { id?: unknown } | null)?.id;
    const stored = typeof id === 'string' && (await this.#stored(personId)).find((c) => c.id === id);
    if (!stored) return false;
    try {
      const { verified, authenticationInfo } = await (await webauthn()).verifyAuthenticationResponse({
        response: response as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: this.#origin,
        expectedRPID: this.#rpId,
        requireUserVerification: true,
        credential: {
          id: stored.id,
          publicKey: new Uint8Array(stored.public_key),
          counter: Number(stored.counter),
          transports: transportsOf(stored),
        },
      });
      if (!verified) return false;
      await this.#db('person_passkeys')
        .where({ id: stored.id })
        .update({ counter: authenticationInfo.newCounter, last_used_at: this.#db.fn.now() });
      return true;
    } catch {
      return false;
    }
  }

  /** Removes every passkey of the person (a lost phone), audited; how many there were. */
  async reset(personId: string, actor: string, within?: Knex.Transaction): Promise<number> {
    return (within ?? this.#db).transaction(async (trx) => {
      const n = await trx('person_passkeys').where({ person_id: personId }).delete();
      if (n)
        await recordAudit(trx, { actor, action: 'second_factor.passkeys_removed', subject: personId, detail: { n } });
      return n;
    });
  }
}

function transportsOf(c: Stored) {
  const list = typeof c.transports === 'string' ? JSON.parse(c.transports) : c.transports;
  return Array.isArray(list)
    ? (list as ('usb' | 'nfc' | 'ble' | 'internal' | 'hybrid' | 'cable' | 'smart-card')[])
    : [];
}
