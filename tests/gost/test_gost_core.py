"""GOST 34.10-2015 and Streebog: the fast implementation agrees with gostcrypto (the reference),
with the standard's examples, and with real NCA RK signatures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from asn1crypto import ocsp, x509
from gostcrypto import gosthash
from gostcrypto.gostsignature import gost_34_10_2012 as ref

from docflow.gost import Streebog, curve, verify_gost
from docflow.gost._curve import _NAMES_256, _NAMES_512

# GOST R 34.11-2012 Appendix A, example 1: the standard writes message and hash as big-endian
# numbers; in file order the message is these ASCII digits and the hash comes out reversed.
M1 = b"012345678901234567890123456789012345678901234567890123456789012"
H512_M1 = (
    "486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00"
    "fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b"
)
H256_M1 = "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d"


def test_streebog_matches_the_standards_example() -> None:
    assert Streebog(64, M1).digest()[::-1].hex() == H512_M1
    assert Streebog(32, M1).digest()[::-1].hex() == H256_M1


@pytest.mark.parametrize("length", [0, 1, 63, 64, 65, 128, 1000])
@pytest.mark.parametrize("size", [32, 64])
def test_streebog_agrees_with_gostcrypto(length: int, size: int) -> None:
    data = os.urandom(length)
    expected = gosthash.new(f"streebog{8 * size}", data=bytearray(data)).digest()
    ours = Streebog(size)
    ours.update(data[:7])
    ours.update(data[7:])
    assert ours.digest() == bytes(expected)


@pytest.mark.slow  # gostcrypto takes up to a second per 512-bit operation
@pytest.mark.parametrize("name", _NAMES_256 + _NAMES_512)
def test_fast_signatures_agree_with_gostcrypto(name: str) -> None:
    ec = curve(name)
    ref_sig = ref.new(
        ref.MODE_256 if ec.size == 32 else ref.MODE_512, ref.CURVES_R_1323565_1_024_2019[name]
    )
    private = ec.new_private_key()
    public = ec.public_key(private)
    n = ec.size
    ref_public = bytes(ref_sig.public_key_generate(bytearray(private.to_bytes(n, "big"))))
    assert ref_public == public[0].to_bytes(n, "big") + public[1].to_bytes(n, "big")
    e = int.from_bytes(os.urandom(n), "big")
    # ours signs, gostcrypto verifies; gostcrypto signs, ours verifies
    r, s = ec.sign(private, e)
    assert ref_sig.verify(
        bytearray(ref_public),
        bytearray(e.to_bytes(n, "big")),
        bytearray(r.to_bytes(n, "big") + s.to_bytes(n, "big")),
    )
    theirs = bytes(
        ref_sig.sign(bytearray(private.to_bytes(n, "big")), bytearray(e.to_bytes(n, "big")))
    )
    r2, s2 = int.from_bytes(theirs[:n], "big"), int.from_bytes(theirs[n:], "big")
    assert ec.verify(public, e, r2, s2)
    assert not ec.verify(public, e + 1, r2, s2)
    assert not ec.verify(public, e, r2, (s2 + 1) % ec.q)


def _ocsp(kz_pki: Path, name: str) -> ocsp.BasicOCSPResponse:
    response = ocsp.OCSPResponse.load((kz_pki / "ncanode-head" / "ocsp" / name).read_bytes())
    return response["response_bytes"]["response"].parsed


def _reference_verify(public_octets: bytes, signed: bytes, signature: bytes) -> bool:
    """gostcrypto's check with NCA's conventions (README of kz-pki): every half reversed."""
    ec = ref.new(
        ref.MODE_512, ref.CURVES_R_1323565_1_024_2019["id-tc26-gost-3410-12-512-paramSetA"]
    )
    key = public_octets[:64][::-1] + public_octets[64:][::-1]
    sig = signature[:64][::-1] + signature[64:][::-1]
    digest = bytes(gosthash.new("streebog512", data=bytearray(signed)).digest())[::-1]
    return bool(ec.verify(bytearray(key), bytearray(digest), bytearray(sig)))


@pytest.mark.parametrize(
    "name", ["ocsp_response_individual_2015.bin", "ocsp_response_ceo_2015_revoked.bin"]
)
def test_nca_gost2015_ocsp_answers_verify_and_fail_when_one_byte_changes(
    kz_pki: Path, name: str
) -> None:
    basic = _ocsp(kz_pki, name)
    responder = basic["certs"][0]
    tbs = basic["tbs_response_data"].dump()
    signature = basic["signature"].native
    algorithm = basic["signature_algorithm"]
    assert algorithm["algorithm"].dotted == "1.2.398.3.10.1.1.2.3.2"
    assert verify_gost(signature, tbs, responder.public_key, algorithm)
    from asn1crypto import core

    octets = core.OctetString.load(bytes(responder.public_key["public_key"])).native
    assert _reference_verify(octets, tbs, signature)

    tampered = bytearray(tbs)
    tampered[len(tampered) // 2] ^= 0x01
    assert not verify_gost(signature, bytes(tampered), responder.public_key, algorithm)
    assert not _reference_verify(octets, bytes(tampered), signature)
    bad_signature = bytearray(signature)
    bad_signature[5] ^= 0x80
    assert not verify_gost(bytes(bad_signature), tbs, responder.public_key, algorithm)


def test_nca_responder_certificate_is_signed_by_the_nca_gost2015_ca(kz_pki: Path) -> None:
    responder = _ocsp(kz_pki, "ocsp_response_individual_2015.bin")["certs"][0]
    ca = x509.Certificate.load(
        (kz_pki / "ncanode-head" / "ca" / "nca_gost2015_test.cer").read_bytes()
    )
    assert responder.issuer == ca.subject
    tbs = responder["tbs_certificate"].dump()
    algorithm = responder["signature_algorithm"]
    assert verify_gost(responder["signature_value"].native, tbs, ca.public_key, algorithm)
    assert not verify_gost(
        responder["signature_value"].native,
        tbs[:-1] + bytes([tbs[-1] ^ 1]),
        ca.public_key,
        algorithm,
    )


def test_gost_2004_ocsp_answer_is_named_as_not_checkable_and_rsa_still_verifies(
    kz_pki: Path,
) -> None:
    from pyhanko_certvalidator.errors import AlgorithmNotSupported

    from docflow.gost import SIGNATURE_VALIDATOR

    rsa = _ocsp(kz_pki, "ocsp_response_individual_sign_2004.bin")  # NCA's RSA responder
    assert rsa["signature_algorithm"]["algorithm"].native == "sha256_rsa"
    SIGNATURE_VALIDATOR.validate_signature(
        rsa["signature"].native,
        rsa["tbs_response_data"].dump(),
        rsa["certs"][0].public_key,
        rsa["signature_algorithm"],
    )
    basic = _ocsp(kz_pki, "ocsp_response_ceo_sign_2004_revoked.bin")
    with pytest.raises(AlgorithmNotSupported, match=r"GOST 34\.310-2004"):
        SIGNATURE_VALIDATOR.validate_signature(
            basic["signature"].native,
            basic["tbs_response_data"].dump(),
            basic["certs"][0].public_key,
            basic["signature_algorithm"],
        )


def test_a_gost_key_on_an_unknown_curve_is_refused_not_guessed() -> None:
    from asn1crypto import core, keys

    from docflow.gost import GostPrivateKey

    key = GostPrivateKey.generate()
    info = key.public_key_info()
    unknown = core.Sequence(
        contents=core.ObjectIdentifier("1.2.398.3.10.1.1.2.2.99").dump()
        + core.ObjectIdentifier("1.2.398.3.10.1.3.3").dump()
    )
    odd = keys.PublicKeyInfo(
        {
            "algorithm": {"algorithm": "kz_gost2015", "parameters": core.Any.load(unknown.dump())},
            "public_key": bytes(info["public_key"]),
        }
    )
    with pytest.raises(ValueError, match="unknown GOST curve"):
        verify_gost(key.sign(b"x"), b"x", odd, key.signature_algorithm)
    assert verify_gost(key.sign(b"x"), b"x", info, key.signature_algorithm)
