// The person check as forms use it (platform/challenge.ts): the fields a form sends back, and the page's part.
import type { Services } from './services.ts';

/** The check's fields in a parsed form body (the widget's payload, or the question's token and answer). */
export function challengeFields(body: unknown): {
  altcha?: unknown;
  question_token?: unknown;
  question_answer?: unknown;
} {
  const b = (body ?? {}) as Record<string, unknown>;
  return { altcha: b.altcha, question_token: b.question_token, question_answer: b.question_answer };
}

/** Whether the form carries a check passed now (each is good once; a wrong one is simply not passed). */
export function passedChallenge(s: Pick<Services, 'challenges'>, body: unknown): Promise<boolean> {
  return s.challenges.verify(challengeFields(body));
}

/** Whether the form carried anything at all for the check (to tell "not done yet" from "did not pass"). */
export function triedChallenge(body: unknown): boolean {
  const f = challengeFields(body);
  return (
    (typeof f.altcha === 'string' && f.altcha !== '') ||
    (typeof f.question_answer === 'string' && f.question_answer.trim() !== '')
  );
}
