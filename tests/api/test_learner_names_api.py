"""POST /credentials with the learner's optional given_name / family_name."""

from __future__ import annotations

from microcred.formats.ob3_read import read_ob3


def test_given_and_family_name_fields(client, org, admin, published):
    base = f"/api/v1/orgs/{org.slug}/credentials"
    body = {
        "spec_id": published["id"],
        "learner_name": "Anna Bērziņa",
        "learner_id": "mailto:anna@example.lv",
        "given_name": "Anna",
        "family_name": "Bērziņa",
    }
    issued = client.post(base, json=body, headers=admin)
    assert issued.status_code == 201, issued.text
    learner = read_ob3(issued.json()["credential"]).data["learner"]
    assert (learner["given_name"], learner["family_name"]) == ("Anna", "Bērziņa")
    for field, value in (("given_name", "  "), ("family_name", "B" * 201)):
        bad = client.post(base, json=dict(body, **{field: value}), headers=admin)
        assert bad.status_code == 422, bad.text
        assert bad.json()["error"]["field"] == field, bad.text
