// Solving the person check as a browser would: the widget's proof of work (altcha-lib, the widget's own algorithm).
import { type Challenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';

/** The widget's form value for a challenge: the challenge and its solution, base64 JSON. */
export async function solvedChallenge(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('no solution found');
  const payload = { challenge: { parameters: challenge.parameters, signature: challenge.signature }, solution };
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}

/** Fetches a fresh challenge from a running server (GET /challenge, as the widget does) and solves it. */
export async function challengeFields(base: string, headers: Record<string, string> = {}): Promise<{ altcha: string }> {
  const res = await fetch(`${base}/challenge`, { headers });
  if (!res.ok) throw new Error(`GET /challenge answered ${res.status}`);
  return { altcha: await solvedChallenge((await res.json()) as Challenge) };
}
