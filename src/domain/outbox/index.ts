// The outbox as the composition root uses it: transports chosen from the settings, and the started worker.
import type { Knex } from 'knex';
import type { Logger } from '../../platform/log.ts';
import type { Settings } from '../../platform/settings.ts';
import { CHANNELS, type Channel } from './outbox.ts';
import { mailboxTransport, smsTransport, smtpTransport, type Transport, webhookSmsDriver } from './transports/index.ts';
import { type OutboxWorker, startOutboxWorker } from './worker.ts';

export type { OutboxWorker } from './worker.ts';

type OutboxSettings = Pick<Settings, 'smtpUrl' | 'mailFrom' | 'smsWebhookUrl' | 'outboxPollMs' | 'mailboxPage'>;

/**
 * Each channel's gateway; without SMTP_URL / SMS_WEBHOOK_URL, the development mailbox page when it is on (nothing
 * leaves the machine, /dev/mailbox shows the message), else none: a message is only ever marked sent once something
 * took it.
 */
export function transportsFromSettings(settings: OutboxSettings): Transport[] {
  const transports: Transport[] = [];
  if (settings.smtpUrl) transports.push(smtpTransport(settings.smtpUrl, settings.mailFrom));
  else if (settings.mailboxPage) transports.push(mailboxTransport('email'));
  if (settings.smsWebhookUrl) transports.push(smsTransport(webhookSmsDriver(settings.smsWebhookUrl)));
  else if (settings.mailboxPage) transports.push(mailboxTransport('sms'));
  return transports;
}

/** The channels whose messages reach someone: the ones flows may offer (SMS codes only with an SMS gateway). */
export function deliverableChannels(settings: OutboxSettings): Channel[] {
  return transportsFromSettings(settings).map((t) => t.channel);
}

export function outboxFromSettings(settings: OutboxSettings, db: Knex, log: Logger): OutboxWorker {
  const transports = transportsFromSettings(settings);
  for (const channel of CHANNELS) {
    if (!transports.some((t) => t.channel === channel))
      log.warn({ channel }, 'outbox: no gateway for this channel; it is not offered and nothing is sent on it');
  }
  return startOutboxWorker({ db, transports, log, pollMs: settings.outboxPollMs });
}
