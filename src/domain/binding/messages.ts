// What a parent is told when an application is decided (and the code that opens the binding pages), by mail or SMS
// to the contact they verified, worded after seed 002 ("帳號建立將以電子郵件通知，收到請立即登入").
import './texts.ts';
import { type Locale, translator } from '../../platform/i18n/index.ts';
import type { NewMessage } from '../outbox/outbox.ts';

type To = { kind: 'email' | 'mobile'; value: string };

function message(to: To, kind: string, subject: string, text: string, sms: string): NewMessage {
  return to.kind === 'email'
    ? { channel: 'email', to: to.value, kind, subject, text }
    : { channel: 'sms', to: to.value, kind, text: sms };
}

export function codeMessage(locale: Locale, to: To, code: string): NewMessage {
  const t = translator(locale);
  const brand = t('brand');
  return message(
    to,
    'binding_code',
    t('binding.mail.codeSubject', { brand }),
    t('binding.mail.codeText', { brand, code }),
    t('binding.mail.codeSms', { brand, code }),
  );
}

export function decisionMessage(
  locale: Locale,
  m: {
    to: To;
    decision: 'approved' | 'rejected';
    student: string;
    home: string;
    login?: string;
    link?: string;
    defaultPassword?: boolean;
    reason?: string;
  },
): NewMessage {
  const t = translator(locale);
  const brand = t('brand');
  const vars = { brand, student: m.student, home: m.home, login: m.login, link: m.link, reason: m.reason };
  if (m.decision === 'rejected') {
    return message(
      m.to,
      'binding_rejected',
      t('binding.mail.rejectedSubject', { brand }),
      t('binding.mail.rejectedText', vars),
      t('binding.mail.rejectedSms', vars),
    );
  }
  const how = m.link
    ? t('binding.mail.approvedLink', vars)
    : m.defaultPassword
      ? t('binding.mail.approvedDefault', vars)
      : t('binding.mail.approvedExisting', vars);
  return message(
    m.to,
    'binding_approved',
    t('binding.mail.approvedSubject', { brand }),
    t('binding.mail.approvedText', { ...vars, how }),
    t('binding.mail.approvedSms', { ...vars, how: m.link ? t('binding.mail.approvedSmsLink', vars) : '' }),
  );
}
