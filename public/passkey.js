// The passkey button of the second-factor step: asks this site for a challenge, lets the browser make or use a
// passkey (@simplewebauthn/browser), and sends its answer with the page's form. Without WebAuthn the button stays
// hidden and the page says so; the code from an authenticator app works as before.
(() => {
  const form = document.getElementById('passkey-form');
  if (!form) return;
  const button = document.getElementById('passkey-button');
  const status = document.getElementById('passkey-status');
  const webauthn = window.SimpleWebAuthnBrowser;
  if (!window.PublicKeyCredential || !webauthn) {
    document.getElementById('passkey-unsupported').hidden = false;
    return;
  }
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = status.dataset.waiting;
    try {
      const res = await fetch(form.dataset.options, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: form.elements._csrf.value }),
      });
      if (!res.ok) throw new Error(`options: ${res.status}`);
      const { mode, options } = await res.json();
      const answer =
        mode === 'register'
          ? await webauthn.startRegistration({ optionsJSON: options })
          : await webauthn.startAuthentication({ optionsJSON: options });
      form.elements.response.value = JSON.stringify(answer);
      form.submit();
    } catch {
      status.textContent = status.dataset.failed;
      button.disabled = false;
    }
  });
})();
