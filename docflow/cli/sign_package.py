"""``docflow sign-package``: sign an exported request on the signer's own machine, offline.

A batch package (several requests of one person, ``sign-requests export --batch``) is signed
in one go: the key is opened once (one passphrase or PIN prompt) and signs every request.

Needs no docflow home and no network: the package holds the prepared PDF, and the key is the
signer's PKCS#12 file (passphrase from a hidden prompt or ``DOCFLOW_KEY_PASSPHRASE``) or a
PKCS#11 token (PIN from a prompt or ``DOCFLOW_PKCS11_PIN``).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from docflow.config import Home
from docflow.i18n import cli_locale, message, role_label


@click.command(name="sign-package")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--p12", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--pkcs11-lib", default=None, help="PKCS#11 module (e.g. libsofthsm2.so).")
@click.option("--token-label", default=None)
@click.option("--key-label", default=None)
@click.option("--cert-label", default=None, help="Default: the key label.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def sign_package_cmd(
    home: Home,
    package: Path,
    p12: Path | None,
    pkcs11_lib: str | None,
    token_label: str | None,
    key_label: str | None,
    cert_label: str | None,
    output: Path,
) -> None:
    """Sign PACKAGE (from `docflow sign-requests export`) and write the signed answer.

    The answer is a ZIP (or JSON when OUTPUT ends in .json) to hand back with
    `docflow sign-requests complete`, the web page or the API. A batch package is signed in
    one go (one prompt) into one signed batch (a ZIP).
    """
    from docflow.errors import PkiError
    from docflow.pki import PASSPHRASE_ENV, PIN_ENV, load_pkcs11, load_pkcs12
    from docflow.sign import is_signing_certificate
    from docflow.signreq import is_batch, read_batch, read_package, sign_batch, sign_package

    del home  # no home needed
    lang = cli_locale(click.get_current_context().meta.get("docflow.lang"))
    raw = package.read_bytes()
    packages = read_batch(raw) if is_batch(raw) else [read_package(raw)]
    if len(packages) > 1 and output.suffix == ".json":
        raise click.UsageError("a signed batch is a ZIP")
    pkg = packages[0]
    if (p12 is None) == (pkcs11_lib is None):
        raise click.UsageError(
            "give either --p12 or --pkcs11-lib (with --token-label, --key-label)"
        )
    if p12 is not None:
        secret = os.environ.get(PASSPHRASE_ENV) or click.prompt(
            message("signpkg.passphrase", lang, name=p12.name), hide_input=True, err=True
        )
        handle = load_pkcs12(p12, secret.encode("utf-8"))
    else:
        if not token_label or not key_label:
            raise click.UsageError("--pkcs11-lib needs --token-label and --key-label")
        pin = os.environ.get(PIN_ENV) or click.prompt(
            message("signpkg.pin", lang), hide_input=True, err=True
        )
        handle = load_pkcs11(
            str(pkcs11_lib),
            token_label=token_label,
            key_label=key_label,
            cert_label=cert_label,
            pin=pin,
        )
    for each in packages:
        if handle.iin != each.expected_iin:
            raise PkiError(
                message("signpkg.other_iin", lang, key_iin=handle.iin, iin=each.expected_iin)
            )
    signing, why = is_signing_certificate(handle.certificate)
    if not signing:
        raise PkiError(message("signpkg.login_key", lang, why=why))
    for each in packages:
        meta = each.meta
        role = role_label(str(meta.get("role") or "-"), lang)
        click.echo(message("signpkg.signing", lang, document=meta["document"], field=meta["field"],
                           role=role,
                           name=handle.name, iin=handle.iin), err=True)  # fmt: skip
    if is_batch(raw):
        data = sign_batch(packages, handle.signer)
    else:
        data = sign_package(pkg, handle.signer, as_zip=output.suffix != ".json")
    tmp = output.with_name(f".{output.name}.part")
    tmp.write_bytes(data)
    tmp.replace(output)
    click.echo(message("signpkg.signed", lang, output=output))


def register(group: click.Group) -> None:
    group.add_command(sign_package_cmd)
