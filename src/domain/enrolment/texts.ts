// Texts of the mails enrolment sends: activation and welcome (zh-TW first, English second).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  registration: {
    mail: {
      activationSubject: '{{brand}}註冊通知',
      activationText:
        '歡迎註冊{{brand}}！\n\n請點選以下連結完成您的註冊程序：\n\n{{link}}\n\n開啟的頁面會請您輸入註冊時自己設定的密碼。輸入密碼，再按「啟用我的帳號」，就完成了。\n\n如果按下連結沒有任何作用，請將網址複製並貼入新的瀏覽器視窗中。這個連結 24 小時內有效，只能使用一次。\n\n完成註冊程序後，您可以到 {{home}} 登入帳戶。\n\n如果您遇到問題或忘記密碼，我們會透過這個電子郵件地址與您聯絡。\n\n如果這不是您申請的註冊，或者您忘了當時設定的密碼：請開啟連結，在同一個頁面按「這不是我的註冊，取消它」，就不會建立帳號。您也可以不理這封信：沒有輸入密碼，就不會啟用任何帳號。\n\n祝您使用愉快！\n\n{{brand}}敬上',
      welcomeSubject: '{{brand}}註冊成功通知',
      welcomeText:
        '您的{{brand}}帳號（{{email}}）註冊成功！\n\n您的帳號可以用於登入校務行政系統、學習歷程檔案系統、校園繳費系統，以及其他使用{{brand}}的應用程式。\n\n登入位置：{{home}}\n您的帳號：{{email}}\n\n您申請的身分（{{school}}・{{role}}）經學校確認以前，您已經可以登入，但還不能使用只給學校成員的服務。\n\n祝您使用愉快！\n\n{{brand}}敬上',
      welcomeTextVerified:
        '您的{{brand}}帳號（{{email}}）註冊成功！\n\n您的帳號可以用於登入校務行政系統、學習歷程檔案系統、校園繳費系統，以及其他使用{{brand}}的應用程式。\n\n登入位置：{{home}}\n您的帳號：{{email}}\n\n您的身分（{{school}}・{{role}}）已由校務行政系統確認，登入後即可使用。\n\n祝您使用愉快！\n\n{{brand}}敬上',
    },
  },
};

const en: typeof zh = {
  registration: {
    mail: {
      activationSubject: '{{brand}}: confirm your registration',
      activationText:
        'Welcome to {{brand}}!\n\nPlease open this link to complete your registration:\n\n{{link}}\n\nThe page it opens asks for the password you chose when you registered. Type it and press “Activate my account”, and you are done.\n\nIf clicking the link does nothing, copy it into a new browser window. The link works once, within 24 hours.\n\nAfterwards you can sign in at {{home}}.\n\nIf you run into problems or forget your password, we will contact you at this email address.\n\nIf you did not register, or you forgot the password you chose: open the link and press “This is not my registration, cancel it” on the same page, and no account is made. You may also ignore this mail: without the password no account is activated.\n\nEnjoy!\n\n{{brand}}',
      welcomeSubject: '{{brand}}: registration complete',
      welcomeText:
        'Your {{brand}} account ({{email}}) is registered!\n\nIt signs you in to the school-affairs system, the learning-portfolio system, the payment portal and every other application that uses {{brand}}.\n\nSign in at: {{home}}\nYour account: {{email}}\n\nUntil your school confirms the identity you applied for ({{school}} · {{role}}), you can sign in but not yet use the services for school members.\n\nEnjoy!\n\n{{brand}}',
      welcomeTextVerified:
        'Your {{brand}} account ({{email}}) is registered!\n\nIt signs you in to the school-affairs system, the learning-portfolio system, the payment portal and every other application that uses {{brand}}.\n\nSign in at: {{home}}\nYour account: {{email}}\n\nYour identity ({{school}} · {{role}}) was confirmed by the school-affairs system and is ready to use.\n\nEnjoy!\n\n{{brand}}',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
