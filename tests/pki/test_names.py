"""X.509 name values prepared once per distinct value (docflow/pki/_names.py): the memoized
preparation is asn1crypto's own, name equality (RFC 5280 7.1) is unchanged, a refused value
is still refused, and the memo stays bounded."""

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


def _unmemoized_hashable(name: x509.Name) -> str:
    """``Name.hashable`` computed with asn1crypto's preparation only."""
    rdns = []
    for rdn in name.chosen:
        values = {ntv["type"].native: names.PREPARE(ntv, ntv["value"].native) for ntv in rdn}
        rdns.append("\x1f".join(f"{key}: {values[key]}" for key in sorted(values)))
    return "\x1e".join(rdns)


def test_installed_by_importing_the_pki() -> None:
    assert names.installed()
    assert x509.NameTypeAndValue._ldap_string_prep is not names.PREPARE


def test_same_form_as_asn1crypto(pki: Pki) -> None:
    certificates = [*pki.trust_roots(), *pki.chain()]
    samples = [c.subject for c in certificates] + [c.issuer for c in certificates]
    samples += [_name("Тестов  Консультант"), _name("ТЕСТОВ КОНСУЛЬТАНТ"), _name("Ақжол Әлиев")]
    for name in samples:
        for parsed in (name, _fresh(name), _fresh(name)):
            assert parsed.hashable == _unmemoized_hashable(name)


def test_equality_as_rfc5280_says() -> None:
    # RFC 4518: case and inner spaces do not matter; another value or attribute does.
    assert _name("Тестов  Консультант") == _fresh(_name("тестов консультант"))
    assert _name("Тестов Консультант") != _fresh(_name("Тестов Консультантка"))
    assert _name("Тестов Консультант") != _name("Тестов Консультант", serial="IIN800101300006")


def test_a_refused_value_is_refused_every_time() -> None:
    # RFC 4518 2.4: unassigned code points are prohibited; asn1crypto raises.
    for _ in range(2):
        with pytest.raises(ValueError):
            _fresh(_name("A\U000e0000B")).hashable  # noqa: B018
    assert "A\U000e0000B" not in names._memo


def test_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(names, "MAX_VALUES", len(names._memo))
    before = len(names._memo)
    name = _name("Никогда Не Виденный")
    assert name.hashable == _unmemoized_hashable(name)
    assert len(names._memo) == before
