"""``docflow trust add|list|remove`` with the NCA RK test certificates (../shared/kz-pki)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.cli import main
from docflow.config import Home
from docflow.errors import ConfigError
from docflow.trust import TrustStore
from docflow.verify import trust_store

KZ_PKI = Path(__file__).resolve().parents[2].parent / "shared" / "kz-pki"
ROOT_RSA = KZ_PKI / "ncanode-2018" / "certs" / "root" / "root_rsa.crt"
NCA_RSA = KZ_PKI / "ncanode-2018" / "certs" / "trusted" / "nca_rsa.crt"
NCA_GOST2015 = KZ_PKI / "ncanode-head" / "ca" / "nca_gost2015_test.cer"


def _run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--home", str(home), "trust", *args])
    return result.exit_code, result.output


def test_trust_add_list_remove(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "add", str(ROOT_RSA), "--name", "NCA root RSA 2015")
    assert code == 0, out
    assert "anchor" in out
    code, out = _run(tmp_path, "add", str(NCA_RSA))
    assert code == 0, out
    assert "intermediate" in out  # issued by the root: not self-signed
    code, out = _run(tmp_path, "add", str(NCA_GOST2015), "--anchor", "--name", "NCA GOST 2022")
    assert code == 0, out  # a GOST-2015 certificate is readable (Kazakh OIDs registered)

    code, out = _run(tmp_path, "list", "--json")
    listed = json.loads(out)
    assert listed[0]["name"] == "NCA root RSA 2015"
    assert {e["kind"] for e in listed} == {"anchor", "intermediate"}
    assert all(len(e["sha256"]) == 64 for e in listed)
    assert listed[0]["not_after"].startswith("2025-07-27")

    anchors, intermediates = trust_store(Home(tmp_path))
    assert len(anchors) == 2 and len(intermediates) == 1

    code, out = _run(tmp_path, "remove", listed[1]["sha256"])
    assert code == 0, out
    code, out = _run(tmp_path, "remove", "NCA GOST 2022")
    assert code == 0, out
    anchors, intermediates = trust_store(Home(tmp_path))
    assert len(anchors) == 1 and not intermediates
    assert sorted(p.name for p in (tmp_path / "certs" / "trust").iterdir()) == [
        f"{listed[0]['sha256']}.der",
        "index.json",
    ]
    code, out = _run(tmp_path, "remove", "nothing-like-this")
    assert code == 2


def test_trust_refuses_duplicates_bad_names_and_non_certificates(tmp_path: Path) -> None:
    store = TrustStore(tmp_path / "certs")
    store.add(ROOT_RSA.read_bytes(), name="root")
    with pytest.raises(ConfigError):
        store.add(ROOT_RSA.read_bytes(), name="again")
    with pytest.raises(ConfigError):
        store.add(NCA_RSA.read_bytes(), name="../../etc/passwd")
    with pytest.raises(ConfigError):
        store.add(b"not a certificate")


def test_an_altered_certificate_file_is_refused(tmp_path: Path) -> None:
    store = TrustStore(tmp_path / "certs")
    entry = store.add(ROOT_RSA.read_bytes(), name="root")
    path = tmp_path / "certs" / "trust" / f"{entry.sha256}.der"
    path.write_bytes(NCA_RSA.read_bytes())
    with pytest.raises(ConfigError, match="altered"):
        trust_store(Home(tmp_path))
