// The one human line at start-up (when the output is a terminal): where to open the service, and the demo accounts
// when they are seeded. Logs stay JSON lines; this is for the person who just typed `npm start`.
import type { DemoData } from './domain/demo/seed.ts';

export function startBanner(opts: { issuer: string; storage: string; demo?: DemoData }): string {
  const lines = [`campus-sso is running (${opts.storage}). Open ${opts.issuer}/ in a browser.`];
  if (opts.demo) {
    const accounts = opts.demo.people.map((p) => `${p.username} / ${p.password}`).join(', ');
    lines.push(`Demo accounts: ${accounts}. Try ${opts.issuer}/demo.`);
  }
  lines.push('Stop with Ctrl-C.');
  return `${lines.join('\n')}\n`;
}
