import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSettings } from '../../platform/settings.ts';
import { deliverableChannels, transportsFromSettings } from './index.ts';

const names = (env: Record<string, string>) =>
  transportsFromSettings(parseSettings(env)).map((t) => `${t.channel}:${t.name}`);

test('without gateways both channels go to the mailbox', () => {
  assert.deepEqual(names({}), ['email:mailbox', 'sms:mailbox']);
});

test('SMTP_URL and SMS_WEBHOOK_URL choose the real transports', () => {
  assert.deepEqual(names({ SMTP_URL: 'smtp://127.0.0.1:2525', SMS_WEBHOOK_URL: 'https://sms.example/send' }), [
    'email:smtp',
    'sms:sms-webhook',
  ]);
});

test('outbox settings: poll interval, webhook URL and the mailbox page default', () => {
  assert.equal(parseSettings({}).outboxPollMs, 1000);
  assert.equal(parseSettings({ OUTBOX_POLL_MS: '50' }).outboxPollMs, 50);
  assert.throws(() => parseSettings({ SMS_WEBHOOK_URL: 'ftp://x' }), /SMS_WEBHOOK_URL:/);
  assert.equal(parseSettings({}).mailboxPage, true);
  assert.equal(parseSettings({ DATABASE_URL: 'postgres://db/x' }).mailboxPage, true);
  assert.equal(parseSettings({ DATABASE_URL: 'postgres://db/x', MAILBOX_PAGE: 'false' }).mailboxPage, false);
  const key = Buffer.alloc(32, 1).toString('base64url');
  const production = {
    NODE_ENV: 'production',
    SECRET_KEY: key,
    DATABASE_URL: 'postgres://db/x',
    ISSUER: 'https://sso.example.org',
    SMTP_URL: 'smtp://mail:25',
    TRUST_PROXY: 'true',
  };
  assert.equal(parseSettings(production).mailboxPage, false);
  assert.throws(() => parseSettings({ ...production, MAILBOX_PAGE: 'true' }), /MAILBOX_PAGE:/);
});

test('a channel with no gateway and no mailbox page has no transport and is not offered', () => {
  const key = Buffer.alloc(32, 1).toString('base64url');
  const production = parseSettings({
    NODE_ENV: 'production',
    SECRET_KEY: key,
    DATABASE_URL: 'postgres://db/x',
    ISSUER: 'https://sso.example.org',
    SMTP_URL: 'smtp://mail:25',
    TRUST_PROXY: 'true',
  });
  assert.deepEqual(
    transportsFromSettings(production).map((t) => `${t.channel}:${t.name}`),
    ['email:smtp'],
    'production without SMS_WEBHOOK_URL: no SMS transport (nothing marked sent that went nowhere)',
  );
  assert.deepEqual(deliverableChannels(production), ['email']);
  assert.deepEqual(deliverableChannels(parseSettings({ MAILBOX_PAGE: 'false' })), []);
  assert.deepEqual(deliverableChannels(parseSettings({})), ['email', 'sms']);
});
