// SMS through a gateway driver. A driver only knows how to hand one text to one number.
import type { Transport } from './types.ts';

/** The gateway answered, but not with success; `code` says how (for the outbox's last_error). */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: string;

  constructor(code: string) {
    super('the gateway refused the message');
    this.code = code;
  }
}

export interface SmsDriver {
  name: string;
  /** `key` is stable across retries of one message, for gateways that deduplicate. */
  send(sms: { to: string; text: string; key: string }): Promise<void>;
}

export function smsTransport(driver: SmsDriver): Transport {
  return {
    channel: 'sms',
    name: driver.name,
    send: (message) => driver.send({ to: message.recipient, text: message.text_body, key: message.id }),
  };
}

/** A generic JSON webhook: POST {to, text}; any answer but 2xx is a failure. */
export function webhookSmsDriver(url: string, timeoutMs = 15_000): SmsDriver {
  return {
    name: 'sms-webhook',
    async send({ to, text, key }) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ to, text }),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      if (!res.ok) throw new GatewayError(`sms_gateway_http_${res.status}`);
    },
  };
}
