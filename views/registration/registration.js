// Progressive enhancement of the registration pages: a new captcha without reloading (what was typed stays), and
// no second submission of a form while the first is on its way.
(() => {
  const link = document.getElementById('captcha-new');
  const image = document.getElementById('captcha-image');
  const id = document.getElementById('captcha_id');
  const input = document.getElementById('captcha');
  if (link && image && id) {
    link.addEventListener('click', async (event) => {
      event.preventDefault();
      try {
        const res = await fetch('/register/captcha', {
          headers: { accept: 'application/json' },
          credentials: 'same-origin',
        });
        if (!res.ok) throw new Error(String(res.status));
        const captcha = await res.json();
        image.src = captcha.image;
        id.value = captcha.id;
        if (input) {
          input.value = '';
          input.focus();
        }
      } catch {
        window.location.href = link.href;
      }
    });
  }
  for (const form of document.querySelectorAll('form#registration, form#submit-registration')) {
    form.addEventListener('submit', (event) => {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = 'yes';
      // Let the submission go out; then make the button look busy.
      setTimeout(() => form.querySelector('button[type=submit]')?.setAttribute('aria-disabled', 'true'), 0);
    });
  }
  // Coming back with the browser's back button re-enables the forms.
  window.addEventListener('pageshow', () => {
    for (const form of document.querySelectorAll('form[data-sent]')) {
      delete form.dataset.sent;
      form.querySelector('button[type=submit]')?.removeAttribute('aria-disabled');
    }
  });
})();
