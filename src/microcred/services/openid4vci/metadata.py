"""Credential issuer metadata (OpenID4VCI 1.0 section 12.2) and authorization server
metadata (RFC 8414), for the instance: its base URL is the credential issuer identifier
and its own authorization server."""

from __future__ import annotations

from typing import Any

from microcred.services.instance import Instance

SD_JWT = "eu_micro_credential_dc_sd_jwt"
LDP_VC = "eu_micro_credential_ldp_vc"
JWT_VC_JSON = "eu_micro_credential_jwt_vc_json"
CONFIGURATIONS = (SD_JWT, LDP_VC, JWT_VC_JSON)
FORMAT_OF = {SD_JWT: "dc+sd-jwt", LDP_VC: "ldp_vc", JWT_VC_JSON: "jwt_vc_json"}
# configurations whose credential is bound to the wallet's key (one per proof); the W3C ones
# are the stored credentials of the award, bound to the learner's identifier, not to a key
KEY_BOUND = frozenset({SD_JWT})
PROOF_ALGORITHMS = ["ES256", "EdDSA"]
BATCH_SIZE = 10
VCT_PATH = "/vct/eu-micro-credential/1"
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

PATHS = {
    "credential": "/oid4vci/credential",
    "nonce": "/oid4vci/nonce",
    "deferred": "/oid4vci/deferred_credential",
    "notification": "/oid4vci/notification",
    "token": "/oid4vci/token",
    "par": "/oid4vci/par",
    "authorize": "/oid4vci/authorize",
    "offers": "/oid4vci/offers",
}

OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
OB3_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]

_DISPLAY = {
    "en": "EU micro-credential",
    "lv": "ES mikrokvalifikācija",
}
_CLAIMS = [
    ("family_name", "Family name", "Uzvārds"),
    ("given_name", "Given name", "Vārds"),
    ("achievement_title", "Title", "Nosaukums"),
    ("learning_outcomes", "Learning outcomes", "Mācīšanās rezultāti"),
    ("expected_study_time", "Expected study time", "Paredzētais mācību laiks"),
    ("level_of_learning_experience", "Level", "Līmenis"),
    ("types_of_quality_assurance", "Quality assurance", "Kvalitātes nodrošināšana"),
    ("issuing_authority", "Issued by", "Izdevējs"),
    ("issuing_country", "Country of issue", "Izdošanas valsts"),
    ("date_of_issuance", "Date of issue", "Izdošanas datums"),
    ("language_of_classes", "Language", "Mācību valoda"),
    ("assessment_grade", "Grade", "Vērtējums"),
]


def url(instance: Instance, name: str) -> str:
    return instance.base_url + PATHS[name]


def vct(instance: Instance) -> str:
    return instance.base_url + VCT_PATH


def _display() -> list[dict[str, Any]]:
    return [{"name": name, "locale": locale} for locale, name in _DISPLAY.items()]


def _claims(prefix: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "path": [*prefix, name],
            "display": [{"name": en, "locale": "en"}, {"name": lv, "locale": "lv"}],
        }
        for name, en, lv in _CLAIMS
    ]


def configurations(instance: Instance) -> dict[str, dict[str, Any]]:
    jwt_proofs: dict[str, Any] = {"proof_signing_alg_values_supported": PROOF_ALGORITHMS}
    if instance.settings.key_attestation == "required":
        from microcred.services.openid4vci.attestation import accepted_levels

        # empty when no key_storage / user_authentication levels are set: any attested key
        jwt_proofs["key_attestations_required"] = accepted_levels(instance)
    proof_types = {"jwt": jwt_proofs}
    return {
        SD_JWT: {
            "format": "dc+sd-jwt",
            "scope": SD_JWT,
            "vct": vct(instance),
            "cryptographic_binding_methods_supported": ["jwk"],
            "credential_signing_alg_values_supported": ["ES256"],
            "proof_types_supported": proof_types,
            "credential_metadata": {"display": _display(), "claims": _claims([])},
        },
        LDP_VC: {
            "format": "ldp_vc",
            "scope": LDP_VC,
            "credential_definition": {"@context": OB3_CONTEXT, "type": OB3_TYPES},
            "credential_signing_alg_values_supported": ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"],
            "credential_metadata": {"display": _display()},
        },
        JWT_VC_JSON: {
            "format": "jwt_vc_json",
            "scope": JWT_VC_JSON,
            "credential_definition": {"type": OB3_TYPES},
            "credential_signing_alg_values_supported": ["EdDSA", "ES256"],
            "credential_metadata": {"display": _display()},
        },
    }


