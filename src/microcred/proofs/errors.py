"""Errors raised by the proofs layer (issuing raises; only the verifier turns them into results)."""

from __future__ import annotations


class ProofError(Exception):
    """Base class for every error raised by ``microcred.proofs``."""


class InvalidSignature(ProofError):
    """A signature does not verify against the given data and public key."""


class UnsupportedCryptosuite(ProofError):
    """The proof uses a cryptosuite or algorithm that the verifier does not allow."""


class MalformedProof(ProofError):
    """A proof (or JWT) is missing a field or has a malformed one."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class ProofPurposeMismatch(ProofError):
    """The proof purpose, challenge or domain is not the one the verifier expects."""


class MultibaseError(ProofError, ValueError):
    """A multibase / multikey string cannot be decoded."""


class KeyUsageError(ProofError):
    """A key cannot be used as asked (missing private key, wrong type, bad key file)."""


class KeyExportError(KeyUsageError):
    """Exporting a private key without encryption was not explicitly allowed."""


class KeyDecryptionError(KeyUsageError):
    """An encrypted private key cannot be decrypted (wrong key or passphrase, or tampered)."""


class DidError(ProofError):
    """A DID is malformed or cannot be resolved."""


class VerificationMethodError(ProofError):
    """A verification method cannot be found or is not authorised for the proof purpose."""


class ClaimsMismatch(ProofError):
    """A VC-JWT 1.1 registered claim (``iss``, ``sub``, ``jti``, ``nbf``, ``exp``) says something
    else than the credential or presentation it carries (VC Data Model 1.1 section 6.3.1)."""


class DisclosureMismatch(InvalidSignature):
    """An SD-JWT disclosure is not one the issuer signed (its digest is in no ``_sd`` or ``...``
    of the issuer-signed JWT), or a Key Binding JWT's ``sd_hash`` is not over this SD-JWT: the
    credential was changed or added to after it was signed (RFC 9901 section 7)."""


class KeyBindingMismatch(ProofPurposeMismatch):
    """An SD-JWT's Key Binding JWT is not bound to this verifier's request: its ``aud``,
    ``nonce`` or ``iat`` is not the expected one (RFC 9901 section 7.3)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
