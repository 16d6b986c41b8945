"""VC-JOSE-COSE section 3.2: a credential (``vc+sd-jwt``) or presentation (``vp+sd-jwt``)
secured as an SD-JWT (RFC 9901), the issuer-signed payload being the credential itself with
the members the issuer chose made selectively disclosable.

The SD-JWT mechanics (digests, disclosures, the compact ``~`` form, the digest walk that
refuses disclosures the issuer did not sign, Key Binding) are `proofs.sd_jwt`; this module
only says which members are disclosable (paths such as ``credentialSubject.address.street``
or ``credentialSubject.phoneNumbers[0]``, as the W3C VC-JOSE-COSE test suite names them) and
which ``typ`` / ``cty`` the header carries. This is not the IETF SD-JWT VC (``dc+sd-jwt``,
`formats.sd_jwt_vc`): there the claims are a flat JWT claim set, here a VC Data Model 2.0
document.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from microcred.proofs.errors import MalformedProof
from microcred.proofs.jose import HeaderKeyResolver
from microcred.proofs.keys import KeyPair
from microcred.proofs.sd_jwt import Sd, SdJwt, issue_sd_jwt, verify_sd_jwt

__all__ = [
    "VC_SD_JWT_TYPS",
    "VP_SD_JWT_TYPS",
    "disclosure_plan",
    "parse_path",
    "sign_vc_sd_jwt",
    "sign_vp_sd_jwt",
    "verify_vc_sd_jwt",
    "verify_vp_sd_jwt",
]

# VC-JOSE-COSE names the media types application/vc+sd-jwt and application/vp+sd-jwt; RFC
# 7515 section 4.1.9 lets `typ` omit "application/" (the suite's vectors do).
VC_SD_JWT_TYPS = ("vc+sd-jwt", "application/vc+sd-jwt")
VP_SD_JWT_TYPS = ("vp+sd-jwt", "application/vp+sd-jwt")
MAX_PATHS = 500
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d{1,6})\]")

Path = tuple[str | int, ...]


def parse_path(path: str) -> Path:
    """``a.b[0].c`` -> ``("a", "b", 0, "c")``; MalformedProof naming the path otherwise."""
    if not isinstance(path, str) or not path or len(path) > 1000:
        raise MalformedProof("disclosure path", f"{str(path)[:80]!r} is not a path")
    parts: list[str | int] = []
    position = 0
    while position < len(path):
        if path[position] == "." and parts and position + 1 < len(path):
            position += 1
        match = _SEGMENT.match(path, position)
        if match is None:
            raise MalformedProof(
                "disclosure path", f"{path[:80]!r} is not of the form name.name[index]"
            )
        name, index = match.groups()
        parts.append(name if name is not None else int(index))
        position = match.end()
    if not parts or not isinstance(parts[0], str):
        raise MalformedProof("disclosure path", f"{path[:80]!r} must start with a member name")
    return tuple(parts)


def _exists(document: Any, path: Path) -> bool:
    node = document
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return False
        elif not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _build(node: Any, here: Path, marks: set[Path]) -> Any:
    if isinstance(node, dict):
        plan: dict[Any, Any] = {}
        for key, value in node.items():
            child = _build(value, (*here, key), marks)
            plan[Sd(key) if (*here, key) in marks else key] = child
        return plan
    if isinstance(node, list):
        elements = [_build(v, (*here, i), marks) for i, v in enumerate(node)]
        return [Sd(e) if (*here, i) in marks else e for i, e in enumerate(elements)]
    return node


def disclosure_plan(document: dict[str, Any], paths: Sequence[str]) -> dict[Any, Any]:
    """The SD plan of `proofs.sd_jwt` for ``document`` with the members at ``paths``
    disclosable. A path naming nothing in the document, or ``@context`` / ``type`` (which a
    verifier must always see to read the rest), is refused, naming it."""
    if len(paths) > MAX_PATHS:
        raise MalformedProof("disclosure paths", f"at most {MAX_PATHS} are supported")
    marks: set[Path] = set()
    for text in paths:
        path = parse_path(text)
        if path[0] in ("@context", "type") and len(path) == 1:
            raise MalformedProof(text, "the @context and type must stay visible to a verifier")
        if not _exists(document, path):
            raise MalformedProof(text, "names no member of the document")
        marks.add(path)
    plan = _build(document, (), marks)
    assert isinstance(plan, dict)
    return plan


def _sign(
    document: dict[str, Any],
    keypair: KeyPair,
    *,
    kid: str,
    paths: Sequence[str],
    typ: str,
    cty: str,
) -> str:
    plan = disclosure_plan(document, paths)
    header = {"typ": typ, "cty": cty, "kid": kid}
    return issue_sd_jwt(plan, keypair, header=header).serialize()


def sign_vc_sd_jwt(
    credential: dict[str, Any], keypair: KeyPair, *, kid: str, paths: Sequence[str] = ()
) -> str:
    """The credential as a compact ``vc+sd-jwt`` (every disclosure included)."""
    return _sign(credential, keypair, kid=kid, paths=paths, typ=VC_SD_JWT_TYPS[0], cty="vc")


def sign_vp_sd_jwt(
    presentation: dict[str, Any], keypair: KeyPair, *, kid: str, paths: Sequence[str] = ()
) -> str:
    """The presentation as a compact ``vp+sd-jwt`` (every disclosure included)."""
    return _sign(presentation, keypair, kid=kid, paths=paths, typ=VP_SD_JWT_TYPS[0], cty="vp")


def _verify(
    text: str | SdJwt,
    resolve_key: HeaderKeyResolver,
    typs: Collection[str],
    now: datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    verified = verify_sd_jwt(text, resolve_key=resolve_key, typs=typs, now=now)
    for claim in ("vc", "vp"):
        if claim in verified.claims:
            raise MalformedProof(claim, "a VC-JOSE-COSE payload must not carry a vc or vp claim")
    return verified.header, verified.claims


def verify_vc_sd_jwt(
    text: str | SdJwt, *, resolve_key: HeaderKeyResolver, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a ``vc+sd-jwt``: ``(header, credential with the disclosed members)``."""
    return _verify(text, resolve_key, VC_SD_JWT_TYPS, now)


def verify_vp_sd_jwt(
    text: str | SdJwt, *, resolve_key: HeaderKeyResolver, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a ``vp+sd-jwt``: ``(header, presentation with the disclosed members)``."""
    return _verify(text, resolve_key, VP_SD_JWT_TYPS, now)
