// Progressive enhancement of the registration pages: no second submission of a form while the first is on its way.
(() => {
  for (const form of document.querySelectorAll(
    'form#registration, form#submit-registration, form#roster-registration',
  )) {
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
