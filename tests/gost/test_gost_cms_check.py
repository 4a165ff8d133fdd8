"""A detached GOST-2015 CMS as NCALayer returns it, checked by docflow.sign's CMS check with the
home's trust (``signreq.home_trust``: trust list + GOST validator) and Streebog digests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from docflow.config import Home
from docflow.gost import STREEBOG_DIGESTS, GostSigner
from docflow.sign import SignedBytes, check_cms
from docflow.signreq._trust import home_trust
from docflow.trust import TrustStore
from docflow.verify._aio import run_sync
from tests.gost.gost_pki import SIGNER_IIN, GostPki

pytestmark = pytest.mark.slow  # builds a GOST PKI and signs

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _cms(pki: GostPki, data: bytes) -> bytes:
    signer = GostSigner(pki.signer.key, pki.signer.cert, [pki.ca.cert, pki.root.cert])
    info = run_sync(
        signer.async_sign_general_data(data, pki.signer.key.digest_algorithm, detached=True)
    )
    return info.dump()


def test_a_gost_cms_is_accepted_with_the_trust_list_and_refused_for_other_bytes(
    tmp_path: Path,
) -> None:
    pki = GostPki.build(AT)
    store = TrustStore(tmp_path / "certs")
    store.add(pki.root.cert.dump(), name="GOST test root")
    store.add(pki.ca.cert.dump(), name="GOST test CA")
    trust = home_trust(Home(tmp_path))
    # NCA's OCSP is not reachable from a test: judge trust and integrity, not revocation.
    from dataclasses import replace

    trust = replace(trust, fetch=False, revocation_mode="soft-fail")
    nonce = b"docflow login nonce 2026-06-01"
    cms_der = _cms(pki, nonce)
    status = check_cms(  # Streebog is among check_cms's digests by default
        cms_der, SignedBytes(nonce), expected_iin=SIGNER_IIN, trust=trust, now=AT
    )
    assert status.accepted, status
    refused = check_cms(
        cms_der,
        SignedBytes(nonce + b"!"),
        expected_iin=SIGNER_IIN,
        trust=trust,
        now=AT,
        extra_digests=STREEBOG_DIGESTS,
    )
    assert not refused.accepted
    # the GOST signature value itself damaged: refused by the GOST check, not by a digest
    from asn1crypto import cms

    info = cms.ContentInfo.load(cms_der)
    signer_info = info["content"]["signer_infos"][0]
    value = bytearray(signer_info["signature"].native)
    value[3] ^= 0x01
    signer_info["signature"] = bytes(value)
    damaged = check_cms(
        info.dump(force=True),
        SignedBytes(nonce),
        expected_iin=SIGNER_IIN,
        trust=trust,
        now=AT,
        extra_digests=STREEBOG_DIGESTS,
    )
    assert not damaged.accepted
    assert "bad_signature" in {r.code for r in damaged.refusals}, damaged
