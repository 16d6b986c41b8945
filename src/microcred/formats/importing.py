"""One entry point for the wallet: recognise what an imported file is, and take out the credential.

Recognised: PNG and SVG baked badges (Open Badges 3.0 and 2.0), W3C VC 1.1 / 2.0 credentials
in JSON-LD (Open Badges 3.0, ELM / Europass EDC, any other VC), ``vc+jwt`` compact JWTs
(VC-JOSE-COSE 2.0 and VC-JWT 1.1 with a ``vc`` claim), SD-JWT VCs (``dc+sd-jwt``, the
compact ``~`` form), Open Badges 2.0 assertions (JSON,
hosted) and signed assertions (JWS), and JAdES-sealed ELM credentials.

Nothing is verified here, and nothing is fetched: a baked OB 2.0 badge that carries only
the URL of its hosted assertion comes back as ``ob2-hosted`` with ``hosted_url`` set and no
document. Input is bounded (5 MB, JSON depth 64, PNG chunk count and sizes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from microcred.formats.baked import (
    BakedBadge,
    BakedBadgeError,
    extract_png,
    extract_svg,
    is_png,
    looks_like_svg,
)
from microcred.formats.inputs import MAX_INPUT_BYTES, InputError, parse_input
from microcred.formats.ob2 import decode_jws, is_ob2_assertion, is_ob2_document
from microcred.formats.reading import is_sealed, types_of
from microcred.formats.vc_jwt import claimed_credential

__all__ = ["Extracted", "ImportFormatError", "ImportKind", "ImportSource", "extract"]

ImportKind = Literal["vc-jsonld", "vc-jwt", "ob2-hosted", "ob2-signed", "elm-sealed", "sd-jwt-vc"]
ImportSource = Literal["json", "jwt", "png", "svg"]

VC_CONTEXTS = frozenset(
    {"https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1"}
)

_OTHER_IMAGES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "a JPEG"),
    (b"GIF87a", "a GIF"),
    (b"GIF89a", "a GIF"),
    (b"%PDF-", "a PDF"),
    (b"\x1f\x8b", "a gzip-compressed (e.g. SVGZ)"),
    (b"PK\x03\x04", "a ZIP"),
)


class ImportFormatError(InputError):
    """The file is not a credential this wallet can import; the message says why."""


def _parse(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """``(document, jwt)``: the one untrusted-input parser (`formats.inputs`), with this error;
    an SD-JWT comes back as its compact text in ``jwt``."""
    try:
        parsed = parse_input(raw)
    except InputError as exc:
        raise ImportFormatError(str(exc)) from None
    return parsed.document, parsed.jwt or parsed.sd_jwt


@dataclass(frozen=True)
class Extracted:
    """What the file carries. ``document`` is the credential/assertion JSON (for a JWT, its
    decoded payload, NOT verified); ``jwt`` the compact token; ``hosted_url`` where an OB 2.0
    hosted assertion lives (its ``id``, or the URL baked into the image)."""

    kind: ImportKind
    document: dict[str, Any] | None
    jwt: str | None
    source: ImportSource
    hosted_url: str | None = None


def _http_url(value: Any) -> str | None:
    return value if isinstance(value, str) and value.startswith(("http://", "https://")) else None


def _what(filename: str | None, content_type: str | None) -> str:
    if filename:
        return repr(filename)
    if content_type:
        return f"the {content_type} upload"
    return "the file"


def _from_document(document: dict[str, Any], source: ImportSource) -> Extracted:
    if is_sealed(document):
        return Extracted("elm-sealed", document, None, source)
    if is_ob2_assertion(document):
        verification = document.get("verification") or document.get("verify")
        declared = verification.get("type") if isinstance(verification, dict) else None
        if declared in ("signed", "SignedBadge"):
            raise ImportFormatError(
                "this Open Badges 2.0 assertion is signed, but its signature (the JWS) is not "
                "included: import the signed badge or the baked image instead"
            )
        hosted = _http_url(document.get("id"))
        if hosted is None and isinstance(verification, dict):
            hosted = _http_url(verification.get("url"))
        return Extracted("ob2-hosted", document, None, source, hosted)
    types = types_of(document)
    if is_ob2_document(document):
        raise ImportFormatError(
            f"an Open Badges 2.0 {', '.join(sorted(types)) or 'document'}, not an awarded badge "
            "(an Assertion)"
        )
    contexts = document.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    vc_context = bool(VC_CONTEXTS & {c for c in contexts if isinstance(c, str)})
    if "VerifiableCredential" in types or (
        types and vc_context and "VerifiablePresentation" not in types
    ):
        if "credentialSubject" not in document:
            raise ImportFormatError(
                "not a credential: a VerifiableCredential without credentialSubject"
            )
        return Extracted("vc-jsonld", document, None, source)
    if "VerifiablePresentation" in types:
        raise ImportFormatError(
            "a presentation, not a credential: import the credentials it carries one by one"
        )
    if not types:
        raise ImportFormatError("not a credential: a JSON object without a type")
    raise ImportFormatError(
        f"not a credential: type {', '.join(sorted(types))} is neither a Verifiable Credential "
        "nor an Open Badges assertion"
    )


def _from_sd_jwt(text: str) -> Extracted:
    """An SD-JWT VC: its claims with the disclosures in place (NOT verified), and the text."""
    from microcred.formats.sd_jwt_vc import is_sd_jwt_vc, unverified_claims

    claims = unverified_claims(text)
    if claims is None:
        raise ImportFormatError("an SD-JWT whose disclosures do not match what its issuer signed")
    if not is_sd_jwt_vc(text):
        raise ImportFormatError("an SD-JWT that is not an SD-JWT VC (typ dc+sd-jwt)")
    return Extracted("sd-jwt-vc", claims, text, "jwt")


def _from_jwt(token: str, source: ImportSource) -> Extracted:
    try:
        header, payload = decode_jws(token)
    except ValueError as exc:
        raise ImportFormatError(f"a token that is not a readable JWS: {exc}") from None
    typ = str(header.get("typ", "")).lower().removeprefix("application/")
    if is_ob2_assertion(payload):
        return Extracted("ob2-signed", payload, token, source)
    vc = payload.get("vc")
    if isinstance(vc, dict) and "VerifiableCredential" in types_of(vc):
        # VC-JWT 1.1: the credential in `vc`, with what iss/jti/sub/nbf/exp add to it.
        return Extracted("vc-jwt", claimed_credential(payload) or vc, token, source)
    if "VerifiableCredential" in types_of(payload) or typ in ("vc+jwt", "vc+ld+jwt"):
        if "VerifiableCredential" not in types_of(payload):
            raise ImportFormatError("a vc+jwt whose payload is not a Verifiable Credential")
        return Extracted("vc-jwt", payload, token, source)
    if "VerifiablePresentation" in types_of(payload) or isinstance(payload.get("vp"), dict):
        raise ImportFormatError(
            "a presentation JWT, not a credential: import the credentials it carries one by one"
        )
    raise ImportFormatError(
        "a JWT that carries neither a Verifiable Credential nor an Open Badges 2.0 assertion"
    )


def _from_baked(badge: BakedBadge) -> Extracted:
    source: ImportSource = badge.image
    where = "PNG" if badge.image == "png" else "SVG"
    if badge.content == "url":
        return Extracted("ob2-hosted", None, None, source, badge.text)
    if badge.content == "jwt":
        extracted = _from_jwt(badge.text, source)
    else:
        try:
            document, _ = _parse(badge.text.encode("utf-8"))
        except ImportFormatError as exc:
            raise ImportFormatError(
                f"the badge baked into this {where} is unreadable: {exc}"
            ) from None
        if document is None:
            raise ImportFormatError(f"the badge baked into this {where} is not JSON")
        extracted = _from_document(document, source)
    if badge.version == "ob2" and extracted.kind not in ("ob2-hosted", "ob2-signed"):
        raise ImportFormatError(
            f"this {where} carries an Open Badges 2.0 slot holding something else than an "
            "OB 2.0 assertion"
        )
    if badge.version == "ob3" and extracted.kind not in ("vc-jsonld", "vc-jwt"):
        raise ImportFormatError(
            f"this {where} carries an Open Badges 3.0 slot holding something else than a credential"
        )
    if badge.verify_url and extracted.kind == "ob2-hosted" and extracted.hosted_url is None:
        extracted = Extracted(extracted.kind, extracted.document, None, source, badge.verify_url)
    return extracted


def extract(
    raw: bytes, *, filename: str | None = None, content_type: str | None = None
) -> Extracted:
    """Recognise ``raw`` and take out the credential; ImportFormatError says why not."""
    what = _what(filename, content_type)
    if not isinstance(raw, bytes | bytearray):
        raise ImportFormatError("the input must be bytes")
    raw = bytes(raw)
    if len(raw) > MAX_INPUT_BYTES:
        raise ImportFormatError(
            f"{what} is {len(raw) / 1_048_576:.1f} MB; imports are limited to "
            f"{MAX_INPUT_BYTES // 1_048_576} MB"
        )
    if not raw.strip():
        raise ImportFormatError(f"{what} is empty")
    if is_png(raw):
        try:
            return _from_baked(extract_png(raw))
        except BakedBadgeError as exc:
            raise ImportFormatError(str(exc)) from None
    for magic, name in _OTHER_IMAGES:
        if raw.startswith(magic):
            raise ImportFormatError(
                f"{what} is {name} file; only PNG and SVG images can carry a baked badge"
            )
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        try:
            badge = extract_svg(raw)
        except BakedBadgeError as exc:
            if looks_like_svg(raw) or "entit" in str(exc):
                raise ImportFormatError(str(exc)) from None
            raise ImportFormatError(
                f"{what} is XML or HTML, not a credential or an SVG badge"
            ) from None
        return _from_baked(badge)
    try:
        document, token = _parse(raw)
    except ImportFormatError as exc:
        hint = ""
        if content_type and content_type.startswith("image/"):
            hint = f" (declared {content_type}, but it is not a PNG or SVG)"
        raise ImportFormatError(f"{what}: {exc}{hint}") from None
    if token is not None:
        return _from_sd_jwt(token) if "~" in token else _from_jwt(token, "jwt")
    assert document is not None
    return _from_document(document, "json")
