// The one store of short-lived secrets handed to a browser or a person: one-use values (tickets, tokens, hand-offs,
// drafts, challenge answers) and verification codes (6 digits, a few tries). The holder gets a random token; the
// shared store keeps, under a digest of the token, the value sealed with a key derived from the master secret and the
// token together: the store alone reads nothing, and the token alone is no use without the store.
import crypto from 'node:crypto';
import type { z } from 'zod';
import type { Keyring } from './keyring.ts';
import type { SharedStore } from './shared-store/types.ts';

/** What a token may look like: base64url, 16 to 64 characters (ours are 43: 256 random bits; an interaction's uid is 21). */
export const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
export const isToken = (value: unknown): value is string => typeof value === 'string' && TOKEN.test(value);
export const randomToken = () => crypto.randomBytes(32).toString('base64url');

/** How a token is kept: its digest (a stolen store holds no usable token). */
export const digest = (value: string) => crypto.createHash('sha256').update(value).digest('base64url');

/** Where a kind's value is kept in the shared store (a digest of the token, never the token). */
export const oneUseKey = (name: string, token: string) => `once:${name}:${digest(token)}`;
/** Where a code kind's value is kept. */
export const codeKey = (name: string, ticket: string) => `code:${name}:${digest(ticket)}`;

export type OneUseKind<T> = {
  /** Stores the value under a new token (for the kind's lifetime, or `ttlSeconds`) and returns the token. */
  issue(value: T, ttlSeconds?: number): Promise<string>;
  /** Stores a value under a given token (another full lifetime): to replace a value, or to key one by a known id. */
  save(token: string, value: T): Promise<void>;
  /** The value, left in place. */
  peek(token: unknown): Promise<T | undefined>;
  /** The value, used up: a second call (in any process) gets nothing. */
  take(token: unknown): Promise<T | undefined>;
};

export type CodeCheck<T> =
  | { result: 'ok'; value: T }
  | { result: 'wrong'; triesLeft: number; value: T }
  | { result: 'too_many'; value: T }
  | { result: 'expired' };

export type CodeKind<T> = {
  /**
   * A new 6-digit code for the value. `ticket` names the attempt (random unless given, e.g. one per person and
   * purpose); issuing again under the same ticket replaces the earlier code and starts its tries anew.
   */
  issue(value: T, ticket?: string): Promise<{ ticket: string; code: string }>;
  peek(ticket: unknown): Promise<T | undefined>;
  /** Checks a code: the right one uses the ticket up; the last allowed wrong one does too. */
  check(ticket: unknown, code: string): Promise<CodeCheck<T>>;
};

export type OneUseSpec<S extends z.ZodType> = { name: string; schema: S; ttlSeconds: number };
export type CodeSpec<S extends z.ZodType> = OneUseSpec<S> & { maxTries: number };

export class OneUseStore {
  readonly #store: SharedStore;
  readonly #sealKey: Buffer;
  readonly #codeKey: Buffer;

  constructor(store: SharedStore, keyring: Keyring) {
    this.#store = store;
    this.#sealKey = keyring.key('one-use');
    this.#codeKey = keyring.key('verification-code');
  }

  #cipherKey(name: string, token: string): Buffer {
    return crypto.createHmac('sha256', this.#sealKey).update(`${name}\0${token}`).digest();
  }

  #seal(name: string, token: string, value: unknown): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.#cipherKey(name, token), iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url')).join('.');
  }

  #open(name: string, token: string, sealed: string | undefined): unknown {
    if (!sealed) return undefined;
    try {
      const [iv, tag, data] = sealed.split('.');
      const decipher = crypto.createDecipheriv(
        'aes-256-gcm',
        this.#cipherKey(name, token),
        Buffer.from(iv ?? '', 'base64url'),
      );
      decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
      return JSON.parse(
        Buffer.concat([decipher.update(Buffer.from(data ?? '', 'base64url')), decipher.final()]).toString('utf8'),
      );
    } catch {
      return undefined;
    }
  }

  kind<S extends z.ZodType>(spec: OneUseSpec<S>): OneUseKind<z.infer<S>> {
    const key = (token: string) => oneUseKey(spec.name, token);
    const read = (token: string, sealed: string | undefined) => {
      const parsed = spec.schema.safeParse(this.#open(spec.name, token, sealed));
      return parsed.success ? (parsed.data as z.infer<S>) : undefined;
    };
    const save = (token: string, value: z.infer<S>, ttlSeconds = spec.ttlSeconds) =>
      this.#store.put(key(token), this.#seal(spec.name, token, value), ttlSeconds);
    return {
      issue: async (value, ttlSeconds) => {
        const token = randomToken();
        await save(token, value, ttlSeconds);
        return token;
      },
      save,
      peek: async (token) => (isToken(token) ? read(token, await this.#store.peek(key(token))) : undefined),
      take: async (token) => (isToken(token) ? read(token, await this.#store.take(key(token))) : undefined),
    };
  }

  codes<S extends z.ZodType>(spec: CodeSpec<S>): CodeKind<z.infer<S>> {
    type Value = z.infer<S>;
    type Stored = { value: Value; mac: string; nonce: string };
    const key = (ticket: string) => codeKey(spec.name, ticket);
    const triesKey = (ticket: string, nonce: string) => `code:${spec.name}:tries:${digest(ticket)}:${nonce}`;
    const mac = (ticket: string, nonce: string, code: string) =>
      crypto.createHmac('sha256', this.#codeKey).update(`${spec.name}\0${ticket}\0${nonce}\0${code}`).digest();
    const validTicket = (ticket: unknown): ticket is string =>
      typeof ticket === 'string' && ticket.length >= 8 && ticket.length <= 200;
    const read = async (ticket: string): Promise<Stored | undefined> => {
      const stored = this.#open(spec.name, ticket, await this.#store.peek(key(ticket))) as Partial<Stored> | undefined;
      if (!stored || typeof stored.mac !== 'string' || typeof stored.nonce !== 'string') return undefined;
      const value = spec.schema.safeParse(stored.value);
      return value.success ? { value: value.data as Value, mac: stored.mac, nonce: stored.nonce } : undefined;
    };
    return {
      issue: async (value, given) => {
        const ticket = given ?? randomToken();
        const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
        const nonce = crypto.randomBytes(9).toString('base64url');
        const stored: Stored = { value, nonce, mac: mac(ticket, nonce, code).toString('base64url') };
        await this.#store.put(key(ticket), this.#seal(spec.name, ticket, stored), spec.ttlSeconds);
        return { ticket, code };
      },
      peek: async (ticket) => (validTicket(ticket) ? (await read(ticket))?.value : undefined),
      check: async (ticket, code) => {
        const stored = validTicket(ticket) ? await read(ticket) : undefined;
        if (!stored || !validTicket(ticket)) return { result: 'expired' };
        const { value } = stored;
        const tries = await this.#store.increment(triesKey(ticket, stored.nonce), spec.ttlSeconds);
        if (tries > spec.maxTries) {
          await this.#store.take(key(ticket));
          return { result: 'too_many', value };
        }
        const expected = Buffer.from(stored.mac, 'base64url');
        const given = mac(ticket, stored.nonce, code);
        if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
          if (tries < spec.maxTries) return { result: 'wrong', triesLeft: spec.maxTries - tries, value };
          await this.#store.take(key(ticket));
          return { result: 'too_many', value };
        }
        // One use: whoever takes the ticket first goes on.
        if (!(await this.#store.take(key(ticket)))) return { result: 'expired' };
        return { result: 'ok', value };
      },
    };
  }
}
