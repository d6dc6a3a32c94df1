import type zh from './zh-TW.ts';

// The texts every page uses: the service's name, the language switch, roles, genders, errors and the password rules.
const en: typeof zh = {
  brand: 'Taipei Campus Single Sign-On',
  /** The organisation that runs the service, and where people get help: settings (ORGANIZATION, SUPPORT_CONTACT). */
  organization: 'Taipei City Department of Education',
  support:
    'Taipei City Department of Education, Digital Learning Center: +886 2 2753 5316 ext. 246 (weekdays 8:00–17:00)',
  footer: { help: 'Need help?' },
  /** A label and what it says (a field and its mistake, an event and its note), in the language's punctuation. */
  labelled: '{{label}}: {{text}}',
  /** Between the items of a list in running text. */
  listSeparator: ', ',
  /** A note after a name (a class after a child's name). */
  inParentheses: ' ({{text}})',
  skipToContent: 'Skip to the main content',
  titleWithMistakes: 'Error: ',
  mistakes: { summary: 'Please correct these fields:' },
  lang: {
    switch: '中文',
    switchTo: 'zh-TW',
  },
  role: {
    student: 'Student',
    teacher: 'Teacher',
    staff: 'Staff',
    principal: 'Principal',
    parent: 'Parent',
    school_admin: 'School administrator',
    bureau_admin: 'Bureau administrator',
  },
  formPost: {
    title: 'One moment…',
    noScript: 'This browser did not go on by itself. Please press Continue.',
    continue: 'Continue',
  },
  error: {
    title: 'Something went wrong',
    back: 'Please go back to the application and try again.',
    generic: 'We could not process your request. Please try again later.',
    badRequest: 'Something in what was sent was wrong. Please go back and try again.',
    notFound: 'The address may have been mistyped, or the page has been removed.',
    csrf: 'This form has been open too long, or was already sent from another tab. Open the form again and send it once more.',
    tooLarge: 'The data sent is too large. Please go back, shorten it and send it again.',
    fileTooLarge:
      'This file is larger than an upload may be. Please check that it is the right file, then upload it again.',
    unavailable: 'The service is recovering. Please try again in a few seconds.',
    badCharacters: 'What was sent contains characters we cannot accept. Go back, type it again and send it.',
    tooMany: 'Too many requests have come from your network. Please wait a few minutes and try again.',
    unsupportedBody: 'What was sent is in a form we cannot read. Go back and send it again.',
    httpsRequired: 'This site only works over a secure (https) connection. Open it again from its https address.',
    session:
      'This sign-in page was already used or has been open too long (for example after pressing Back). Use the button below to start again; nothing is lost.',
    finishedTitle: 'You have signed in',
    finished:
      'You already finished signing in to “{{client}}”. This page belongs to that sign-in and is not needed any more: use the button below to go on.',
    finishedNoWay:
      'You already finished signing in to “{{client}}”. This page belongs to that sign-in and is not needed any more: go back to “{{client}}” to go on.',
    sessionTitle: 'This sign-in has ended',
    sessionNoWay:
      'This sign-in page has been used already or was left open too long (or it was finished in another browser). Please go back to the website or app you wanted to use and sign in again.',
    csrfTitle: 'This form has expired',
    unavailableTitle: 'Please wait a moment',
    tooManyTitle: 'Please try again later',
    fileTooLargeTitle: 'The file is too large',
    notFoundTitle: 'Page not found',
    restart: 'Start signing in to “{{client}}” again',
    backToClient: 'Do not sign in; go back to “{{client}}”',
    toClient: 'Go to “{{client}}”',
    formAgain: 'Open this form again',
    home: 'Go to the home page',
    /** A page not found in an area: its start page (web/error-handler.ts). */
    areaStart: {
      admin: 'Go to the bureau console',
      school: 'Go to the school back office',
      developers: 'Go to the developer portal',
      account: 'Go to my account',
    },
    supportCode: 'If you need help, give this code to the help desk: {{code}}',
    hostMismatchTitle: 'Please use the right address',
    hostMismatch:
      'You opened this service at {{current}}, which is not its address, so signing in cannot work. Please use this address: {{address}}',
    hostMismatchGo: 'Go to {{address}}',
    signInRequestTitle: 'Signing in could not start',
    signInRequest:
      'The app sent a sign-in request with a mistake in it, so you cannot sign in from here. This is not your fault. Go back to the app and sign in again; if you see this page again, tell the people who run the app.',
    unknownApp:
      'This application is not registered, or its settings are wrong, so you cannot sign in to it. Go back to the app; if this keeps happening, tell the people who run it.',
    wrongReturnAddress:
      'The application’s return address does not match its registration, so signing in was stopped for your safety. Go back to the app; if this keeps happening, tell the people who run it.',
    linkEndedTitle: 'This sign-in link no longer works',
    linkEnded:
      'A sign-in link works only once, and only for a short time. This one was already used or was left too long (for example after reloading the page or pressing Back), so trying it again will not help. Go back to the app and press its sign-in button again.',
    declinedTitle: 'You did not sign in',
    declined: 'You did not agree, so you are not signed in and the app got none of your details. Go back to the app.',
    signOutNotDoneTitle: 'You are not signed out yet',
    signOutRequestSignedIn:
      'The app’s request to sign you out had a mistake, so you were not signed out: you are still signed in. Press “Sign out here” below.',
    signOutFormSignedIn:
      'This sign-out page was open too long, or was already sent from another tab, so you were not signed out: you are still signed in. Press “Sign out here” below to sign out again.',
    signedOutTitle: 'You are signed out',
    signOutRequestSignedOut:
      'The app’s request to sign you out had a mistake. But you are not signed in now, so there is nothing more to do.',
    signOutFormSignedOut:
      'This sign-out page was already used or was open too long. But you are not signed in now, so there is nothing more to do. For your security, close the browser.',
    signOutHere: 'Sign out here',
    signInMethod:
      'The app sent its sign-in request in a way this service does not accept, so you cannot sign in from here. This is not your fault. Go back to the app; if this keeps happening, tell the people who run it.',
    signOutMethodTitle: 'Signing out did not finish',
    signOutMethod:
      'The app sent its request to sign you out in a way this service does not accept, so you were not signed out here. To sign out, press “Sign out here” below.',
    code: {
      invalid_client: 'This application is not registered, or its settings are wrong.',
      invalid_redirect_uri:
        'The application’s return address does not match its registration; stopped for your safety.',
      invalid_request: 'The application sent an invalid sign-in request.',
      invalid_request_object: 'The application sent an invalid sign-in request.',
      unsupported_response_type: 'The application asked for an unsupported response type.',
      invalid_scope: 'The application asked for data that is not available.',
      access_denied: 'You declined the request.',
      login_required: 'You need to sign in.',
      server_error: 'We could not process your request. Please try again later.',
    },
  },
  challenge: {
    legend: 'Security check',
    hint: 'To make sure a person is using this form, your device does a small check by itself. Just wait a moment.',
    question: 'Please answer: what is {{a}} plus {{b}}? (Type a number.)',
    required:
      'When the security check below says it is done (or once you have answered its question), press the button again.',
    failed: 'The security check did not pass. Please try again.',
    number: { 1: 'one', 2: 'two', 3: 'three', 4: 'four', 5: 'five', 6: 'six', 7: 'seven', 8: 'eight', 9: 'nine' },
    widget: {
      label: 'Security check',
      loading: 'Getting ready…',
      verifying: 'Checking…',
      verified: 'Check done',
      required: 'Please wait for the security check.',
      wait: 'Checking, please wait.',
      error: 'The check did not work. Press “Check again”.',
      expired: 'The check has expired. Press “Check again”.',
      reload: 'Check again',
      verify: 'Start the check',
    },
  },
  gender: {
    male: 'Male',
    female: 'Female',
    other: 'Other',
  },
  password: {
    show: 'Show password',
    hide: 'Hide password',
    shownNow: 'Your password is now shown',
    hiddenNow: 'Your password is now hidden',
    policy: {
      title: 'Password rules',
      minLength: 'At least 8 characters',
      maxLength: 'At most 72 letters or digits (or at most 24 Chinese characters)',
      notCommon: 'Not a common password (such as 12345678 or password)',
      notPersonal: 'Must not contain your account name, email or name',
      notRepeated: 'Not one character repeated',
      tooShort: 'The password needs at least 8 characters.',
      tooLong: 'The password is too long: at most 72 letters or digits (or at most 24 Chinese characters).',
      repeated: 'The password cannot be one character repeated.',
      common: 'This password is very common and easy to guess. Please choose another.',
      personal: 'The password must not contain your account name, email or name.',
    },
    field: {
      account: 'Account',
      newPassword: 'New password',
      confirm: 'New password again',
      required: 'Please enter a password.',
      confirmRequired: 'Please enter the password again.',
      mismatch: 'The two passwords do not match.',
      sameAsCurrent: 'The new password must differ from the current one.',
      fix: 'Please correct the fields marked below.',
    },
  },
};
export default en;
