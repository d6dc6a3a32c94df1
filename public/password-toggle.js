// Loaded by every page. A "show password" button beside every password field (WCAG 3.3.8, ASVS 2.1.12). Without scripts the fields work
// as they are; the button's words come from the page (data-show / data-hide on <body>), in its language.
// And, on a page drawn in answer to a form post that names the page its form came from (data-form-page: the page a
// wrong password is answered with, the identity menu), that page becomes this history entry: Back or reload to it then asks for that
// page, where a browser would otherwise offer to send the form, password and all, again ("Confirm form resubmission").
(() => {
  const formPage = document.body.dataset.formPage;
  if (formPage?.startsWith('/') && !formPage.startsWith('//')) history.replaceState(history.state, '', formPage);
  const show = document.body.dataset.showPassword;
  const hide = document.body.dataset.hidePassword;
  if (!show || !hide) return;
  // The field keeps the focus after a press, so the new state is said through a status line of its own.
  let said;
  const say = (text) => {
    if (!text) return;
    if (!said) {
      said = document.createElement('span');
      said.className = 'visually-hidden';
      said.setAttribute('role', 'status');
      said.id = 'password-state';
      document.body.appendChild(said);
    }
    said.textContent = text;
  };
  document.querySelectorAll('input[type="password"]').forEach((input, index) => {
    if (!input.id) input.id = `password-field-${index}`;
    // Moving a field the page's autofocus already reached takes the focus from it: it goes back.
    const focused = document.activeElement === input;
    const wrap = document.createElement('span');
    wrap.className = 'password-wrap';
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    if (focused) input.focus();
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'password-toggle';
    button.textContent = show;
    button.setAttribute('aria-controls', input.id);
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', () => {
      const visible = input.type === 'password';
      input.type = visible ? 'text' : 'password';
      button.textContent = visible ? hide : show;
      button.setAttribute('aria-pressed', String(visible));
      say(visible ? document.body.dataset.passwordShown : document.body.dataset.passwordHidden);
      input.focus();
    });
    wrap.appendChild(button);
    // The typed password stops short of the button, however wide its words are (English, larger text spacing).
    const fit = () => {
      input.style.paddingRight = `${button.offsetWidth + 12}px`;
    };
    fit();
    if ('ResizeObserver' in window) new ResizeObserver(fit).observe(button);
  });
  // Whatever is sent, it leaves as a password field (browsers then offer to save it as one).
  for (const form of document.querySelectorAll('form')) {
    form.addEventListener('submit', () => {
      for (const input of form.querySelectorAll('.password-wrap input')) input.type = 'password';
    });
  }
})();

// Every form: a second submission within a few seconds of one on its way (a double click) is not sent; a form that
// answers with a download (no new page) can be sent again after that. A submission another script stopped (the
// person check still working) does not count; Back to the page starts afresh.
(() => {
  const SECONDS = 5;
  for (const form of document.querySelectorAll('form')) {
    form.addEventListener('submit', (event) => {
      const sent = Number(form.dataset.sentAt || 0);
      if (Date.now() - sent < SECONDS * 1000) {
        event.preventDefault();
        return;
      }
      setTimeout(() => {
        if (!event.defaultPrevented) form.dataset.sentAt = String(Date.now());
      }, 0);
    });
  }
  window.addEventListener('pageshow', () => {
    for (const form of document.querySelectorAll('form[data-sent-at]')) delete form.dataset.sentAt;
  });
})();

// The language link: what was typed into the page's forms (not passwords, not hidden fields, not files) comes along to
// the same page in the other language, kept in this tab's sessionStorage for the moment of the switch only and removed
// as soon as it is put back. Without scripts the link still works, with the fields as the page draws them.
(() => {
  const KEY = 'campus-sso:carried-fields';
  const SECONDS = 60;
  const carried = (element) =>
    element.name &&
    !element.disabled &&
    !['password', 'hidden', 'file', 'submit', 'button', 'reset', 'image'].includes(element.type);
  const formKey = (form, index) => `${form.getAttribute('action') ?? ''}#${index}`;
  const link = document.querySelector('a.lang');
  link?.addEventListener('click', () => {
    const target = new URL(link.href, location.href);
    const forms = [...document.querySelectorAll('form')].map((form, index) => ({
      form: formKey(form, index),
      fields: [...form.elements]
        .filter(carried)
        .map((e) => [e.name, e.type, e.type === 'checkbox' || e.type === 'radio' ? e.checked : e.value, e.value]),
    }));
    if (!forms.some((f) => f.fields.length)) return;
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ to: target.pathname, at: Date.now(), forms }));
    } catch {
      // Storage turned off: the link goes on without the values.
    }
  });
  let saved;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    sessionStorage.removeItem(KEY);
  } catch {
    return;
  }
  if (!saved || saved.to !== location.pathname || Date.now() - saved.at > SECONDS * 1000) return;
  document.querySelectorAll('form').forEach((form, index) => {
    const fields = saved.forms.find((f) => f.form === formKey(form, index))?.fields ?? [];
    for (const [name, type, value, own] of fields) {
      for (const element of form.elements) {
        if (element.name !== name || element.type !== type || !carried(element)) continue;
        if (type === 'checkbox' || type === 'radio') {
          if (element.value !== own) continue;
          if (element.checked !== value) {
            element.checked = value;
            element.dispatchEvent(new Event('change', { bubbles: true }));
          }
        } else if (element.value !== value) {
          element.value = value;
          element.dispatchEvent(new Event(element.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
        }
      }
    }
  });
})();

// A form drawn again with its mistakes listed above it: the list takes the focus, so that it is read out first and
// its links lead on to each field.
(() => {
  const list = document.querySelector('[data-mistakes]');
  list?.focus();
  // A mistake's link goes to its field with the field's label in sight above it (a plain jump puts the field at the
  // very top of the window, its label out of sight).
  list?.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[href^="#"]');
    const field = link && document.getElementById(decodeURIComponent(link.getAttribute('href').slice(1)));
    if (!field) return;
    event.preventDefault();
    const label = document.querySelector(`label[for="${CSS.escape(field.id)}"]`) ?? field.closest('fieldset, label');
    (label ?? field).scrollIntoView({ block: 'start' });
    field.focus({ preventScroll: true });
  });
})();
