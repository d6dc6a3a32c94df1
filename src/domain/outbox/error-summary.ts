// What we keep of a delivery error: its class and codes. Messages are dropped, since they may name the recipient.
const CODE = /^[\w.-]{1,64}$/;

type Coded = { code?: unknown; responseCode?: unknown; cause?: unknown };

export function errorSummary(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown';
  const parts = [err.name !== 'Error' ? err.name : err.constructor.name];
  const { code, responseCode, cause } = err as Error & Coded;
  if (typeof code === 'string' && CODE.test(code)) parts.push(code);
  if (typeof responseCode === 'number') parts.push(String(responseCode));
  const causeCode = (cause as Coded | undefined)?.code;
  if (typeof causeCode === 'string' && CODE.test(causeCode)) parts.push(causeCode);
  return parts.join(':').slice(0, 200);
}
