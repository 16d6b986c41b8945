"""The employer's form into DCQL (services/presentation_requests/compose.py): issuer and
skill become claims with ``values`` that real credentials' claims match (the DCQL matcher the
verifier and the wallet use), a skill in either the specification's skills or a learning
outcome's ESCO reference (claim_sets); bad input names its field."""

from __future__ import annotations

import pytest

from microcred.formats.sd_jwt_vc import vct_url
from microcred.services.presentation_requests import Invalid
from microcred.services.presentation_requests.compose import compose
from microcred.verify import dcql

BASE = "https://employer.example"
SKILL = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"
OTHER = "http://data.europa.eu/esco/skill/80f308e6-0e09-404a-80cd-ec5f50f6f304"


def _sd(**claims: object) -> dcql.Presented:
    base = {"family_name": "Bērziņa", "achievement_title": "Data analysis"}
    return dcql.Presented(format=dcql.SD_JWT_VC, claims={**base, **claims}, vct=vct_url(BASE))


def _query(**kw: object) -> dcql.DcqlQuery:
    composed = compose(BASE, ["sd_jwt_vc", "open_badge"], ["family_name"], **kw)  # type: ignore[arg-type]
    return dcql.parse_query(composed.dcql)


def test_issuer_and_skill_match_real_claims_either_way():
    query = _query(issuer="Datu Darbnīca SIA", skill=SKILL)
    micro, badge = query.credentials
    by_skill = _sd(issuing_authority="Datu Darbnīca SIA", skills=[{"esco_uri": SKILL}])
    by_outcome = _sd(issuing_authority="Datu Darbnīca SIA", learning_outcome_refs=[None, SKILL])
    assert dcql.match_credential(micro, by_skill).claim_set == 0
    assert dcql.match_credential(micro, by_outcome).claim_set == 1
    other = _sd(issuing_authority="Datu Darbnīca SIA", skills=[{"esco_uri": OTHER}])
    assert not dcql.match_credential(micro, other).ok
    elsewhere = _sd(issuing_authority="Cits SIA", skills=[{"esco_uri": SKILL}])
    assert not dcql.match_credential(micro, elsewhere).ok
    open_badge = {
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:web:x", "name": "Datu Darbnīca SIA"},
        "credentialSubject": {
            "achievement": {"name": "Data analysis", "alignment": [{"targetUrl": SKILL}]}
        },
    }
    seen = dcql.Presented(format="ldp_vc", claims=open_badge, types=frozenset(open_badge["type"]))
    assert dcql.match_credential(badge, seen).ok


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"skill": "programming"}, "skill"),
        ({"skill": "http://data.europa.eu/esco/skill/not-a-uuid"}, "skill"),
        ({"issuer": "x" * 201}, "issuer"),
    ],
)
def test_bad_issuer_or_skill_names_the_field(kw, field):
    with pytest.raises(Invalid) as caught:
        _query(**kw)
    assert caught.value.field == field
