"""The "issuer certificate" check: does a credential's ``x5c`` chain lead to a trust anchor
this verifier was given (CA certificates, TS 119 612 trusted lists, the instance's test CA
when the operator trusts it)?

trusted: the chain validates at the verification time up to a configured anchor, and its
leaf holds the key that made the signature. untrusted (or malformed, expired, self-signed,
anchor included, key mismatch): the credential is invalid. No anchor configured: the check
warns with ``issuer_certificate.no_anchor`` and the report is "could not check", never
silently valid (``CheckKind('issuer_certificate', must_check=True)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from cryptography import x509

from microcred.proofs.x509 import (
    TEST_CA_MARK,
    CertificateError,
    ec_public_key,
    verify_chain,
)
from microcred.verify.report import Check

CHECK_ID = "issuer_certificate"

# CertificateError.reason -> the check's code (all of them fail, except no_anchor)
_CODES = {
    "untrusted": "issuer_certificate.untrusted",
    "expired": "issuer_certificate.expired",
    "not_yet_valid": "issuer_certificate.not_yet_valid",
    "self_signed_leaf": "issuer_certificate.self_signed",
    "anchor_included": "issuer_certificate.anchor_included",
    "key_mismatch": "issuer_certificate.key_mismatch",
    "malformed": "issuer_certificate.malformed",
    "empty": "issuer_certificate.malformed",
    "too_long": "issuer_certificate.malformed",
}
CODES = frozenset(
    {
        *_CODES.values(),
        "issuer_certificate.no_anchor",
        "issuer_certificate.trusted",
        "issuer_certificate.test_ca",
    }
)


def _issued_by_test_ca(chain_names: Sequence[x509.Name]) -> bool:
    for name in chain_names:
        for attribute in name.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME):
            if attribute.value == TEST_CA_MARK:
                return True
    return False


def issuer_certificate_check(
    x5c: Sequence[bytes | str],
    anchors: Sequence[x509.Certificate],
    *,
    now: datetime,
    signing_key: object | Mapping[str, object] | None = None,
) -> Check:
    """The check for a credential signed with ``x5c`` (leaf first, no anchor); ``signing_key``
    (a P-256 JWK or a cryptography public key) is the key its signature verified with."""
    try:
        expected = ec_public_key(dict(signing_key)) if isinstance(signing_key, Mapping) else None
        leaf = verify_chain(
            x5c,
            anchors,
            now=now,
            expected_key=expected if expected is not None else signing_key,
        )
    except CertificateError as exc:
        if exc.reason == "no_anchor":
            return Check(
                CHECK_ID,
                "warn",
                "the issuer's certificate chain is well-formed, but no trust anchor is "
                "configured, so who issued it was not checked",
                "issuer_certificate.no_anchor",
            )
        return Check(
            CHECK_ID, "fail", str(exc), _CODES.get(exc.reason, "issuer_certificate.untrusted")
        )
    subject = leaf.subject.rfc4514_string()
    if _issued_by_test_ca([leaf.issuer]):
        return Check(
            CHECK_ID,
            "pass",
            f"certificate of {subject}, issued by a TEST CA this verifier was told to trust",
            "issuer_certificate.test_ca",
        )
    return Check(
        CHECK_ID,
        "pass",
        f"certificate of {subject}, issued under a trust anchor of this verifier",
        "issuer_certificate.trusted",
    )
