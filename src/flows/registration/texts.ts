// Texts of the registration wizard, activation and resend (`registration.*`, zh-TW first, English second).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  registration: {
    title: '註冊帳號',
    stepTitle: '第 {{n}} 步（共 3 步）：{{name}}',
    steps: {
      label: '註冊步驟',
      one: '輸入資料',
      two: '確認資料',
      three: '完成',
    },
    step1: {
      heading: '請輸入您的基本資料',
      requiredNote: '有紅色星號（*）者為必填資料。',
      next: '下一步',
      passwordKept: '已保留您剛才輸入的密碼；不修改的話，兩個密碼欄位請留空。',
      rosterNote: '高職與私立學校學生請用學校發的驗證帳號註冊：',
      rosterLink: '用學校驗證帳號註冊',
    },
    field: {
      school: '學校',
      kind: '身分別',
      email: 'Email帳號',
      name: '姓名',
      nationalId: '身分證字號',
      password: '密碼',
      passwordConfirm: '確認密碼',
      phone: '聯絡電話',
      gender: '性別',
      challenge: '安全檢查',
    },
    hint: {
      school: '學校會確認您是這所學校的人。',
      kind: '您在這所學校是老師、學生、家長還是職員。學校確認以前，您已經可以登入，但還不能使用只給學校成員的服務（例如校務行政系統）。',
      email: '請輸入您自己常用的 Email。它就是您的登入帳號，我們也會寄認證信到這裡。',
      name: '學校和您同意的應用程式會看到這個名字。',
      nationalId: '學校用它確認是您本人；我們會加密保存，畫面上只顯示部分號碼。外籍人士請輸入居留證號。',
      password: '請輸入您自己記得住的密碼：至少 8 個字元，不可使用常見密碼，也不可包含您的 Email 或姓名。',
      phone: '選填。學校需要聯絡您時使用，例如 0912345678 或 02-21235678。',
      gender: '選填。',
    },
    choose: '請選擇',
    level: {
      elementary: '國小',
      junior: '國中',
      senior: '高中',
      vocational: '高職',
      special: '特教學校',
    },
    errors: {
      schoolRequired: '請選擇學校。',
      schoolUnknown: '請從清單中選擇學校。',
      kindRequired: '請選擇身分別。',
      kindInvalid: '請從清單中選擇身分別。',
      emailRequired: '請輸入 Email 帳號。',
      emailInvalid: 'Email 格式不正確，例如 name@example.com。',
      emailTaken: '這個 Email 已經註冊過帳號，請直接登入；忘記密碼的話，請使用登入畫面的「忘記密碼」。',
      mailLimited:
        '這個 Email 在一小時內已經收到好幾封認證信了，所以這次沒有再寄。請到信箱找找看（也看看垃圾郵件匣），或過一小時再試一次。',
      emailPending:
        '這個 Email 已經申請過帳號，還沒有完成認證。請到信箱點選註冊通知信中的連結，或用這個 Email 登入後選擇「重新寄送認證信」。',
      nameRequired: '請輸入姓名。',
      nameTooLong: '姓名最多 50 個字。',
      nameInvalid:
        '姓名只能用文字（例如中文或英文字母），中間可以有空格、間隔號（·）或連字號（-）；不能用表情符號、數字或其他符號。',
      nationalIdRequired: '請輸入身分證字號。',
      nationalIdInvalid: '身分證字號（或居留證號）的格式或檢查碼不正確，請再確認一次。',
      nationalIdTaken:
        '這個身分證字號已經註冊過帳號。忘記帳號或密碼的話，請使用登入畫面的「忘記密碼」，或洽學校承辦人。',
      passwordPolicy: '這個密碼不符合密碼規則，請換一個。',
      phoneInvalid: '電話號碼格式不正確，例如 0912345678 或 02-21235678。',
      genderInvalid: '請從清單中選擇性別。',
      expired: '您輸入的資料已經逾時，請重新輸入。',
      expiredKept:
        '這一頁放太久，已經過期了。為了安全，請再輸入一次身分證字號和密碼，等安全檢查完成後再按「下一步」；其他資料都幫您留著。',
    },
    step2: {
      heading: '請確認您的基本資料是否正確？',
      intro: '請確認您輸入的資料是否正確：若不正確請點選「上一步，修改資料」回去修正，若正確請點選「送出申請」。',
      back: '上一步，修改資料',
      submit: '送出申請',
      masked: '（已隱藏）',
      none: '（未填）',
    },
    federated: {
      notice: '您正在用 {{provider}} 帳號（{{email}}）註冊。帳號建立後，下次可以直接按「以 {{provider}} 登入」。',
      noticeNoEmail: '您正在用 {{provider}} 帳號註冊。帳號建立後，下次可以直接按「以 {{provider}} 登入」。',
      noticeVerified: '如果 Email 維持 {{provider}} 提供的這一個，就不必再收認證信。',
      taken: '這個 {{provider}} 帳號剛剛已經連結到另一個帳號，所以這次註冊不會連結它。您仍然可以完成註冊。',
      existing:
        '這個 Email 已經有校園帳號了，不用再註冊。如果那是您的帳號，請用它的帳號和密碼登入一次，就會和您的 {{provider}} 帳號連結起來，下次可以直接按「以 {{provider}} 登入」。',
      existingLink: '以現有帳號登入並連結',
      existingCancel: '取消，回到登入畫面',
    },
    step3: {
      heading: '請到 Email 收信，完成註冊',
      sentTo: '申請已經送出。我們寄了一封認證信到 {{email}}，請打開信中的連結，完成註冊。',
      text: '申請已經送出。我們寄了一封認證信到您的 Email，請打開信中的連結，完成註冊。',
      validity: '郵件中的連結 24 小時內有效，只能使用一次。',
      noMail: '沒有收到信嗎？請檢查垃圾郵件匣；或用 Email 和密碼登入，再選擇「重新寄送認證信」。',
      backToSignIn: '回到登入畫面',
      home: '到首頁',
      activeHeading: '帳號已經建立好了',
      activeText: '您的帳號已經建立，也連結了外部帳號。現在可以登入。',
      signIn: '登入我的帳號',
    },
    activate: {
      title: '完成註冊',
      done: '您的帳號已註冊成功！',
      doneText: '您的帳號已完成 Email 認證，現在可以用 Email 和密碼登入。',
      member: '學校確認您的身分以前，您已經可以登入，但還不能使用只給學校成員的服務。',
      signIn: '登入我的帳號',
      home: '到首頁',
      confirmTitle: '啟用您的帳號',
      confirmText: '請輸入您註冊時設定的密碼，確認這份註冊是您本人申請的，再按「啟用我的帳號」。',
      confirmButton: '啟用我的帳號',
      account: '帳號（Email）',
      name: '註冊的姓名',
      password: '註冊時設定的密碼',
      passwordMissing: '請輸入您註冊時設定的密碼。',
      passwordWrong: '密碼不正確。請輸入您註冊這個帳號時設定的密碼（還可以再試 {{left}} 次）。',
      passwordLast: '密碼不正確。請輸入您註冊這個帳號時設定的密碼（這是最後一次機會，之後要等 15 分鐘）。',
      limited: '密碼輸入錯誤太多次，請 15 分鐘後再試。如果您不記得密碼，可以取消這份註冊，然後重新註冊。',
      notMineTitle: '忘記密碼，或者這不是您的註冊？',
      notMineText:
        '如果您不記得註冊時設定的密碼，或者您沒有申請這個帳號（例如姓名不是您），請取消這份註冊。取消以後不會建立任何帳號，您可以用這個 Email 重新註冊。',
      notMineButton: '這不是我的註冊，取消它',
      discardedTitle: '這份註冊已經取消',
      discardedText: '這份註冊已經取消，沒有建立任何帳號。如果您想使用這個 Email，可以重新註冊。',
      registerAgain: '重新註冊',
      taken:
        '這個 Email 或身分證字號已經屬於另一個已啟用的帳號。如果那是您的帳號，請直接登入；忘記密碼可以用「忘記密碼」重設。',
      failedTitle: '無法完成註冊',
      usedTitle: '這個連結已經用過了',
      invalid: '這個認證連結無效。請確認您開啟的是郵件中完整的連結。',
      used: '這個認證連結已經使用過。如果您已完成認證，請直接登入。',
      expired:
        '這個認證連結已超過 24 小時而失效。請用 Email 和密碼登入，再選擇「重新寄送認證信」，我們會寄一封新的認證信給您。',
    },
    resend: {
      title: '重新寄送認證信',
      sent: '認證信已重新寄出。請到您的 Email 信箱收信，並點選信中的連結完成註冊。',
      limited: '認證信已經寄了好幾次，所以這次沒有再寄。請到信箱找找看（也看看垃圾郵件匣），或過一小時再試一次。',
      expired: '這個頁面已經過期，請回到登入畫面再登入一次。',
      notPending: '您的帳號已經完成認證，可以直接登入。',
      backToSignIn: '回到登入畫面',
    },
  },
};

