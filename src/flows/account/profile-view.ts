// What the profile page shows of a person: the national ID only masked, never in clear.
import type { Person } from '../../domain/people/persons.ts';

export type ProfileView = {
  name: string;
  username?: string;
  nationalId?: string;
  email?: string;
  emailVerified: boolean;
  mobile?: string;
  mobileVerified: boolean;
  /** 聯絡電話: not a login, never texted. */
  contactPhone?: string;
  gender?: string;
  birthdate?: string;
  locale?: string;
};

/** `nationalId`: already masked. */
export function profileView(person: Person, nationalId: string | undefined): ProfileView {
  const birthdate = person.birthdate instanceof Date ? localDate(person.birthdate) : person.birthdate?.slice(0, 10);
  return {
    name: person.name,
    username: person.username ?? undefined,
    nationalId,
    email: person.email ?? undefined,
    emailVerified: !!person.email && person.email_verified,
    mobile: person.mobile ?? undefined,
    mobileVerified: !!person.mobile && person.mobile_verified,
    contactPhone: person.contact_phone ?? undefined,
    gender: person.gender ?? undefined,
    birthdate,
    locale: person.locale ?? undefined,
  };
}

/** pg reads a `date` column as local midnight: print the calendar day it stands for. */
function localDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
