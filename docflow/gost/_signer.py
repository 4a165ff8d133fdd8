"""Making GOST 34.10-2015 signatures: a private key and a pyHanko ``Signer`` for it.

docflow itself does not hold GOST keys (people sign with NCALayer or eGov Mobile); this is for
test PKIs and the demo, which need an NCA-shaped GOST signer, OCSP responder and TSA.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import algos, core, keys, x509
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from docflow.gost._curve import Curve, curve
from docflow.gost._oids import (
    _ALGORITHMS,
    CURVE_OIDS,
    GostAlgorithm,
    digest_number,
    encode_signature,
    register,
)
from docflow.gost._streebog import Streebog

#: NCA RK's key parameters: (curve, digest) for each size.
_KZ_KEY_PARAMS = {
    64: ("1.2.398.3.10.1.1.2.2.1", "1.2.398.3.10.1.3.3"),
    32: ("1.2.643.7.1.2.1.1.1", "1.2.398.3.10.1.3.2"),
}
_KZ_CURVES = {64: "id-tc26-gost-3410-12-512-paramSetA", 32: "id-tc26-gost-3410-2012-256-paramSetA"}


@dataclass(frozen=True, repr=False)
class GostPrivateKey:
    """A GOST 34.10-2015 private key with NCA RK's identifiers (never printed: no repr)."""

    algorithm: GostAlgorithm
    curve: Curve
    secret: int

    @classmethod
    def generate(cls, bits: int = 512) -> GostPrivateKey:
        register()
        size = bits // 8
        algorithm = _ALGORITHMS[f"kz_gost2015_{bits}"]
        ec = curve(_KZ_CURVES[size])
        assert CURVE_OIDS[_KZ_KEY_PARAMS[size][0]] == ec.name
        return cls(algorithm, ec, ec.new_private_key())

    @property
    def signature_algorithm(self) -> algos.SignedDigestAlgorithm:
        return algos.SignedDigestAlgorithm({"algorithm": self.algorithm.name})

    @property
    def digest_algorithm(self) -> str:
        return f"kz_streebog{8 * self.algorithm.size}"

    def public_key_info(self) -> keys.PublicKeyInfo:
        x, y = self.curve.public_key(self.secret)
        n = self.curve.size
        curve_oid, digest_oid = _KZ_KEY_PARAMS[n]
        params = core.Sequence.load(
            core.Sequence(
                contents=core.ObjectIdentifier(curve_oid).dump()
                + core.ObjectIdentifier(digest_oid).dump()
            ).dump()
        )
        octets = core.OctetString(x.to_bytes(n, "little") + y.to_bytes(n, "little")).dump()
        return keys.PublicKeyInfo(
            {
                "algorithm": {
                    "algorithm": "kz_gost2015",
                    "parameters": core.Any.load(params.dump()),
                },
                "public_key": octets,
            }
        )

    def sign(self, data: bytes) -> bytes:
        """The NCA-encoded signature (r‖s, little-endian halves) of Streebog(data)."""
        digest = Streebog(self.algorithm.size, data).digest()
        r, s = self.curve.sign(self.secret, digest_number(digest))
        return encode_signature(self.algorithm, r, s)


class GostSigner(Signer):
    """A pyHanko signer with a GOST 34.10-2015 key: CMS signatures, timestamp tokens, PDFs."""

    def __init__(
        self,
        key: GostPrivateKey,
        signing_cert: x509.Certificate,
        other_certs: list[x509.Certificate] | tuple[x509.Certificate, ...] = (),
    ) -> None:
        super().__init__(
            signature_mechanism=key.signature_algorithm,
            signing_cert=signing_cert,
            cert_registry=SimpleCertificateStore.from_certs([signing_cert, *other_certs]),
        )
        self._key = key

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if dry_run:
            return bytes(2 * self._key.algorithm.size)
        return self._key.sign(data)
