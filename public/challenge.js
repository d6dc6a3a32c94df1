// The person check's widget (ALTCHA, served from this site: its scripts, its proof-of-work worker) in the page's
// language, with our own words. The words come from the page (data-challenge-strings on the check's fieldset).
import '/static/altcha/altcha.js';

const worker = () => new Worker('/static/altcha/workers/pbkdf2.js');
globalThis.$altcha.algorithms.set('PBKDF2/SHA-256', worker);
const strings = JSON.parse(document.querySelector('[data-challenge-strings]')?.dataset.challengeStrings || '{}');
const lang = (document.documentElement.lang || 'zh-TW').toLowerCase();
globalThis.$altcha.i18n.set(lang, { ...(globalThis.$altcha.i18n.get(lang) || {}), ...strings });

// The widget's state, said by screen readers as it changes (it shows it only as a picture and its own words).
const spoken = {
  verifying: strings.verifying,
  verified: strings.verified,
  error: strings.error,
  expired: strings.expired,
};
// The hint that the device checks by itself is true only here, where the widget runs.
for (const hint of document.querySelectorAll('#challenge-hint')) hint.hidden = false;
const status = document.getElementById('challenge-status');
// Why the check is shown (the account typed needs it): the widget's words while it runs, and once it is done no more
// "when it says done" (the page's own words are the question's, for browsers without scripts).
const notice = document.getElementById('challenge-notice');
const tell = (state) => {
  const text = state === 'verified' ? notice?.dataset.done : notice?.dataset.running;
  if (notice && text) notice.textContent = text;
};
tell(undefined);
for (const widget of document.querySelectorAll('altcha-widget'))
  widget.addEventListener('statechange', (event) => {
    const text = spoken[event.detail?.state];
    if (status && text) status.textContent = text;
    tell(event.detail?.state);
  });
