// The person check's widget (ALTCHA, served from this site: its scripts, its proof-of-work worker) in the page's
// language, with our own words. The words come from the page (data-challenge-strings on the check's fieldset).
import '/static/altcha/altcha.js';

const worker = () => new Worker('/static/altcha/workers/pbkdf2.js');
globalThis.$altcha.algorithms.set('PBKDF2/SHA-256', worker);
const strings = JSON.parse(document.querySelector('[data-challenge-strings]')?.dataset.challengeStrings || '{}');
const lang = (document.documentElement.lang || 'zh-TW').toLowerCase();
globalThis.$altcha.i18n.set(lang, { ...(globalThis.$altcha.i18n.get(lang) || {}), ...strings });
