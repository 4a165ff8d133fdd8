// /sign/<id>: sign the prepared bytes with the person's key through NCALayer
// (ncalayer-js-client), then post the CMS back with the page's form.
(function () {
  'use strict';
  var root = document.getElementById('sign-root');
  var button = document.getElementById('sign-button');
  if (!root || !button) { return; }
  var status = document.getElementById('sign-status');
  var ncaLocale = { kk: 'kk', ru: 'ru', en: 'en' }[root.dataset.locale] || 'ru';

  button.addEventListener('click', async function () {
    button.disabled = true;
    status.textContent = root.dataset.msgConnecting;
    try {
      // false: never probe KAZTOKEN's HTTP API, only NCALayer's WebSocket
      var client = new NCALayerClient(root.dataset.ncalayerUrl, false);
      await client.connect();
      var answer = await fetch(root.dataset.dataUrl, { credentials: 'same-origin' });
      if (!answer.ok) { throw new Error('HTTP ' + answer.status); }
      var data = (await answer.text()).trim();
      status.textContent = root.dataset.msgSigning;
      // digested: false — NCALayer hashes the bytes with the key's own algorithm;
      // emailProtection EKU: NCA's signing keys only (not the AUTH login keys)
      var cms = await client.basicsSignCMS(
        NCALayerClient.basicsStorageAll,
        data,
        NCALayerClient.basicsCMSParamsDetached,
        { extKeyUsageOids: ['1.3.6.1.5.5.7.3.4'], iin: root.dataset.iin },
        ncaLocale
      );
      document.getElementById('cms-field').value = cms;
      document.getElementById('sign-form').submit();
    } catch (err) {
      status.textContent = (err && err.canceledByUser)
        ? root.dataset.msgCancelled
        : root.dataset.msgError + ' ' + ((err && err.message) || err);
      button.disabled = false;
    }
  });
}());

// /sign/batch/<token>: every open request of one batch with ONE NCALayer call — the basics
// module's sign takes an array of data and answers an array of CMS, in the same order.
(function () {
  'use strict';
  var root = document.getElementById('sign-batch-root');
  var button = document.getElementById('sign-batch-button');
  if (!root || !button) { return; }
  var status = document.getElementById('sign-status');
  var ncaLocale = { kk: 'kk', ru: 'ru', en: 'en' }[root.dataset.locale] || 'ru';

  button.addEventListener('click', async function () {
    button.disabled = true;
    status.textContent = root.dataset.msgConnecting;
    try {
      var client = new NCALayerClient(root.dataset.ncalayerUrl, false);
      await client.connect();
      var answer = await fetch(root.dataset.dataUrl, { credentials: 'same-origin' });
      if (!answer.ok) { throw new Error('HTTP ' + answer.status); }
      var batch = await answer.json();
      status.textContent = root.dataset.msgSigning;
      var signatures = await client.basicsSignCMS(
        NCALayerClient.basicsStorageAll,
        batch.data,
        NCALayerClient.basicsCMSParamsDetached,
        { extKeyUsageOids: ['1.3.6.1.5.5.7.3.4'], iin: root.dataset.iin },
        ncaLocale
      );
      if (!Array.isArray(signatures) || signatures.length !== batch.ids.length) {
        throw new Error('NCALayer answered ' + (signatures && signatures.length) + ' signatures');
      }
      document.getElementById('answers-field').value =
        JSON.stringify({ ids: batch.ids, cms: signatures });
      document.getElementById('sign-batch-form').submit();
    } catch (err) {
      status.textContent = (err && err.canceledByUser)
        ? root.dataset.msgCancelled
        : root.dataset.msgError + ' ' + ((err && err.message) || err);
      button.disabled = false;
    }
  });
}());
