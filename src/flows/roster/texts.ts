// Texts of roster registration (`roster.*`, zh-TW first, English second).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  roster: {
    title: '高職、私立學校帳號申請',
    intro: '請選擇所屬學校與身分，並輸入學校發給您的認證帳號與認證密碼。',
    field: {
      school: '所屬學校',
      kind: '身分',
      account: '認證帳號',
      password: '認證密碼',
    },
    choose: '請選擇',
    submit: '送出',
    hint: {
      account: '認證帳號與認證密碼在學校發給您的通知單上；沒有收到的話，請洽學校。',
    },
    elsewhere: {
      register: '其他學校請用一般註冊',
    },
    none: {
      text: '目前還沒有學校使用「學校驗證帳號」，所以這裡還沒有學校可以選。',
      instead: '請改用一般註冊：選您的學校，再填寫您的資料就可以了。',
      register: '到一般註冊',
    },
    errors: {
      wrong: '認證帳號或認證密碼錯誤，或此認證帳號已經使用過。請對照學校發的通知單再輸入一次；還是不行，請洽學校。',
      limited: '嘗試次數過多，請 15 分鐘後再試。',
      missing: '請選擇學校、身分，並輸入認證帳號與認證密碼。',
      startAgain: '上一次的驗證等太久了（超過 30 分鐘），或已經用過了。請再輸入一次學校給您的認證帳號和密碼。',
      claimed: '此認證帳號已經使用過，無法再次使用。如果是您自己用的，請直接登入您的帳號；如果不是，請馬上告訴學校。',
      otherPerson:
        '這張認證帳號是學校發給另一個人的：學校名冊上的身分證統一編號和您帳號上的不一樣，所以沒有加入您的帳號，您的帳號也沒有任何變更。如果通知單是別人的，請交給本人自己使用；如果是您的，請洽學校確認名冊上的資料。',
      school: '請選擇所屬學校。',
      kind: '請選擇身分。',
      account: '請輸入認證帳號。',
      password: '請輸入認證密碼。',
    },
    verified: {
      heading: '請選擇註冊或變更臺北市政府教育局單一簽入帳號',
      who: '認證成功：{{school}}　{{role}}　{{name}}',
      register: '註冊單一簽入帳號',
      registerNote: '（沒有申請過任何本系統帳號）',
      add: '身分變更單一簽入帳號',
      addNote: '（已經申請過任何本系統帳號，但需要變更目前帳號的身分或增加身分）',
    },
    register: {
      heading: '註冊新帳號',
      next: '註冊',
      back: '上一步',
    },
    add: {
      heading: '將身分加入我的帳號',
      text: '將以下身分加入 {{name}} 的帳號：',
      confirm: '加入身分',
      account: '回到我的帳號',
    },
  },
};

const en: typeof zh = {
  roster: {
    title: 'Accounts for vocational and private schools',
    intro: 'Choose your school and identity, then enter the verification account and password your school gave you.',
    field: {
      school: 'School',
      kind: 'Identity',
      account: 'Verification account',
      password: 'Verification password',
    },
    choose: 'Please choose',
    submit: 'Submit',
    hint: {
      account:
        'The verification account and password are on the letter your school gave you; if you have none, ask your school.',
    },
    elsewhere: {
      register: 'Other schools: the ordinary registration',
    },
    none: {
      text: 'No school uses school verification accounts yet, so there is no school to choose here.',
      instead: 'Please use the ordinary registration instead: choose your school and fill in your details.',
      register: 'Go to the ordinary registration',
    },
    errors: {
      wrong:
        'The verification account or password is wrong, or the account has already been used. Check the notice your school gave you and type it again; if it still does not work, ask your school.',
      limited: 'Too many attempts. Please try again in 15 minutes.',
      missing: 'Choose the school and identity, and enter the verification account and password.',
      startAgain:
        'Your last check waited too long (over 30 minutes), or was already used. Please enter the verification account and password from your school again.',
      claimed:
        'This verification account has already been used and cannot be used again. If you used it, just sign in with your account; if not, tell your school at once.',
      otherPerson:
        'The school gave this verification account to someone else: the national ID on the school’s roster is not the one on your account, so it was not added to your account, and nothing on your account changed. If the notice is someone else’s, give it to that person to use; if it is yours, ask your school to check its roster.',
      school: 'Please choose your school.',
      kind: 'Please choose your identity.',
      account: 'Please enter the verification account.',
      password: 'Please enter the verification password.',
    },
    verified: {
      heading: 'Register a new single sign-on account, or add this identity to yours',
      who: 'Verified: {{school}}, {{role}}, {{name}}',
      register: 'Register a new account',
      registerNote: '(you have no account here yet)',
      add: 'Add the identity to my account',
      addNote: '(you already have an account and want to change or add an identity)',
    },
    register: {
      heading: 'Register a new account',
      next: 'Register',
      back: 'Back',
    },
    add: {
      heading: 'Add the identity to my account',
      text: 'Add this identity to the account of {{name}}:',
      confirm: 'Add the identity',
      account: 'Back to my account',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
