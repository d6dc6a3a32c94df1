// Which of the scopes an app asked for name something this person has to share: no children for someone without
// any, no national ID for someone without one. The account's list of apps shows these, by the consent page's rule
// (src/flows/sign-in/consent.ts uses it too): what the person agreed to, not every scope granted.

/** What the person has, by what each scope would share. */
export type ShareableFacts = {
  email: boolean;
  phone: boolean;
  /** An identity chosen (or the only one) for this app. */
  identity: boolean;
  /** Any identity the app accepts. */
  identities: boolean;
  children: boolean;
  idno: boolean;
};

/** The scopes, in their order, that share something of this person (`openid` only names the account: never listed). */
export function scopesShared(scopes: readonly string[], has: ShareableFacts): string[] {
  const applies: Record<string, boolean> = { openid: false, ...has };
  return scopes.filter((scope) => applies[scope] ?? true);
}
