// Where "back" leads after a reset: the sign-in it started from while that is still alive, else the home page.
import type { Services } from '../../web/services.ts';
import { INTERACTION_UID } from './state.ts';

export type BackLink = { href: string; label: 'password.back.signIn' | 'password.back.home' };

export async function backLink(s: Services, interaction: string | undefined): Promise<BackLink> {
  if (interaction && INTERACTION_UID.test(interaction) && (await s.provider().Interaction.find(interaction))) {
    return { href: `/interaction/${interaction}`, label: 'password.back.signIn' };
  }
  return { href: '/', label: 'password.back.home' };
}