const en: typeof zh = {
  registration: {
    title: 'Create account',
    stepTitle: 'Step {{n}} of 3: {{name}}',
    steps: {
      label: 'Registration steps',
      one: 'Enter details',
      two: 'Confirm',
      three: 'Done',
    },
    step1: {
      heading: 'Please enter your details',
      requiredNote: 'Fields marked with a red asterisk (*) are required.',
      next: 'Next',
      passwordKept: 'The password you typed is kept; leave both password fields empty to keep it.',
      rosterNote:
        'Students of vocational and private schools: register with the verification account your school gave you: ',
      rosterLink: 'register with a school verification account',
    },
    field: {
      school: 'School',
      kind: 'Identity',
      email: 'Email (your account)',
      name: 'Name',
      nationalId: 'National ID number',
      password: 'Password',
      passwordConfirm: 'Confirm password',
      phone: 'Contact phone',
      gender: 'Gender',
      challenge: 'Security check',
    },
    hint: {
      school: 'Your school confirms that you belong to it.',
      kind: 'Whether you are a teacher, student, parent or staff member at this school. Until the school confirms it, you can sign in but not yet use the services for school members (such as the school-affairs system).',
      email: 'An email address you use. It is your account name, and the activation mail goes there.',
      name: 'Your school and the apps you allow see this name.',
      nationalId:
        'Your school uses it to confirm it is you. We store it encrypted and only ever show part of it. Foreign residents: your resident certificate number.',
      password:
        'A password you can remember: at least 8 characters, not a common password, not containing your email or name.',
      phone: 'Optional. For your school to contact you, e.g. 0912345678 or 02-21235678.',
      gender: 'Optional.',
    },
    choose: 'Please choose',
    level: {
      elementary: 'Elementary',
      junior: 'Junior high',
      senior: 'Senior high',
      vocational: 'Vocational',
      special: 'Special education',
    },
    errors: {
      schoolRequired: 'Please choose your school.',
      schoolUnknown: 'Please choose a school from the list.',
      kindRequired: 'Please choose your identity.',
      kindInvalid: 'Please choose an identity from the list.',
      emailRequired: 'Please enter your email address.',
      emailInvalid: 'This is not a valid email address (e.g. name@example.com).',
      emailTaken:
        'This email address already has an account. Please sign in; if you forgot the password, use “Forgot password” on the sign-in page.',
      mailLimited:
        'Several activation mails have already been sent to this email address in the last hour, so no new one was sent. Please look in the mailbox (and its spam folder), or try again in an hour.',
      emailPending:
        'This email address has already been registered but not yet confirmed. Open the link in the registration mail, or sign in with this email and choose “Send the activation mail again”.',
      nameRequired: 'Please enter your name.',
      nameTooLong: 'The name can be at most 50 characters.',
      nameInvalid:
        'A name can only have letters (of any language), with spaces, a middle dot (·) or a hyphen (-) between them; no emoji, digits or other symbols.',
      nationalIdRequired: 'Please enter your national ID number.',
      nationalIdInvalid:
        'This national ID (or resident certificate) number is malformed or its check digit is wrong. Please check it.',
      nationalIdTaken:
        'This national ID number already has an account. If you forgot your account or password, use “Forgot password” on the sign-in page or ask your school.',
      passwordPolicy: 'This password does not meet the password rules. Please choose another.',
      phoneInvalid: 'This is not a valid phone number (e.g. 0912345678 or 02-21235678).',
      genderInvalid: 'Please choose a gender from the list.',
      expired: 'Your details have expired. Please enter them again.',
      expiredKept:
        'This page was open too long and has expired. For your safety, please type your national ID number and password again and, once the security check is done, choose “Next”; everything else is still here.',
    },
    step2: {
      heading: 'Are your details correct?',
      intro:
        'Please check your details: if something is wrong, choose “Back, to change something”; if everything is right, choose “Send my application”.',
      back: 'Back, to change something',
      submit: 'Send my application',
      masked: '(hidden)',
      none: '(not given)',
    },
    federated: {
      notice:
        'You are registering with your {{provider}} account ({{email}}). Once your account exists, you can simply choose “Sign in with {{provider}}” next time.',
      noticeNoEmail:
        'You are registering with your {{provider}} account. Once your account exists, you can simply choose “Sign in with {{provider}}” next time.',
      noticeVerified: 'If you keep the email address {{provider}} gave us, you will not need an activation mail.',
      taken:
        'This {{provider}} account was just linked to another account, so this registration will not link it. You can still finish registering.',
      existing:
        'This email address already has a campus account, so there is no need to register again. If that account is yours, sign in with it once (account and password) and it will be linked to your {{provider}} account; next time you can simply choose “Sign in with {{provider}}”.',
      existingLink: 'Sign in with my account and link it',
      existingCancel: 'Cancel, back to sign-in',
    },
    step3: {
      heading: 'Check your email to finish',
      sentTo:
        'Your application is sent. We mailed an activation link to {{email}}; open it to finish your registration.',
      text: 'Your application is sent. We mailed an activation link to your email address; open it to finish your registration.',
      validity: 'The link in the mail works once, within 24 hours.',
      noMail:
        'No mail? Check your spam folder, or sign in with your email and password and choose “Send the activation mail again”.',
      backToSignIn: 'Back to sign-in',
      home: 'Home page',
      activeHeading: 'Your account is ready',
      activeText: 'Your account is made and linked to your outside account. You can sign in now.',
      signIn: 'Sign in to my account',
    },
    activate: {
      title: 'Registration complete',
      done: 'Your account is registered!',
      doneText: 'Your email address is confirmed. You can now sign in with your email and password.',
      member:
        'Until your school confirms your identity, you can sign in but not yet use the services for school members.',
      signIn: 'Sign in to my account',
      home: 'Home page',
      confirmTitle: 'Activate your account',
      confirmText:
        'Type the password you chose when you registered, to confirm this registration is yours, then press “Activate my account”.',
      confirmButton: 'Activate my account',
      account: 'Account (email)',
      name: 'Name registered',
      password: 'Password chosen at registration',
      passwordMissing: 'Please type the password you chose when you registered.',
      passwordWrong:
        'That password is not right. Please type the password you chose when you registered this account ({{left}} more tries).',
      passwordLast:
        'That password is not right. Please type the password you chose when you registered this account (this is the last try; then you will have to wait 15 minutes).',
      limited:
        'Too many wrong passwords. Please try again in 15 minutes. If you do not remember the password, you can cancel this registration and register again.',
      notMineTitle: 'Forgot the password, or not your registration?',
      notMineText:
        'If you do not remember the password you chose, or you did not register this account (for example, the name is not yours), cancel this registration. No account is made, and you can register this email address again.',
      notMineButton: 'This is not my registration, cancel it',
      discardedTitle: 'This registration is cancelled',
      discardedText:
        'This registration is cancelled and no account was made. If you want to use this email address, you can register again.',
      registerAgain: 'Register again',
      taken:
        'This email address or national ID already belongs to another active account. If it is yours, simply sign in; if you forgot the password, use “Forgot password”.',
      failedTitle: 'Registration could not be completed',
      usedTitle: 'This link has already been used',
      invalid: 'This activation link is not valid. Please make sure you opened the complete link from the mail.',
      used: 'This activation link has already been used. If you completed your registration, simply sign in.',
      expired:
        'This activation link expired after 24 hours. Sign in with your email and password and choose “Send the activation mail again” to get a new one.',
    },
    resend: {
      title: 'Send the activation mail again',
      sent: 'The activation mail has been sent again. Please check your inbox and open the link in the mail to complete your registration.',
      limited:
        'The activation mail has already been sent several times, so no new one was sent. Please look in your mailbox (and its spam folder), or try again in an hour.',
      expired: 'This page has expired. Please go back to the sign-in page and sign in again.',
      notPending: 'Your account is already confirmed. You can sign in.',
      backToSignIn: 'Back to sign-in',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
