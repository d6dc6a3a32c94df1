// A minimal browser for protocol tests: keeps cookies, follows redirects by hand, reads and submits forms.
import { REGISTRATION_PASSWORD } from './registration.ts';
export type Step = { url: string; status: number; body: string; location?: string };

export class Agent {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie header seen, in order (to check cookie attributes). */
  readonly setCookies: string[] = [];

  #cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Step> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', this.#cookieHeader());
    const send = () => fetch(url, { ...init, headers, redirect: 'manual' });
    // A kept-alive connection the server closed after its idle timeout, just as this request took it (the test was
    // busy for seconds before, making a large file): a page read (GET) is asked once more, as a browser does.
    const res = await send().catch((err: { cause?: { code?: string } }) => {
      if (err.cause?.code !== 'ECONNRESET' || (init.method ?? 'GET') !== 'GET') throw err;
      return send();
    });
    this.#store(res);
    const location = res.headers.get('location') ?? undefined;
    return {
      url,
      status: res.status,
      body: await res.text(),
      location: location ? new URL(location, url).href : undefined,
    };
  }

  /** Follows redirects until one leaves for `stopAt` (the relying party) or a page is returned. */
  async follow(url: string, stopAt?: string, init?: RequestInit): Promise<Step> {
    let step = await this.request(url, init);
    for (let hops = 0; step.location && hops < 10; hops++) {
      if (stopAt && step.location.startsWith(stopAt)) return step;
      step = await this.request(step.location);
    }
    return step;
  }

  async submit(url: string, form: Record<string, string>, stopAt?: string): Promise<Step> {
    return this.follow(url, stopAt, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }
}

/** Reads the value of a hidden input from a page. */
export function hiddenField(html: string, name: string): string {
  const match =
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html) ?? new RegExp(`value="([^"]*)" name="${name}"`).exec(html);
  if (!match) throw new Error(`no field ${name} in page`);
  return match[1]!;
}

/** Reads a form's action attribute (the first form whose action matches). */
export function formAction(html: string, pattern: RegExp, base: string): string {
  for (const m of html.matchAll(/<form[^>]*action="([^"]+)"/g)) {
    if (pattern.test(m[1]!)) return new URL(m[1]!.replaceAll('&amp;', '&'), base).href;
  }
  throw new Error(`no form matching ${pattern}`);
}

/**
 * Opens a mailed activation link as a person would: the page it shows (nothing changes yet), then the password chosen
 * at registration (the test registrations' one unless said) and its button.
 * Returns the answer to the button (303 to /register/activated on success).
 */
export async function activateByLink(agent: Agent, link: string, password = REGISTRATION_PASSWORD): Promise<Step> {
  const page = await agent.request(link);
  if (page.status !== 200) return page;
  return agent.request(formAction(page.body, /\/register\/activate$/, page.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      _csrf: hiddenField(page.body, '_csrf'),
      token: hiddenField(page.body, 'token'),
      password,
    }).toString(),
  });
}

/** Text as a page shows it: HTML-escaped, as pug escapes what it prints. */
export const html = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
