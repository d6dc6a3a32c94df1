// The binding code card's 列印 button: shown only where scripts run (without them the browser's own print command
// prints the card the same way: binding.css hides everything else on paper).
(() => {
  for (const button of document.querySelectorAll('button[data-print]')) {
    button.hidden = false;
    button.addEventListener('click', () => window.print());
  }
})();
