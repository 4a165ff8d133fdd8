// /login/key: sign the server's one-time nonce with the person's login key through NCALayer.
(function () {
  'use strict';
  var root = document.getElementById('login-root');
  var button = document.getElementById('login-button');
  if (!root || !button) { return; }
  var status = document.getElementById('login-status');
  var ncaLocale = { kk: 'kk', ru: 'ru', en: 'en' }[root.dataset.locale] || 'ru';

  button.addEventListener('click', async function () {
    button.disabled = true;
    status.textContent = root.dataset.msgConnecting;
    try {
      var client = new NCALayerClient(root.dataset.ncalayerUrl, false);
      await client.connect();
      status.textContent = root.dataset.msgSigning;
      // clientAuth EKU: NCA's authentication (login) keys, as basicsSignerAuthAny asks
      var cms = await client.basicsSignCMS(
        NCALayerClient.basicsStorageAll,
        document.getElementById('nonce-field').value,
        NCALayerClient.basicsCMSParamsDetached,
        { extKeyUsageOids: ['1.3.6.1.5.5.7.3.2'] },
        ncaLocale
      );
      document.getElementById('cms-field').value = cms;
      document.getElementById('login-form').submit();
    } catch (err) {
      status.textContent = (err && err.canceledByUser)
        ? root.dataset.msgCancelled
        : root.dataset.msgError + ' ' + ((err && err.message) || err);
      button.disabled = false;
    }
  });
}());
