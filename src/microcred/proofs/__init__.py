"""Proofs layer: keys, multibase, did:key / did:web, Data Integrity suites and VC-JOSE."""

from __future__ import annotations

from microcred.proofs.dataintegrity import (
    DEFAULT_SUITES,
    ProofResult,
    add_proof,
    verify_proof,
    verify_proofs,
)
from microcred.proofs.did import (
    DidResolver,
    StaticDidResolver,
    did_key_for,
    did_web_document,
    did_web_to_url,
    key_resolver,
    resolve_did_key,
    resolve_verification_method,
)
from microcred.proofs.errors import (
    DidError,
    InvalidSignature,
    KeyDecryptionError,
    KeyExportError,
    KeyUsageError,
    MalformedProof,
    MultibaseError,
    ProofError,
    ProofPurposeMismatch,
    UnsupportedCryptosuite,
    VerificationMethodError,
)
from microcred.proofs.jose import sign_vc_jwt, sign_vp_jwt, verify_vc_jwt, verify_vp_jwt
from microcred.proofs.keys import (
    Ed25519KeyPair,
    KeyPair,
    P256KeyPair,
    decrypt_private_key,
    encrypt_private_key,
    keypair_from_jwk,
    keypair_from_multibase,
    load_key_file,
)

__all__ = [
    "DEFAULT_SUITES",
    "DidError",
    "DidResolver",
    "Ed25519KeyPair",
    "InvalidSignature",
    "KeyDecryptionError",
    "KeyExportError",
    "KeyPair",
    "KeyUsageError",
    "MalformedProof",
    "MultibaseError",
    "P256KeyPair",
    "ProofError",
    "ProofPurposeMismatch",
    "ProofResult",
    "StaticDidResolver",
    "UnsupportedCryptosuite",
    "VerificationMethodError",
    "add_proof",
    "decrypt_private_key",
    "did_key_for",
    "did_web_document",
    "did_web_to_url",
    "encrypt_private_key",
    "key_resolver",
    "keypair_from_jwk",
    "keypair_from_multibase",
    "load_key_file",
    "resolve_did_key",
    "resolve_verification_method",
    "sign_vc_jwt",
    "sign_vp_jwt",
    "verify_proof",
    "verify_proofs",
    "verify_vc_jwt",
    "verify_vp_jwt",
]
