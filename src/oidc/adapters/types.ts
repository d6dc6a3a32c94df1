// The storage contract oidc-provider expects of an adapter.
import { asJsonObject } from '../../platform/stored-json.ts';
export type Payload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
};

export interface OidcAdapter {
  upsert(id: string, payload: Payload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<Payload | undefined>;
  findByUid(uid: string): Promise<Payload | undefined>;
  findByUserCode(userCode: string): Promise<Payload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

export type AdapterFactory = (model: string) => OidcAdapter;

/** Stored JSON is parsed, never trusted: anything that is not an object is treated as missing. */
export const asPayload = (value: unknown) => asJsonObject(value) as Payload | undefined;

export const epochSeconds = (date = new Date()) => Math.floor(date.getTime() / 1000);
