// Texts of the binding messages and relationships (`binding.mail.*`, `binding.relationship.*`, zh-TW first, English second).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  binding: {
    relationship: {
      father: '父親',
      mother: '母親',
      grandfather: '祖父',
      grandmother: '祖母',
      maternal_grandfather: '外祖父',
      maternal_grandmother: '外祖母',
      other: '其他監護人',
    },
    mail: {
      codeSubject: '{{brand}}親子綁定驗證碼',
      codeText:
        '您好：\n\n您的親子綁定驗證碼是：{{code}}\n\n驗證碼 1 小時內有效。請回到親子綁定的頁面輸入這組數字。\n\n如果這不是您提出的申請，請忽略這封信。\n\n{{brand}}敬上',
      codeSms: '【{{brand}}】親子綁定驗證碼：{{code}}，1 小時內有效。請勿提供給任何人。',
      approvedSubject: '{{brand}}親子綁定成功通知',
      approvedText:
        '您好：\n\n學校已審核通過您與學生 {{student}} 的親子綁定。\n\n{{how}}\n\n登入位置：{{home}}\n\n登入後，您可以查看孩子的資料，或再到「親子綁定」新增綁定其他孩子。\n\n{{brand}}敬上',
      approvedLink:
        '您的帳號是申請時填寫的電子信箱：{{login}}。請在 7 天內開啟下列連結，設定您的密碼（連結只能使用一次）：\n\n{{link}}',
      approvedDefault:
        '您的帳號是申請時填寫的電子信箱：{{login}}，預設密碼是您身分證字號的後六碼。第一次登入時，系統會請您設定新密碼。',
      approvedExisting: '請用您原本的帳號（{{login}}）登入，就會看到孩子的資料。',
      approvedSms: '【{{brand}}】您與學生 {{student}} 的親子綁定已通過。{{how}}',
      approvedSmsLink: '設定密碼的連結已寄到您的電子信箱。',
      rejectedSubject: '{{brand}}親子綁定審核結果',
      rejectedText:
        '您好：\n\n很抱歉，您與學生 {{student}} 的親子綁定申請沒有通過。\n\n原因：{{reason}}\n\n如有疑問，請與孩子的導師或學校聯絡。您可以到 {{home}} 查看申請進度或重新申請。\n\n{{brand}}敬上',
      rejectedSms: '【{{brand}}】您與學生 {{student}} 的親子綁定申請沒有通過。原因：{{reason}}',
    },
  },
};

const en: typeof zh = {
  binding: {
    relationship: {
      father: 'Father',
      mother: 'Mother',
      grandfather: 'Grandfather',
      grandmother: 'Grandmother',
      maternal_grandfather: 'Maternal grandfather',
      maternal_grandmother: 'Maternal grandmother',
      other: 'Other guardian',
    },
    mail: {
      codeSubject: 'Your {{brand}} parent-child binding code',
      codeText:
        'Hello,\n\nYour parent-child binding code is: {{code}}\n\nThe code works for 1 hour. Go back to the binding page and type these digits.\n\nIf you did not ask for this, please ignore this mail.\n\n{{brand}}',
      codeSms: '[{{brand}}] Parent-child binding code: {{code}}, valid for 1 hour. Do not share it.',
      approvedSubject: 'Your {{brand}} parent-child binding is approved',
      approvedText:
        'Hello,\n\nThe school approved your binding to the student {{student}}.\n\n{{how}}\n\nSign in at: {{home}}\n\nOnce signed in, you can see your child, or bind another child through "Parent-child binding".\n\n{{brand}}',
      approvedLink:
        'Your account is the email address you gave: {{login}}. Within 7 days, open this link to choose your password (it works once):\n\n{{link}}',
      approvedDefault:
        'Your account is the email address you gave: {{login}}; the first password is the last six characters of your national ID. At the first sign-in you will be asked to choose a new one.',
      approvedExisting: 'Sign in with your account ({{login}}) and you will see your child.',
      approvedSms: '[{{brand}}] Your binding to the student {{student}} is approved. {{how}}',
      approvedSmsLink: 'The link to choose your password was sent to your email.',
      rejectedSubject: 'Your {{brand}} parent-child binding',
      rejectedText:
        'Hello,\n\nSorry: your binding to the student {{student}} was not approved.\n\nReason: {{reason}}\n\nIf you have questions, please contact the homeroom teacher or the school. You can see your applications or apply again at {{home}}.\n\n{{brand}}',
      rejectedSms: '[{{brand}}] Your binding to the student {{student}} was not approved. Reason: {{reason}}',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
