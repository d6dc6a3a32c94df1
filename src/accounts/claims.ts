// The claims a person releases, per scope. Later capabilities add identities, children and idno.
import type { Person } from './persons.ts';

export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'gender', 'birthdate', 'locale'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
} as const;

export function personClaims(person: Person): Record<string, unknown> {
  return {
    sub: person.id,
    name: person.name,
    locale: person.locale ?? undefined,
    email: person.email ?? undefined,
    email_verified: person.email ? person.email_verified : undefined,
  };
}
