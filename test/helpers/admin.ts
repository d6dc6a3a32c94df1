// The bureau console in HTTP tests: signing in as a bureau administrator (the password, then the authenticator set
// up from the page's key, as in the school back office; callback /admin/callback), and posting the console's forms.
import assert from 'node:assert/strict';
import { personWith } from './account.ts';
import { Agent, hiddenField, type Step } from './agent.ts';
import { signInOffice } from './school.ts';
import { startTestServer, type TestServer } from './server.ts';

/** Opens `path` of the console and signs in (the second factor set up on the way); the page reached. */
export function signInAdmin(
  base: string,
  agent: Agent,
  email: string,
  path = '/admin',
  totp: { secret?: string } = {},
): Promise<Step> {
  return signInOffice(base, agent, email, path, totp);
}

/** Posts a console form with the CSRF token of `page`; the answer, redirects not followed. */
export function postAdmin(
  agent: Agent,
  base: string,
  path: string,
  page: Step,
  fields: Record<string, string>,
): Promise<Step> {
  return agent.request(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), ...fields }).toString(),
  });
}

export type Console = {
  server: TestServer;
  base: string;
  /** The bureau administrator, signed in with `agent`. */
  admin: { personId: string; email: string };
  agent: Agent;
  /** A console page, as the administrator. */
  page(path: string): Promise<Step>;
};

/** A test server with a bureau administrator of the test's own, signed in at `path`. */
export async function startConsole(path = '/admin'): Promise<Console> {
  const server = await startTestServer();
  const base = server.issuer;
  const admin = await personWith(server, [{ role: 'bureau_admin' }], 'bureau');
  const agent = new Agent();
  const home = await signInAdmin(base, agent, admin.email, path);
  assert.equal(home.status, 200, `the console opens at ${path}`);
  return { server, base, admin, agent, page: (p) => agent.request(`${base}${p}`) };
}
