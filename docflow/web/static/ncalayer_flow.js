// One NCALayer signing round, shared by docflow's pages that sign with the person's own key
// (sign.js: one request, or every request of a batch; login_key.js: the login nonce).
//
// A press of the page's button: connect to NCALayer (ncalayer-js-client, static/vendor, at the
// page's data-ncalayer-url) → get what to sign → have the person sign it with NCALayer's
// basics module (a detached CMS; an array of them for an array of data) → put the answer in
// the page's form and post it; the server checks it and its page shows the outcome.
//
// Everything the person reads while this runs comes from the root element's data-msg-*
// attributes, which the server writes in the page's language (templates/_ncalayer.html):
// the pages need no inline script, and their CSP allows none.
(function (global) {
  'use strict';

  // NCA RK keys by extended key usage: the signing key (emailProtection) and the
  // authentication key (clientAuth), as basicsSignerSignAny / basicsSignerAuthAny ask
  var EKU = { sign: '1.3.6.1.5.5.7.3.4', login: '1.3.6.1.5.5.7.3.2' };

  // a failure the page describes in its own words (not NCALayer's)
  function Shown(text) { this.text = text; }

  // The text at ``url`` (or its JSON): the bytes to sign, base64, as the server prepared them.
  async function load(root, url, asJson) {
    var answer;
    try {
      answer = await fetch(url, { credentials: 'same-origin' });
    } catch (err) {
      throw new Shown(root.dataset.msgNoData);
    }
    if (!answer.ok) { throw new Shown(root.dataset.msgNoData + ' (HTTP ' + answer.status + ')'); }
    return asJson ? answer.json() : (await answer.text()).trim();
  }

  // true once NCALayer's end of the WebSocket is gone (it quit, or was closed)
  function closed(client) {
    return !!(client && client.wsConnection) && client.wsConnection.readyState >= WebSocket.CLOSING;
  }

  function describe(root, err, client) {
    if (err instanceof Shown) { return err.text; }
    if (err && err.canceledByUser) { return root.dataset.msgCancelled; }
    if (closed(client)) { return root.dataset.msgClosed; }
    // NCALayer's own words (its code and message) after the page's prefix
    return root.dataset.msgError + ' ' + ((err && err.message) || err);
  }

  // spec: root, button, status, form (element ids); key: 'sign' or 'login' (the EKU asked
  // for); prepare(root): a promise of { data: what to sign (base64, or an array of them),
  // …anything the answer needs }; answer(form, signed, prepared): fill the form's fields with
  // NCALayer's answer (throw to refuse it).
  function bind(spec) {
    var root = document.getElementById(spec.root);
    var button = document.getElementById(spec.button);
    if (!root || !button) { return; }
    var status = document.getElementById(spec.status);
    var form = document.getElementById(spec.form);
    var ncaLocale = { kk: 'kk', ru: 'ru', en: 'en' }[root.dataset.locale] || 'ru';
    var signer = { extKeyUsageOids: [EKU[spec.key]] };
    if (root.dataset.iin) { signer.iin = root.dataset.iin; } // only that person's keys

    button.addEventListener('click', async function () {
      var client = null;
      button.disabled = true;
      status.textContent = root.dataset.msgConnecting;
      try {
        // false: never probe KAZTOKEN's HTTP API, only NCALayer's WebSocket
        client = new NCALayerClient(root.dataset.ncalayerUrl, false);
        try {
          await client.connect();
        } catch (err) {
          throw new Shown(root.dataset.msgUnreachable); // not running, or not NCALayer
        }
        var prepared = await spec.prepare(root);
        // ncalayer-js-client would send into a socket closed meanwhile and wait forever
        if (closed(client)) { throw new Shown(root.dataset.msgClosed); }
        status.textContent = root.dataset.msgSigning;
        // digested: false — NCALayer hashes the bytes with the key's own algorithm
        var signed = await client.basicsSignCMS(
          NCALayerClient.basicsStorageAll,
          prepared.data,
          NCALayerClient.basicsCMSParamsDetached,
          signer,
          ncaLocale
        );
        spec.answer(form, signed, prepared);
        form.submit();
      } catch (err) {
        status.textContent = describe(root, err, client);
        if (client && client.wsConnection && !closed(client)) {
          client.wsConnection.close(); // a press again opens a connection of its own
        }
        button.disabled = false;
      }
    });
  }

  global.DocflowNCALayer = { bind: bind, load: load };
}(window));
