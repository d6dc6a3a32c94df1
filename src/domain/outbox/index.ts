// The outbox as the composition root uses it: transports chosen from the settings, and the started worker.
import type { Knex } from 'knex';
import type { Logger } from '../../platform/log.ts';
import type { Settings } from '../../platform/settings.ts';
import { mailboxTransport, smsTransport, smtpTransport, type Transport, webhookSmsDriver } from './transports/index.ts';
import { type OutboxWorker, startOutboxWorker } from './worker.ts';

export type { OutboxWorker } from './worker.ts';

type OutboxSettings = Pick<Settings, 'smtpUrl' | 'mailFrom' | 'smsWebhookUrl' | 'outboxPollMs' | 'env'>;

/** Without SMTP_URL / SMS_WEBHOOK_URL a channel goes to the development mailbox: nothing leaves the machine. */
export function transportsFromSettings(settings: OutboxSettings): Transport[] {
  return [
    settings.smtpUrl ? smtpTransport(settings.smtpUrl, settings.mailFrom) : mailboxTransport('email'),
    settings.smsWebhookUrl ? smsTransport(webhookSmsDriver(settings.smsWebhookUrl)) : mailboxTransport('sms'),
  ];
}

export function outboxFromSettings(settings: OutboxSettings, db: Knex, log: Logger): OutboxWorker {
  const transports = transportsFromSettings(settings);
  for (const t of transports) {
    if (t.name === 'mailbox' && settings.env === 'production') {
      log.warn(
        { channel: t.channel },
        'outbox: no gateway configured for this channel; its messages are not delivered',
      );
    }
  }
  return startOutboxWorker({ db, transports, log, pollMs: settings.outboxPollMs });
}
