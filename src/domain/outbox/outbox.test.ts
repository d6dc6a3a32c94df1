import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage } from './outbox.ts';

test('an email needs an address, a one-line subject, a text and a kind', () => {
  const ok = { channel: 'email', to: 'a@example.org', subject: 'Hi', text: 'Body', kind: 'password_reset' };
  assert.equal(parseMessage(ok).channel, 'email');
  assert.throws(() => parseMessage({ ...ok, to: 'not-an-address' }));
  assert.throws(() => parseMessage({ ...ok, subject: 'Hi\r\nBcc: x@example.org' }));
  assert.throws(() => parseMessage({ ...ok, kind: 'Password Reset' }));
  assert.throws(() => parseMessage({ ...ok, text: '' }));
});

test('an SMS needs a phone number and a short text', () => {
  assert.equal(
    parseMessage({ channel: 'sms', to: '+886912345678', text: 'Code 123456', kind: 'otp' }).to,
    '+886912345678',
  );
  assert.throws(() => parseMessage({ channel: 'sms', to: 'a@example.org', text: 'x', kind: 'otp' }));
  assert.throws(() => parseMessage({ channel: 'sms', to: '0912345678', text: 'x'.repeat(1001), kind: 'otp' }));
  assert.throws(() => parseMessage({ channel: 'fax', to: '0912345678', text: 'x', kind: 'otp' }));
});
