"""What the wallet page shows before the learner answers an OpenID4VP request (issue 16,
point 3): for each credential query of the verifier's DCQL, the learner's credentials that
answer it (matched by `verify.dcql.match_credential`, the verifier's own rules), and for
each one the claims that will be disclosed (what the query asks for) and the claims the
learner may add (the SD-JWT VC's other disclosures). A W3C credential (``ldp_vc``,
``jwt_vc_json``) has no selective disclosure: it goes whole, and the page says so.

The answer itself is `openid4vp_respond.respond`: this module only reads, with the same
matching, so what the page promises is what is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from microcred.proofs.errors import ProofError
from microcred.proofs.sd_jwt import decode_disclosure, disclose, parse_sd_jwt, unverified_payload
from microcred.services import wallet
from microcred.services.instance import Instance
from microcred.services.wallet.openid4vci_receive import bound_key
from microcred.services.wallet.openid4vp_respond import OpenedRequest, asked_names, w3c_presented
from microcred.verify import dcql

__all__ = ["Choice", "Wanted", "choices"]

MAX_PROBLEMS = 5
# claims of an SD-JWT VC that say how it is secured or typed, not what it says of the learner
TECHNICAL = frozenset(
    {"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status", "_sd", "_sd_alg"}
)


@dataclass(frozen=True)
class Choice:
    item_id: str
    title: str
    issuer: str | None
    status: str  # the wallet's last verification of it
    format: str
    asked: tuple[str, ...]  # the claims asked for that will be disclosed (SD-JWT VC)
    optional: tuple[str, ...]  # the claims the learner may add (SD-JWT VC)
    always: tuple[str, ...]  # the claims not selectively disclosable: always sent
    whole: bool  # a W3C credential: everything in it is sent


@dataclass(frozen=True)
class Wanted:
    query_id: str
    format: str
    asked: tuple[str, ...]  # the claim names the query asks for
    choices: tuple[Choice, ...]
    problems: tuple[str, ...]  # why the learner's credentials of this format do not answer


def _seen(original: str) -> tuple[dcql.Presented, frozenset[str], frozenset[str]] | None:
    """What the verifier would see of a credential, its selectively disclosable claims and
    the claims it always shows."""
    try:
        sd_jwt = parse_sd_jwt(original)
        claims = disclose(unverified_payload(sd_jwt), sd_jwt.disclosures)
    except ProofError:
        seen = w3c_presented(original)
        return (seen, frozenset(), frozenset()) if seen is not None else None
    names = frozenset(
        str(name) for d in sd_jwt.disclosures if (name := decode_disclosure(d).name) is not None
    )
    plain = frozenset(unverified_payload(sd_jwt)) - TECHNICAL - names
    vct = claims.get("vct") if isinstance(claims.get("vct"), str) else None
    return dcql.Presented(format=dcql.SD_JWT_VC, claims=claims, vct=vct), names, plain


def _top_names(query: dcql.CredentialQuery) -> tuple[str, ...]:
    """The claims an SD-JWT VC query asks for, by their top-level names."""
    if query.format != dcql.SD_JWT_VC:
        return ()
    claims = list(query.claims or ())
    if query.claim_sets:
        first = set(query.claim_sets[0])
        claims = [c for c in claims if c.id in first]
    return tuple(sorted({str(c.path[0]) for c in claims if c.path and isinstance(c.path[0], str)}))


def choices(instance: Instance, holder_ref: str, request: OpenedRequest) -> list[Wanted]:
    """Per credential query, the holder's credentials that answer it (in the wallet's order)."""
    items = [(item, _seen(item.original)) for item in wallet.list_items(instance, holder_ref)]
    out: list[Wanted] = []
    for query in request.query.credentials:
        found: list[Choice] = []
        problems: list[str] = []
        for item, seen in items:
            if seen is None or seen[0].format != query.format:
                continue
            presented, names, plain = seen
            match = dcql.match_credential(query, presented)
            if not match.ok:
                problems.extend(p for p in match.problems if p not in problems)
                continue
            if (
                query.format == dcql.SD_JWT_VC
                and query.require_binding
                and bound_key(instance, holder_ref, item.id) is None
            ):
                problems.append("the verifier asks for a credential bound to this wallet's key")
                continue
            asked = asked_names(query, match.claim_set)
            shown = tuple(sorted(asked & (names | plain)))
            found.append(
                Choice(
                    item_id=item.id,
                    title=item.title,
                    issuer=item.issuer_name,
                    status=item.status,
                    format=query.format,
                    asked=shown,
                    optional=tuple(sorted(names - asked)),
                    always=tuple(sorted(plain - asked)),
                    whole=query.format != dcql.SD_JWT_VC,
                )
            )
        out.append(
            Wanted(
                query_id=query.id,
                format=query.format,
                asked=_top_names(query),
                choices=tuple(found),
                problems=tuple(problems[:MAX_PROBLEMS]),
            )
        )
    return out
