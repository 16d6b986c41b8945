"""The wallet's OpenID4VP refusals and match reasons in the holder's language (issue 16,
point 3; issue 17, point 6): the English sentences `openid4vp_respond` and `verify.dcql`
give for real inputs each read in Latvian on /wallet/present, with what the verifier sent
kept as it is; English readers get them unchanged."""

from __future__ import annotations

import pytest

from microcred.i18n import translator
from microcred.services.wallet import openid4vp_texts
from microcred.services.wallet.openid4vp_respond import RespondError, open_request
from microcred.verify import dcql

VCT = "https://issuer.example/vct/eu-micro-credential/1"
QUERY = dcql.parse_query(
    {
        "credentials": [
            {
                "id": "micro",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "claims": [
                    {"path": ["family_name"]},
                    {"path": ["credit_points", "value"], "values": [10]},
                ],
            }
        ]
    }
)


def test_every_template_has_a_latvian_translation():
    lv = translator("lv")
    missing = [m for m in openid4vp_texts.MESSAGES if lv.gettext(m) == m]
    assert not missing, missing


@pytest.mark.parametrize(
    ("presented", "words"),
    [
        (dcql.Presented("ldp_vc", {"type": ["VerifiableCredential"]}), "dots formāts"),
        (dcql.Presented("dc+sd-jwt", {"vct": "x"}, vct="https://other.example/t"), "tips (vct)"),
        (dcql.Presented("dc+sd-jwt", {"vct": VCT}, vct=VCT, holder_bound=False), "turētāja"),
        (
            dcql.Presented("dc+sd-jwt", {"vct": VCT, "credit_points": {"value": 5}}, vct=VCT),
            "trūkst datu lauka family_name",
        ),
    ],
)
def test_why_a_credential_does_not_answer_reads_in_latvian(presented, words):
    [query] = QUERY.credentials
    problems = dcql.match_credential(query, presented).problems
    assert problems
    lv = [openid4vp_texts.message_in(p, translator("lv")) for p in problems]
    assert any(words in said for said in lv), lv
    for english, said in zip(problems, lv, strict=True):
        assert said != english, english
    assert [openid4vp_texts.message_in(p, translator("en")) for p in problems] == problems


def test_values_not_asked_for_read_in_latvian():
    [query] = QUERY.credentials
    seen = dcql.Presented(
        "dc+sd-jwt", {"vct": VCT, "family_name": "B", "credit_points": {"value": 5}}, vct=VCT
    )
    [problem] = dcql.match_credential(query, seen).problems
    said = openid4vp_texts.message_in(problem, translator("lv"))
    assert said == "datu laukam credit_points/value nav nevienas no prasītajām vērtībām", said


def test_a_request_the_wallet_cannot_open_says_why_in_latvian(tmp_path):
    from microcred.services.instance import Instance
    from microcred.settings import Settings

    settings = Settings(
        home=tmp_path, database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", secret_key="t"
    )
    instance = Instance(settings)
    try:
        for link in ("mailto:someone@example.lv", "openid4vp://?client_id=x"):
            with pytest.raises(RespondError) as caught:
                open_request(instance, link)
            said = openid4vp_texts.message_in(str(caught.value), translator("lv"))
            assert said != str(caught.value) and "sait" in said, said
    finally:
        instance.close()


def test_an_unknown_sentence_is_kept():
    assert openid4vp_texts.message_in("something new", translator("lv")) == "something new"
