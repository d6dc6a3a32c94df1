// Email over SMTP with nodemailer. The Message-ID is derived from the outbox id, so a resend keeps the same one.
// nodemailer is loaded with the first message, not at start (memory at rest; a worker sends seldom).
import type { Transporter } from 'nodemailer';
import type { Transport } from './types.ts';

export function smtpTransport(smtpUrl: string, from: string): Transport {
  let mailer: Promise<Transporter> | undefined;
  const connect = async () =>
    (await import('nodemailer')).default.createTransport({
      url: smtpUrl,
      // Well under the worker's lease, so a hung server cannot make two workers send the same message.
      connectionTimeout: 20_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
      dnsTimeout: 10_000,
    });
  const domain = /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return {
    channel: 'email',
    name: 'smtp',
    async send(message) {
      mailer ??= connect().catch((err) => {
        mailer = undefined;
        throw err;
      });
      await (await mailer).sendMail({
        from,
        to: message.recipient,
        subject: message.subject ?? '',
        text: message.text_body,
        ...(message.html_body ? { html: message.html_body } : {}),
        messageId: `<${message.id}@${domain}>`,
      });
    },
  };
}
