// The host demo pages' script: it shows what each <wallet-push-button> reports (docs/design.md §5),
// as an issuer's page would. It sees only what the events carry: a token reference and last 4.
'use strict';

(() => {
  const status = document.getElementById('status');
  if (!status) return;
  const say = (text, kind = 'ok') => {
    status.textContent = text;
    status.dataset.kind = kind;
  };

  for (const button of document.querySelectorAll('wallet-push-button')) {
    button.addEventListener('success', (event) => {
      const detail = event.detail || {};
      say(`Card ending ${detail.last4 || ''} added to the wallet (token ${detail.token_ref || ''}).`);
    });
    button.addEventListener('cancel', () => say('Cancelled: the card was not added.'));
    button.addEventListener('error', (event) => {
      const detail = event.detail || {};
      say(`The card could not be added (${detail.code || 'error'}).`, 'error');
    });
  }
})();
