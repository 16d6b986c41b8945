"""The wallet's import entry point: every kind of file is recognised, anything else is refused clearly."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from microcred.formats.baked import bake_png, bake_svg
from microcred.formats.importing import Extracted, ImportFormatError, extract
from microcred.formats.ob2 import sign_ob2
from microcred.proofs.jose import sign_vc_jwt
from microcred.proofs.keys import Ed25519KeyPair

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ob2"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"

PNG = (FIXTURES / "badge.png").read_bytes()
SVG = (FIXTURES / "badge.svg").read_text()
OB2 = json.loads((FIXTURES / "assertion-hosted.json").read_text())
OB3 = json.loads((SHARED / "ob3" / "1edtech-ob3-basic-openbadgecredential.json").read_text())


def b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def vc_jwt() -> str:
    return sign_vc_jwt(OB3, Ed25519KeyPair.generate(), kid="did:example:issuer#key-1")


@pytest.fixture(scope="module")
def ob2_jws() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return sign_ob2({**OB2, "id": "urn:uuid:1", "verification": {"type": "signed"}}, key)


# --- JSON and JWT ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((SHARED / "ob3").glob("*.json")), ids=lambda p: p.name)
def test_shared_ob3_vectors_are_vc_jsonld(path: Path) -> None:
    got = extract(path.read_bytes(), filename=path.name)
    assert (got.kind, got.source, got.jwt) == ("vc-jsonld", "json", None)
    assert got.document == json.loads(path.read_text())


EDC_KINDS = {
    "ebsi-vcdm2-edc-microcredential-data-and-software-business.json": "vc-jsonld",
    "edci-jades-baseline-lta-sealed-sample.json": "elm-sealed",
    "elm3-sample-certofpart-unsigned.jsonld": "vc-jsonld",
    "elm3-sample-mc-annex1-signed-jades.jsonld": "elm-sealed",
    "elm3-sample-mc-annex1-unsigned.jsonld": "vc-jsonld",
    "mynextid-edc-mc-signed-jades.jsonld": "elm-sealed",
    "edci-credential-jws-invalid.jsonld": "elm-sealed",
}


@pytest.mark.parametrize(("name", "kind"), sorted(EDC_KINDS.items()))
def test_shared_edc_vectors_are_recognised(name: str, kind: str) -> None:
    raw = (SHARED / "edc" / name).read_bytes()
    got = extract(raw, filename=name)
    assert (got.kind, got.source) == (kind, "json")
    assert isinstance(got.document, dict)


def test_every_edc_vector_is_covered() -> None:
    assert {path.name for path in (SHARED / "edc").iterdir()} == set(EDC_KINDS)


def test_vc_jwt(vc_jwt: str) -> None:
    got = extract(vc_jwt.encode() + b"\n", content_type="application/vc+jwt")
    assert got == Extracted("vc-jwt", OB3, vc_jwt, "jwt")


def test_vc_jwt_1_1_with_a_vc_claim() -> None:
    vc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:1"},
    }
    token = f"{b64({'alg': 'ES256', 'typ': 'JWT'})}.{b64({'iss': 'did:example:i', 'vc': vc})}.c2ln"
    got = extract(token.encode())
    # VC DM 1.1 section 6.3.1: the iss claim is the credential's issuer.
    assert (got.kind, got.document) == ("vc-jwt", {**vc, "issuer": "did:example:i"})


def test_ob2_hosted_json() -> None:
    got = extract(json.dumps(OB2).encode(), filename="assertion.json")
    assert got == Extracted("ob2-hosted", OB2, None, "json", OB2["id"])


def test_ob2_signed_jws(ob2_jws: str) -> None:
    got = extract(ob2_jws.encode())
    assert (got.kind, got.source, got.jwt) == ("ob2-signed", "jwt", ob2_jws)
    assert got.document is not None and got.document["type"] == "Assertion"


def test_any_vc_2_credential() -> None:
    vc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"id": "did:example:2"},
    }
    assert extract(json.dumps(vc).encode()).kind == "vc-jsonld"


# --- baked images ---------------------------------------------------------------------------


def test_png_ob3_json_and_jwt(vc_jwt: str) -> None:
    got = extract(bake_png(PNG, OB3), filename="badge.png", content_type="image/png")
    assert (got.kind, got.source, got.document) == ("vc-jsonld", "png", OB3)
    got = extract(bake_png(PNG, vc_jwt))
    assert (got.kind, got.source, got.jwt, got.document) == ("vc-jwt", "png", vc_jwt, OB3)


def test_png_ob2_json_signed_and_url(ob2_jws: str) -> None:
    got = extract(bake_png(PNG, OB2))
    assert got == Extracted("ob2-hosted", OB2, None, "png", OB2["id"])
    got = extract(bake_png(PNG, ob2_jws))
    assert (got.kind, got.source, got.jwt) == ("ob2-signed", "png", ob2_jws)
    got = extract(bake_png(PNG, "https://badges.example.org/assertions/9"))
    assert got == Extracted(
        "ob2-hosted", None, None, "png", "https://badges.example.org/assertions/9"
    )


def test_svg_both_versions(vc_jwt: str, ob2_jws: str) -> None:
    assert extract(bake_svg(SVG, OB3).encode()) == Extracted("vc-jsonld", OB3, None, "svg")
    assert extract(bake_svg(SVG, vc_jwt).encode()).kind == "vc-jwt"
    got = extract(bake_svg(SVG, OB2).encode(), filename="badge.svg")
    assert got == Extracted("ob2-hosted", OB2, None, "svg", OB2["id"])
    assert extract(bake_svg(SVG, ob2_jws).encode()).kind == "ob2-signed"


def test_svg_verify_url_fills_hosted_url_when_the_assertion_has_none() -> None:
    assertion = {**OB2, "id": "urn:uuid:5"}
    svg = bake_svg(SVG, assertion).replace(
        "<openbadges:assertion>", '<openbadges:assertion verify="https://x.example/a/5">'
    )
    assert extract(svg.encode()).hosted_url == "https://x.example/a/5"


def test_a_version_slot_holding_the_wrong_thing_is_refused() -> None:
    with pytest.raises(ImportFormatError, match=r"Open Badges 2\.0 slot"):
        extract(bake_png(PNG, OB3, version="ob2"))
    with pytest.raises(ImportFormatError, match=r"Open Badges 3\.0 slot"):
        extract(bake_png(PNG, OB2, version="ob3"))


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "is empty"),
        (b"  \n", "is empty"),
        (b"{}", "not a credential: a JSON object without a type"),
        (b'{"type": "Thing"}', "type Thing is neither"),
        (b"[1, 2]", "not a JSON list"),
        (b"hello", "neither JSON nor a JWT"),
        (b'{"a": ', "not valid JSON"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG file; only PNG and SVG"),
        (b"GIF89a\x01\x00", "a GIF file"),
        (b"<html><body>hi</body></html>", "XML or HTML"),
        (b"\xff\xfe\x00bin", "not UTF-8"),
        (b'{"type": ["VerifiableCredential"]}', "without credentialSubject"),
        (
            b'{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"]}',
            "a presentation, not a credential",
        ),
        (
            f"{b64({'alg': 'none'})}.{b64({'sub': 'x'})}.".encode(),
            "neither a Verifiable Credential",
        ),
        (
            f"{b64({'alg': 'none', 'typ': 'vc+jwt'})}.{b64({'sub': 'x'})}.".encode(),
            "payload is not",
        ),
        (b"eyJhbGciOiJub25lIn0.bm90IGpzb24.", "not a readable JWS"),
    ],
)
def test_refusals(raw: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        extract(raw)


def test_png_without_badge() -> None:
    with pytest.raises(ImportFormatError, match="this PNG has no embedded badge"):
        extract(PNG, filename="badge.png")


def test_corrupt_png() -> None:
    baked = bytearray(bake_png(PNG, OB3))
    baked[60] ^= 0x01
    with pytest.raises(ImportFormatError, match="CRC"):
        extract(bytes(baked))
    with pytest.raises(ImportFormatError, match="truncated"):
        extract(bake_png(PNG, OB3)[:100])


def test_svg_without_badge_and_hostile_svg() -> None:
    with pytest.raises(ImportFormatError, match="this SVG has no embedded badge"):
        extract(SVG.encode())
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'
    )
    with pytest.raises(ImportFormatError, match="entit"):
        extract(xxe)


def test_signed_ob2_json_without_its_jws() -> None:
    signed = {**OB2, "verification": {"type": "signed"}}
    with pytest.raises(ImportFormatError, match="signature \\(the JWS\\) is not included"):
        extract(json.dumps(signed).encode())


def test_size_and_depth_limits() -> None:
    with pytest.raises(ImportFormatError, match="limited to 5 MB"):
        extract(b"{" + b" " * (5 * 1024 * 1024) + b"}", filename="big.json")
    deep = (
        b'{"type": "VerifiableCredential", "credentialSubject": ' + b"[" * 100 + b"]" * 100 + b"}"
    )
    with pytest.raises(ImportFormatError, match="nested more than 64"):
        extract(deep)
    deep_png = bake_png(PNG, '{"a": ' + "[" * 100 + "]" * 100 + "}", version="ob3")
    with pytest.raises(ImportFormatError, match="nested more than 64"):
        extract(deep_png)


def test_declared_image_that_is_not_one() -> None:
    with pytest.raises(ImportFormatError, match="declared image/png"):
        extract(b"hello", filename="badge.png", content_type="image/png")


def test_ob2_documents_that_are_not_assertions() -> None:
    badge_class = (FIXTURES / "badgeclass.json").read_bytes()
    with pytest.raises(ImportFormatError, match=r"an Open Badges 2\.0 BadgeClass, not an awarded"):
        extract(badge_class)


def test_open_badges_1_0_assertion_is_hosted() -> None:
    legacy = {
        "uid": "abc",
        "recipient": "sha256$0000",
        "badge": "https://badges.example.org/badges/5.json",
        "verify": {"type": "hosted", "url": "https://badges.example.org/assertions/abc.json"},
        "issuedOn": 1400000000,
    }
    got = extract(json.dumps(legacy).encode())
    assert (got.kind, got.hosted_url) == (
        "ob2-hosted",
        "https://badges.example.org/assertions/abc.json",
    )


def test_svg_with_a_long_prolog_is_still_found() -> None:
    svg = (
        "<?xml version='1.0'?>\n<!--" + "x" * 5000 + "-->\n" + bake_svg(SVG, OB3).split("-->", 1)[1]
    )
    assert extract(svg.encode()).kind == "vc-jsonld"