def issuer_metadata(instance: Instance) -> dict[str, Any]:
    return {
        "credential_issuer": instance.base_url,
        "credential_endpoint": url(instance, "credential"),
        "nonce_endpoint": url(instance, "nonce"),
        "deferred_credential_endpoint": url(instance, "deferred"),
        "notification_endpoint": url(instance, "notification"),
        "batch_credential_issuance": {"batch_size": BATCH_SIZE},
        "display": [
            {"name": "microcred", "locale": "en"},
            {"name": "microcred", "locale": "lv"},
        ],
        "credential_configurations_supported": configurations(instance),
    }


def authorization_server_metadata(instance: Instance) -> dict[str, Any]:
    return {
        "issuer": instance.base_url,
        "authorization_endpoint": url(instance, "authorize"),
        "token_endpoint": url(instance, "token"),
        "pushed_authorization_request_endpoint": url(instance, "par"),
        "require_pushed_authorization_requests": True,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", PRE_AUTHORIZED_GRANT],
        "code_challenge_methods_supported": ["S256"],
        **_client_authentication(instance),
        "dpop_signing_alg_values_supported": ["ES256", "ES384", "ES512", "EdDSA"],
        "authorization_response_iss_parameter_supported": True,
        "pre-authorized_grant_anonymous_access_supported": (
            instance.settings.wallet_attestation != "required"
        ),
        "scopes_supported": list(CONFIGURATIONS),
        "authorization_details_types_supported": ["openid_credential"],
    }


def _client_authentication(instance: Instance) -> dict[str, Any]:
    """``none`` (public clients) and, when wallet attestation is on, ``attest_jwt_client_auth``
    with its algorithms (Attestation-Based Client Authentication, section 10); only the
    latter when it is required."""
    mode = instance.settings.wallet_attestation
    if mode == "off":
        return {"token_endpoint_auth_methods_supported": ["none"]}
    methods = (
        ["attest_jwt_client_auth"] if mode == "required" else ["none", "attest_jwt_client_auth"]
    )
    return {
        "token_endpoint_auth_methods_supported": methods,
        "client_attestation_signing_alg_values_supported": ["ES256"],
        "client_attestation_pop_signing_alg_values_supported": list(ATTESTATION_POP_ALGORITHMS),
    }


ATTESTATION_POP_ALGORITHMS = ("ES256", "ES384", "ES512", "EdDSA")
SIGNED_METADATA_TYP = "openidvci-issuer-metadata+jwt"


def metadata_signer(instance: Instance) -> str | None:
    """The organisation whose key and certificate chain sign the issuer metadata: the
    ``oid4vci_metadata_org`` setting (unset: the metadata is served unsigned only)."""
    value = instance.settings.extra.get("oid4vci_metadata_org")
    return str(value) if value else None


def signed_issuer_metadata(instance: Instance) -> str | None:
    """The issuer metadata as a JWT (OpenID4VCI 1.0 section 12.2.2: ``Accept:
    application/jwt``), ES256 with ``x5c`` (the organisation's chain, leaf first, no
    anchor), or ``None`` when no organisation with a chain is configured to sign it."""
    from microcred.proofs.jose import sign_jws
    from microcred.proofs.x509 import x5c_header
    from microcred.services import certificates

    org = metadata_signer(instance)
    found = certificates.signing_chain(instance, org) if org else None
    if found is None:
        return None
    key, chain = found
    payload = {
        **issuer_metadata(instance),
        "iss": instance.base_url,
        "sub": instance.base_url,
        "iat": int(instance.now().timestamp()),
    }
    return sign_jws(payload, key, header={"typ": SIGNED_METADATA_TYP, "x5c": x5c_header(chain)})
