"""A bounded fuzz target: mutated credentials, presentations, JWTs and status lists.

The verifier must never raise, and must never call a document valid whose canonical form
differs from the one that was signed (the mutation then changed what was signed, and
only a forgery could still verify). Bounded by example counts; derandomized so that a
failure is reproducible.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcred.jsonld import JsonLdError
from microcred.jsonld.canonical import canonicalize
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services.issuing import issue_award
from microcred.verify import VerifierContext, verify_credential
from microcred.verify.presentation import verify_presentation
from tests.security.test_smuggled_statements import HOSTILE, HOSTILE_IRIS
from tests.verify.conftest import NOW, make_award
from tests.verify.test_pipeline import _with_status
from tests.verify.test_presentation import CHALLENGE, DOMAIN, present

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ISSUER_KEY = Ed25519KeyPair.generate()
HOLDER_KEY = Ed25519KeyPair.generate()
CREDENTIAL, STATUS_LISTS = _with_status(ISSUER_KEY, {"revocation": {7}})
LEARNER = {"name": "Anna Bērziņa", "identifier": did_key_for(HOLDER_KEY)}
HELD = issue_award(make_award(learner=LEARNER), ISSUER_KEY)
PRESENTATION = present([HELD], HOLDER_KEY)
JWT = issue_award(make_award(), ISSUER_KEY, fmt="jwt")
assert isinstance(CREDENTIAL, dict) and isinstance(HELD, dict) and isinstance(JWT, str)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.sampled_from(
        [
            *HOSTILE,
            *HOSTILE_IRIS,
            "",
            "revocation",
            "VerifiableCredential",
            "2030-01-01T00:00:00Z",
            "1999-01-01",
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "https://www.w3.org/ns/credentials/v2",
            "https://unknown.example/context",
        ]
    ),
    st.text(max_size=16),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["@vocab", "@id", "@type", "id", "type", "x"]), inner, max_size=3
        ),
    ),
    max_leaves=6,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*path, i))
    return found


def _mutate(doc: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    """A copy of ``doc`` with one mutation at ``path`` (the whole document for ``()``)."""
    doc = copy.deepcopy(doc)
    if not path:
        return value if action == "replace" else doc
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = value
    elif action == "rename" and isinstance(parent, dict) and isinstance(value, str):
        parent[value] = parent.pop(last)
    elif action == "wrap":
        parent[last] = [parent[last], value]
    return doc


def mutations(doc: dict[str, Any]) -> st.SearchStrategy[tuple[tuple[Any, ...], str, Any]]:
    return st.tuples(
        st.sampled_from(_paths(doc)),
        st.sampled_from(["delete", "replace", "rename", "wrap"]),
        VALUES,
    )


def _canonical(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return None
    try:
        return canonicalize({k: v for k, v in doc.items() if k != "proof"})
    except (JsonLdError, TypeError, ValueError):
        return None


def _context() -> VerifierContext:
    return VerifierContext(now=NOW, documents=STATUS_LISTS)


@FUZZ
@given(mutation=mutations(CREDENTIAL))
def test_mutated_credentials(mutation):
    forged = _mutate(CREDENTIAL, *mutation)
    report = verify_credential(forged, _context())
    assert report.status in {"valid", "invalid", "revoked", "suspended", "expired"}
    if forged == CREDENTIAL:
        assert report.status == "revoked"
        return
    if report.check("proof").status == "pass":
        # the proof verified: the statements must be the ones that were signed
        assert _canonical(forged) == _canonical(CREDENTIAL), mutation
    if report.valid:
        raise AssertionError(f"a revoked credential became valid: {mutation}")


@FUZZ
@given(mutation=mutations(PRESENTATION))
def test_mutated_presentations(mutation):
    forged = _mutate(PRESENTATION, *mutation)
    report = verify_presentation(forged, _context(), challenge=CHALLENGE, domain=DOMAIN)
    if report.valid and forged != PRESENTATION:
        assert _canonical(forged) == _canonical(PRESENTATION), mutation
        held = forged.get("verifiableCredential")
        held = held if isinstance(held, list) else [held]
        assert [_canonical(c) for c in held] == [_canonical(HELD)], mutation


def _segment(index: int, token: str) -> dict[str, Any]:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _encode(data: Any) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(text).rstrip(b"=").decode()


JWT_HEADER, JWT_PAYLOAD = _segment(0, JWT), _segment(1, JWT)


@FUZZ
@given(
    part=st.sampled_from([0, 1]),
    mutation=st.one_of(mutations(JWT_HEADER), mutations(JWT_PAYLOAD)),
    flip=st.integers(min_value=0, max_value=len(JWT) - 1),
    byte_level=st.booleans(),
)
def test_mutated_jwts(part, mutation, flip, byte_level):
    segments = JWT.split(".")
    if byte_level:
        char = "A" if JWT[flip] != "A" else "B"
        forged = JWT[:flip] + char + JWT[flip + 1 :]
    else:
        original = (JWT_HEADER, JWT_PAYLOAD)[part]
        try:
            changed = _mutate(original, *mutation)
        except (KeyError, IndexError, TypeError):
            return
        segments[part] = _encode(changed)
        forged = ".".join(segments)
    report = verify_credential(forged, _context())
    if forged != JWT and report.valid:
        # only an encoding-equivalent change may still verify: same header and claims
        assert (_segment(0, forged), _segment(1, forged)) == (JWT_HEADER, JWT_PAYLOAD)
        assert forged.split(".")[2].rstrip("=") == segments[2].rstrip("=") or byte_level


REVOCATION_URL = next(url for url in STATUS_LISTS if "revocation" in url)
REVOCATION_LIST = STATUS_LISTS[REVOCATION_URL]


@FUZZ
@given(mutation=mutations(REVOCATION_LIST))
def test_mutated_status_lists(mutation):
    forged_list = _mutate(REVOCATION_LIST, *mutation)
    documents = {**STATUS_LISTS, REVOCATION_URL: forged_list}
    report = verify_credential(CREDENTIAL, VerifierContext(now=NOW, documents=documents))
    if report.check("status").status == "pass":
        # the bit is set in the real list: a pass means the list was read as not revoked,
        # which only a list with other signed content could say
        raise AssertionError(f"a revoked credential passed the status check: {mutation}")
    # A list that cannot be trusted never leaves the credential valid: revoked, invalid, or
    # (when the status could not be checked at all, and it says so) unchecked.
    assert not report.valid, mutation
    if report.check("status").status == "warn":
        assert report.status == "unchecked", mutation
