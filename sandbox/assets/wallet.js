// The sandbox wallet's page script, for popup and redirect modes (docs/wire.md). It lives in a
// file because the wallet's CSP allows no inline script. Parameters come from the data-*
// attributes of <main id="wallet">; the card data never reaches this page: only the server
// decrypts, and it answers with product, network, last 4 and art. Every result this page posts
// is a JWS the wallet's server signed (success, cancellation, error): the widget believes
// nothing else.
'use strict';

(() => {
  const root = document.getElementById('wallet');
  if (!root) return;

  const show = (id) => {
    for (const step of document.querySelectorAll('.step')) step.hidden = step.id !== id;
  };
  const byId = (id) => document.getElementById(id);

  switch (root.dataset.mode) {
    case 'popup': popup(); break;
    case 'redirect': redirect(); break;
    case 'signin': signinPage(); break;
    case 'error': leadBack(); break;
  }

  // The demo user's sign-in: a real session cookie of the wallet's own.
  function signIn() {
    return fetch('/api/signin', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}', credentials: 'same-origin',
    }).then((response) => {
      if (!response.ok) throw new Error('sign-in refused');
    });
  }

  // Popup mode: sign in, make a session, post it to the opener, wait for the credential, show
  // the confirmation, post the signed result to the opener.
  function popup() {
    const clientOrigin = root.dataset.clientOrigin;
    const cid = root.dataset.cid || undefined;
    const opener = window.opener;
    let sid = null;
    // The signed cancellation made with the session: what closing the window reports.
    let cancelResult = null;
    let credentialSeen = false;
    let resultPosted = false;
    // Set when the window goes away: requests it had in flight then fail, and that failure is
    // the user's closing the window, not the wallet's.
    let closing = false;

    const post = (message) => {
      // Always an exact target origin, never '*'.
      if (opener && !opener.closed) opener.postMessage(message, clientOrigin);
    };
    const postResult = (result) => {
      if (resultPosted || typeof result !== 'string') return;
      resultPosted = true;
      post({ type: 'walletpush/result', result });
    };
    // A refusal: show it, and post the signed error the server gave. Without one (the request
    // failed on its way), ask the server to sign the error the page saw; failing that, post the
    // signed cancellation, so that the widget learns the attempt ended.
    const fail = async (error, text) => {
      if (closing) {
        postResult(cancelResult);
        return;
      }
      byId('error-text').textContent = text;
      show('step-error');
      if (error && error.result) {
        postResult(error.result);
        return;
      }
      if (!sid) return;
      const signed = await api('/api/error', { sid, code: (error && error.code) || 'WALLET_REJECTED' })
        .catch(() => ({}));
      postResult(signed.result || cancelResult);
    };
    const api = async (path, body) => {
      const headers = { 'Content-Type': 'application/json' };
      if (cid) headers['X-Walletpush-Correlation-Id'] = cid;
      const response = await fetch(path, {
        method: 'POST', headers, body: JSON.stringify({ ...body, cid }), credentials: 'same-origin',
      });
      const json = await response.json().catch(() => ({}));
      if (!response.ok) {
        const error = new Error('the wallet refused');
        error.code = json.code || 'WALLET_REJECTED';
        error.result = json.result;
        throw error;
      }
      return json;
    };

    const onMessage = async (event) => {
      if (event.origin !== clientOrigin || event.source !== opener) return;
      const data = event.data;
      if (!data || data.type !== 'walletpush/credential' || typeof data.jwe !== 'string') return;
      // One credential per session: the session key decrypts once anyway.
      if (credentialSeen) return;
      credentialSeen = true;
      window.removeEventListener('message', onMessage);
      try {
        const display = await api('/api/credential', { sid, jwe: data.jwe });
        if (display.art) byId('card-art').src = display.art;
        byId('card-product').textContent = display.product;
        byId('card-last4').textContent = display.last4;
        show('step-confirm');
        byId('confirm').focus();
      } catch (error) {
        fail(error, 'The wallet could not accept this card.');
      }
    };

    byId('signin').addEventListener('click', async () => {
      if (!opener) {
        fail(null, 'Open the wallet from a card button.');
        return;
      }
      show('step-wait');
      try {
        await signIn();
        const session = await api('/api/session', { client_origin: clientOrigin });
        sid = session.sid;
        cancelResult = session.cancel;
        window.addEventListener('message', onMessage);
        if (session.post_ready) post({ type: 'walletpush/ready', session: session.session });
      } catch (error) {
        fail(error, 'The wallet could not start a session.');
      }
    }, { once: true });

    byId('confirm').addEventListener('click', async () => {
      byId('confirm').disabled = true;
      byId('cancel').disabled = true;
      try {
        const answer = await api('/api/confirm', { sid });
        show('step-done');
        postResult(answer.result);
        setTimeout(() => window.close(), 1000);
      } catch (error) {
        fail(error, 'The wallet could not add this card.');
      }
    });

    byId('cancel').addEventListener('click', async () => {
      byId('confirm').disabled = true;
      byId('cancel').disabled = true;
      const answer = await api('/api/cancel', { sid }).catch(() => ({}));
      postResult(answer.result || cancelResult);
      window.close();
    });

    // Closing the window without an answer is a cancellation.
    window.addEventListener('pagehide', () => {
      closing = true;
      postResult(cancelResult);
    });
  }

  // Redirect mode: the server rendered the confirmation; sign-in reveals it, and the form
  // posts the decision, answered by a 303 back to the host page.
  function redirect() {
    byId('signin').addEventListener('click', () => {
      // The confirmation shows whether or not the demo sign-in went through: the vault's
      // listing is what needs it.
      signIn().catch(() => {}).finally(() => {
        show('step-confirm');
        byId('confirm').focus();
      });
    }, { once: true });
    const form = document.querySelector('#step-confirm form');
    form.addEventListener('submit', () => {
      // After the form data is built (which skips disabled buttons): one submission only.
      setTimeout(() => {
        for (const button of form.querySelectorAll('button')) button.disabled = true;
      }, 0);
    });
  }

  // The vault's listing without sign-in: sign in, then show it.
  function signinPage() {
    byId('signin').addEventListener('click', () => {
      signIn().then(() => window.location.reload(), () => {});
    }, { once: true });
  }

  // A refusal with a way back: follow it after a moment, so the host page gets the result.
  function leadBack() {
    const back = byId('return');
    if (back) setTimeout(() => window.location.replace(back.href), 1500);
  }
})();
