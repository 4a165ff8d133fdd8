// /sign/<id>: sign the prepared bytes with the person's signing key through NCALayer, then
// post the CMS back with the page's form (the round itself: ncalayer_flow.js).
DocflowNCALayer.bind({
  root: 'sign-root', button: 'sign-button', status: 'sign-status', form: 'sign-form', key: 'sign',
  prepare: async function (root) {
    return { data: await DocflowNCALayer.load(root, root.dataset.dataUrl, false) };
  },
  answer: function (form, cms) {
    form.elements.cms.value = cms;
  }
});

// /sign/batch/<token>: every open request of one batch with ONE NCALayer call — the basics
// module's sign takes an array of data and answers an array of CMS, in the same order.
DocflowNCALayer.bind({
  root: 'sign-batch-root', button: 'sign-batch-button', status: 'sign-status',
  form: 'sign-batch-form', key: 'sign',
  prepare: function (root) {
    return DocflowNCALayer.load(root, root.dataset.dataUrl, true); // { ids, data }
  },
  answer: function (form, signatures, batch) {
    if (!Array.isArray(signatures) || signatures.length !== batch.ids.length) {
      throw new Error('NCALayer answered ' + (signatures && signatures.length) + ' signatures');
    }
    form.elements.answers.value = JSON.stringify({ ids: batch.ids, cms: signatures });
  }
});
