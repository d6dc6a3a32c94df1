// Texts of the school-affairs hand-off (`sis.*`, zh-TW first, English second).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  sis: {
    title: '申請帳號',
    consent: {
      heading: '申請帳號',
      headingAdd: '變更身分',
      introRegister: '「{{brand}}」需要您提供下列資料以完成註冊程序：',
      introAdd: '「{{brand}}」需要您提供下列資料以完成變更身分的程序：',
      text: '我願意授權讓「{{brand}}」自校務行政系統（{{client}}）中取得我的基本資料',
      nextRegister: '按下確定後，畫面將會導向{{brand}}的註冊頁面，請確定您目前開啟的功能裡資料皆已存檔。',
      nextAdd: '按下確定後，這個身分將加入您的帳號，並回到校務行政系統。',
      signedInAs: '您目前登入的帳號：{{who}}',
      agree: '確定',
      decline: '關閉',
    },
    field: {
      nationalId: '身分證字號',
      name: '姓名',
      email: 'email',
      birthdate: '生日',
      mobile: '手機',
      gender: '性別',
      role: '身分別',
      school: '學校',
      class: '班級 / 座號',
    },
    refusal: {
      heading: '無法繼續',
      expired: '這個連結已失效或已過期（有效時間 10 分鐘）。請回到校務行政系統重新點選按鈕。',
      used: '這個連結已經使用過了。請回到校務行政系統重新點選按鈕。',
      otherBrowser:
        '這個連結已經在另一個瀏覽器開啟過，只能在第一次開啟它的瀏覽器中繼續。請回到校務行政系統重新點選按鈕。',
      noFlow: '找不到您的申請資料（可能已經完成或已過期）。請回到校務行政系統重新點選按鈕。',
      mismatch: '您登入的帳號與校務行政系統傳來的身分證字號不符，無法加入這個身分。請以本人的帳號登入。',
      askAgain: '請回到校務行政系統重新操作。',
    },
    backToSis: '回到校務系統',
    locked: '這個欄位由校務行政系統提供，無法修改。',
  },
};

const en: typeof zh = {
  sis: {
    title: 'Apply for an account',
    consent: {
      heading: 'Apply for an account',
      headingAdd: 'Change of identity',
      introRegister: '{{brand}} needs the following details to complete your registration:',
      introAdd: '{{brand}} needs the following details to change your identity:',
      text: 'I authorise {{brand}} to obtain my basic details from the school-affairs system ({{client}})',
      nextRegister:
        'After you press OK you will be taken to the {{brand}} registration page; please make sure your work in the open pages is saved.',
      nextAdd: 'After you press OK this identity is added to your account and you return to the school-affairs system.',
      signedInAs: 'Signed in as: {{who}}',
      agree: 'OK',
      decline: 'Close',
    },
    field: {
      nationalId: 'National ID',
      name: 'Name',
      email: 'Email',
      birthdate: 'Date of birth',
      mobile: 'Mobile',
      gender: 'Gender',
      role: 'Identity',
      school: 'School',
      class: 'Class / seat',
    },
    refusal: {
      heading: 'Cannot continue',
      expired:
        'This link is no longer valid or has expired (it is valid for 10 minutes). Go back to the school-affairs system and press the button again.',
      used: 'This link has already been used. Go back to the school-affairs system and press the button again.',
      otherBrowser:
        'This link was already opened in another browser; it can only be continued in the browser that opened it first. Go back to the school-affairs system and press the button again.',
      noFlow:
        'Your application could not be found (it may be finished or expired). Go back to the school-affairs system and press the button again.',
      mismatch:
        'The account you are signed in to does not match the national ID sent by the school-affairs system, so the identity cannot be added. Please sign in with your own account.',
      askAgain: 'Go back to the school-affairs system and try again.',
    },
    backToSis: 'Back to the school-affairs system',
    locked: 'Provided by the school-affairs system; cannot be changed.',
  },
};

defineTexts({ 'zh-TW': zh, en });
