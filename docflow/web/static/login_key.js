// /login/key: sign the server's one-time nonce with the person's login (AUTH) key through
// NCALayer, then post it with the page's form (the round itself: ncalayer_flow.js).
DocflowNCALayer.bind({
  root: 'login-root', button: 'login-button', status: 'login-status', form: 'login-form',
  key: 'login',
  prepare: async function () {
    return { data: document.getElementById('nonce-field').value };
  },
  answer: function (form, cms) {
    form.elements.cms.value = cms;
  }
});
