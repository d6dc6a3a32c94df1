// A client's metadata (`client.metadata()`), worked out once per client object. oidc-provider builds it afresh on
// every call, each property's name through a regular expression and a search of the ~90 names it recognises, and a
// sign-in asks for it over a dozen times (its own response parameters; our identity menu, claims, consent and
// first-party checks). A client object does not change once built: oidc-provider builds a new one when a client's
// stored metadata changes. Each call still gets its own copy, so no caller can change another's.
import type Provider from 'oidc-provider';

type Metadata = Record<string, unknown>;

export function rememberClientMetadata(provider: Provider): void {
  const proto = provider.Client.prototype as unknown as { metadata(this: object): Metadata };
  const build = proto.metadata;
  const built = new WeakMap<object, Metadata>();
  proto.metadata = function (this: object) {
    let metadata = built.get(this);
    if (!metadata) {
      metadata = build.call(this);
      built.set(this, metadata);
    }
    return { ...metadata };
  };
}
