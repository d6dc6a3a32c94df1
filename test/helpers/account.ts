// Signing in to the account pages over HTTP, and reading their forms.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Role } from '../../src/domain/identities/identities.ts';
import { hashPassword } from '../../src/domain/people/passwords.ts';
import { insertPerson } from '../../src/domain/people/persons.ts';
import type { DomainServices } from '../../src/domain/services.ts';
import { Agent, hiddenField, type Step } from './agent.ts';
import { signIn } from './rp.ts';

export type TestPerson = { id: string; username: string; email: string; mobile: string; password: string };

/** A person of one's own (random username, email and mobile), so tests sharing a database do not meet. */
export async function newPerson(db: Knex): Promise<TestPerson> {
  const tag = crypto.randomBytes(5).toString('hex');
  const person = {
    username: `acct-${tag}`,
    email: `acct-${tag}@example.test`,
    mobile: `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`,
    password: `Pass-${tag}-word`,
  };
  const row = await insertPerson(db, {
    username: person.username,
    email: person.email,
    emailVerified: true,
    mobile: person.mobile,
    name: '測試人員',
    passwordHash: await hashPassword(person.password, 4),
  });
  return { id: row.id, ...person };
}

/** Signs in through /account/sign-in and the real sign-in pages; returns the page the portal lands on. */
/** The password every `personWith` account has. */
export const PERSON_PASSWORD = 'Blue-Kettle-1987';

/** An active person of one's own with these identities (a school administrator, a teacher, …) and PERSON_PASSWORD. */
export async function personWith(
  server: { services: DomainServices },
  identities: { schoolCode?: string; role: Role }[],
  label = 'person',
): Promise<{ personId: string; email: string }> {
  const email = `${label}-${crypto.randomBytes(4).toString('hex')}@example.org`;
  const personId = await server.services.enrolment.createActive({
    person: {
      email,
      name: '陳老師',
      passwordHash: await server.services.passwords.hash(PERSON_PASSWORD),
      emailVerified: true,
    },
    audit: { action: 'person.created' },
    identities: identities.map((i) => ({ ...i, source: 'self' as const })),
  });
  return { personId, email };
}

export async function signInToAccount(
  issuer: string,
  agent: Agent,
  login: string,
  password: string,
  path = '/account',
): Promise<Step> {
  const callback = `${issuer}/account/callback`;
  const url = `${issuer}/account/sign-in?${new URLSearchParams({ return_to: path })}`;
  const back = await signIn(agent, url, login, password, callback);
  return agent.follow(back.href);
}

export async function signedInAgent(issuer: string, login: string, password: string): Promise<Agent> {
  const agent = new Agent();
  const page = await signInToAccount(issuer, agent, login, password);
  if (page.status !== 200) throw new Error(`account sign-in ended with ${page.status}`);
  return agent;
}

/** Loads an account page and posts `fields` (with its CSRF token) to `action`; returns the answer (redirects not followed). */
export async function postForm(
  agent: Agent,
  issuer: string,
  pagePath: string,
  action: string,
  fields: Record<string, string>,
): Promise<Step> {
  const page = await agent.request(issuer + pagePath);
  if (page.status !== 200) throw new Error(`${pagePath} answered ${page.status}`);
  return agent.request(issuer + action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), ...fields }).toString(),
  });
}

/** The text of an element with this id, tags removed. */
export function textOf(html: string, id: string): string | undefined {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`).exec(html);
  return m?.[1]?.replace(/<[^>]+>/g, '').trim();
}
