// A client's old secret stays valid for the grace period of a rotation (domain/clients/secrets.ts): oidc-provider's
// client authentication (client_secret_basic / _post) compares the current secret, then the old ones still in grace.
import type Provider from 'oidc-provider';
import { matchesPreviousSecret } from '../domain/clients/secrets.ts';

type ClientLike = { metadata(): Record<string, unknown> };

export function acceptPreviousSecrets(provider: Provider): void {
  const proto = provider.Client.prototype as unknown as {
    compareClientSecret(this: ClientLike, actual: string): Promise<boolean> | boolean;
  };
  const compareCurrent = proto.compareClientSecret;
  proto.compareClientSecret = async function (this: ClientLike, actual: string) {
    if (await compareCurrent.call(this, actual)) return true;
    return matchesPreviousSecret(this.metadata(), actual);
  };
}
