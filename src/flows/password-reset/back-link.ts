// Where "back" leads after a reset: the sign-in it started from while that is still alive, else the home page.
import type Provider from 'oidc-provider';

export const INTERACTION_UID = /^[A-Za-z0-9_-]{1,64}$/;

export type BackLink = { href: string; label: 'password.back.signIn' | 'password.back.home' };

export async function backLink(provider: Provider, interaction: string | undefined): Promise<BackLink> {
  if (interaction && INTERACTION_UID.test(interaction) && (await provider.Interaction.find(interaction))) {
    return { href: `/interaction/${interaction}`, label: 'password.back.signIn' };
  }
  return { href: '/', label: 'password.back.home' };
}
