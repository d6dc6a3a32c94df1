// A real SMTP server on a free loopback port that keeps every mail it receives, parsed.
import type net from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type MailSink = { port: number; mails: ParsedMail[]; close(): Promise<void> };

/** On `port` when given (a server already pointed at it), else on a free one. */
export async function startMailSink(wanted = 0): Promise<MailSink> {
  const mails: ParsedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        mails.push(mail);
        callback();
      }, callback);
    },
  });
  const port = await new Promise<number>((resolve) => {
    const s: net.Server = smtp.listen(wanted, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
  });
  return { port, mails, close: () => new Promise<void>((resolve) => smtp.close(() => resolve())) };
}
