"""X.509 names prepared once per distinct name (docflow/pki/_names.py): the memoized form is
asn1crypto's own, name equality (RFC 5280 7.1) is unchanged, and the memo stays bounded."""

from __future__ import annotations

import pytest
from asn1crypto import x509

from docflow.pki import Pki
from docflow.pki import _names as names


def _name(common_name: str, serial: str = "IIN850228300026") -> x509.Name:
    return x509.Name.build(
        {"country_name": "KZ", "common_name": common_name, "serial_number": serial}
    )


def _fresh(name: x509.Name) -> x509.Name:
    """The same name parsed again from its DER (no per-object cache)."""
    return x509.Name.load(name.dump())


def test_installed_by_importing_the_pki() -> None:
    assert names.installed()
    assert x509.RDNSequence.hashable.fget is not names.ORIGINAL[x509.RDNSequence]


def test_same_form_as_asn1crypto(pki: Pki) -> None:
    certificates = [*pki.trust_roots(), *pki.chain()]
    samples = [c.subject for c in certificates] + [c.issuer for c in certificates]
    samples += [_name("Тестов  Консультант"), _name("ТЕСТОВ КОНСУЛЬТАНТ"), _name("Ақжол Әлиев")]
    for name in samples:
        for rdn_seq in (name.chosen, _fresh(name).chosen):
            assert rdn_seq.hashable == names.ORIGINAL[x509.RDNSequence](rdn_seq)
            for rdn in rdn_seq:
                assert rdn.hashable == names.ORIGINAL[x509.RelativeDistinguishedName](rdn)


def test_equality_as_rfc5280_says() -> None:
    # RFC 4518: case and inner spaces do not matter; another value or attribute does.
    assert _name("Тестов  Консультант") == _fresh(_name("тестов консультант"))
    assert _name("Тестов Консультант") != _fresh(_name("Тестов Консультантка"))
    assert _name("Тестов Консультант") != _name("Тестов Консультант", serial="IIN800101300006")


def test_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(names, "MAX_NAMES", len(names._memo))
    before = len(names._memo)
    name = _name("Никогда Не Виденный")
    assert name.hashable == names.ORIGINAL[x509.RDNSequence](name.chosen)
    assert len(names._memo) == before
