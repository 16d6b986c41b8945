"""The issuer against the OpenID4VCI 1.0 examples of shared/vectors/openid4vci-1.0: the
authorization_details examples at PAR, the credential configuration examples against our
metadata (every field the specification's example of a format has, ours has too), and the
specification's wallet attestation (its self-signed x5c as the wallet provider's anchor)."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from joserfc import jws
from joserfc.jwk import ECKey

from microcred.proofs.x509 import to_pem
from microcred.services.openid4vci import attestation
from microcred.services.openid4vci.errors import OAuthError

from .conftest import BASE, World
from .test_refusals import _error, _par_form

VECTORS = Path(__file__).resolve().parents[3] / ".." / "shared" / "vectors" / "openid4vci-1.0"
SD = "eu_micro_credential_dc_sd_jwt"
ISSUER_EXAMPLE = "https://credential-issuer.example.com"
DETAILS = sorted(p.name for p in VECTORS.glob("authorization_details*.json"))
OURS = {
    "dc+sd-jwt": "eu_micro_credential_dc_sd_jwt",
    "ldp_vc": "eu_micro_credential_ldp_vc",
    "jwt_vc_json": "eu_micro_credential_jwt_vc_json",
}


def _vector(name: str) -> object:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def test_authorization_details_examples_at_par(sqlite_world) -> None:
    assert len(DETAILS) >= 7
    for name in DETAILS:
        _authorization_details_at_par(sqlite_world, name)


def _authorization_details_at_par(sqlite_world, name: str) -> None:
    details = _vector(name)
    assert isinstance(details, list)
    # as the specification writes them: their configuration ids are not in our offer
    form = _par_form(sqlite_world, authorization_details=json.dumps(details))
    answer = sqlite_world.client.post("/oid4vci/par", data=form)
    said = _error(answer, 400, "invalid_authorization_details")
    assert details[0]["credential_configuration_id"] in said, name
    # the same entries (claims, locations and all) naming the configuration offered
    ours = [{**d, "credential_configuration_id": SD} for d in details[:1]]
    form = _par_form(sqlite_world, authorization_details=json.dumps(ours))
    answer = sqlite_world.client.post("/oid4vci/par", data=form)
    assert answer.status_code == 201, answer.text
    assert answer.json()["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")


def test_our_configurations_have_every_field_of_the_specifications_example(sqlite_world) -> None:
    for fmt in OURS:
        _configuration_against_example(sqlite_world, fmt)


def _configuration_against_example(sqlite_world, fmt: str) -> None:
    name = {
        "dc+sd-jwt": "credential_metadata_sd_jwt_vc.json",
        "ldp_vc": "credential_metadata_ldp_vc.json",
        "jwt_vc_json": "credential_metadata_jwt_vc_json.json",
    }[fmt]
    example = _vector(name)
    assert isinstance(example, dict)
    [spec] = example["credential_configurations_supported"].values()
    metadata = sqlite_world.client.get("/.well-known/openid-credential-issuer").json()
    ours = metadata["credential_configurations_supported"][OURS[fmt]]
    assert ours["format"] == spec["format"] == fmt
    # ours binds the W3C forms to the learner's identifier, not to a wallet key: no proofs
    unbound = {"cryptographic_binding_methods_supported", "proof_types_supported"}
    missing = set(spec) - set(ours) - (unbound if fmt != "dc+sd-jwt" else set())
    assert not missing, missing
    if fmt == "dc+sd-jwt":
        assert "ES256" in ours["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
        assert "jwk" in ours["cryptographic_binding_methods_supported"]
    if "credential_definition" in spec:
        assert set(spec["credential_definition"]) <= set(ours["credential_definition"])
        assert "VerifiableCredential" in ours["credential_definition"]["type"]
    display = ours["credential_metadata"]["display"]
    assert {d["locale"] for d in display} >= {"en", "lv"}
    for claim in ours["credential_metadata"].get("claims", []):
        assert isinstance(claim["path"], list) and claim["path"], claim
    # the long issuer metadata example: every top-level field we publish is one it names
    long = _vector("credential_issuer_metadata_sd_jwt_long.json")
    assert isinstance(long, dict)
    assert set(metadata) - set(long) <= {"signed_metadata"}, set(metadata) - set(long)


def _spec_attestation() -> tuple[str, x509.Certificate, dict]:
    text = "".join((VECTORS / "wallet_attestation.jwt.txt").read_text().split())
    head, body, _ = text.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    return text, leaf, claims


def _pop(key: ECKey, now: int, subject: str) -> str:
    body = {"iss": subject, "aud": BASE, "jti": secrets.token_urlsafe(16), "iat": now}
    head = {"alg": "ES256", "typ": attestation.CLIENT_ATTESTATION_POP_TYP}
    return jws.serialize_compact(head, json.dumps(body).encode(), key)


def _refusal(world: World, token: str, pop: str, client_id: str | None = None) -> str:
    with pytest.raises(OAuthError) as refused:
        attestation.check_client(world.instance, [token], [pop], client_id=client_id)
    assert refused.value.error == "invalid_client"
    return str(refused.value.description)


def test_the_specifications_wallet_attestation_is_refused_with_its_reason(
    tmp_path: Path,
) -> None:
    """Its x5c is one self-signed certificate: even configured as the wallet provider's
    anchor, microcred wants the signer's certificate issued by a CA (the refusal says so);
    under another provider's anchor it is not trusted."""
    token, leaf, claims = _spec_attestation()
    anchors = tmp_path / "providers.pem"
    anchors.write_bytes(to_pem([leaf]))
    world = World(
        tmp_path,
        f"sqlite:///{tmp_path / 'attest.db'}",
        wallet_attestation="required",
        wallet_provider_trust_anchors=(anchors,),
    )
    try:
        world.clock.at = datetime.fromtimestamp(claims["nbf"] + 600, UTC)
        now = int(world.clock.at.timestamp())
        pop = _pop(ECKey.generate_key("P-256"), now, claims["sub"])
        said = _refusal(world, token, pop)
        assert said.startswith(attestation.HEADER) and "self-signed" in said
        assert _refusal(world, "not-a-jwt", pop).startswith(attestation.HEADER)
    finally:
        world.client.close()
        world.instance.close()


def test_the_signed_metadata_example_verifies_as_ours_is_checked() -> None:
    """The specification's signed metadata: the typ we sign with, its x5c leaf's signature
    verified by the same verify_jws as test_flows checks ours with; sub = credential_issuer."""
    from microcred.proofs.jose import verify_jws
    from microcred.proofs.keys import keypair_from_jwk
    from microcred.proofs.x509 import decode_x5c

    text = "".join((VECTORS / "credential_issuer_metadata_sd_jwt_jwt.txt").read_text().split())
    head = text.split(".")[0]
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    numbers = decode_x5c(header["x5c"])[0].public_key().public_numbers()  # type: ignore[union-attr]
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": base64.urlsafe_b64encode(numbers.x.to_bytes(32, "big")).rstrip(b"=").decode(),
        "y": base64.urlsafe_b64encode(numbers.y.to_bytes(32, "big")).rstrip(b"=").decode(),
    }
    _, payload = verify_jws(
        text, resolve_key=lambda _h: keypair_from_jwk(jwk), typs=("openidvci-issuer-metadata+jwt",)
    )
    assert payload["sub"] == payload["credential_issuer"] == ISSUER_EXAMPLE
    assert payload["credential_configurations_supported"]
