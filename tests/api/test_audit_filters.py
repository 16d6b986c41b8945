"""GET /api/v1/orgs/{org}/audit with the console's filters: action, actor, from, to, q; a bad
filter answers 400 or 422 naming the parameter."""

from __future__ import annotations

from microcred.services import credentials
from microcred.services.credentials import IssueRequest
from microcred.services.specifications import publish


def test_the_audit_route_filters_like_the_console(client, instance, org, admin, spec_data):
    spec = publish(instance, org.slug, spec_data)
    issued = [
        credentials.issue(
            instance,
            org.slug,
            spec.id,
            IssueRequest(f"Learner {n}", f"l{n}@example.lv", "2026-03-02"),
        )
        for n in range(3)
    ]
    credentials.revoke(
        instance, issued[1].id, reason="annulled", org_ref=org.slug, actor="web:desk"
    )
    base = f"/api/v1/orgs/{org.slug}/audit"
    every = client.get(base, headers=admin).json()
    assert len(every) == 7  # org, token, spec, 3 issued, revoked
    revoked = client.get(base, params={"action": "credential.revoke"}, headers=admin).json()
    assert [e["subject"] for e in revoked] == [issued[1].id]
    assert len(client.get(base, params={"actor": "desk"}, headers=admin).json()) == 1
    learner = client.get(base, params={"q": "learner 1"}, headers=admin).json()
    assert [e["action"] for e in learner] == ["credential.revoke", "credential.issue"]
    assert client.get(base, params={"to": "2000-01-01"}, headers=admin).json() == []
    assert len(client.get(base, params={"q": "analysis", "limit": 2}, headers=admin).json()) == 2
    for params, field, status in (
        ({"action": "nonsense"}, "action", 400),  # InvalidInput, as the API answers it
        ({"from": "31.12.2026"}, "from", 422),  # not a date: the parameter's validation
        ({"from": "2026-12-02", "to": "2026-12-01"}, "to", 400),
    ):
        answer = client.get(base, params=params, headers=admin)
        assert answer.status_code == status, answer.text
        assert answer.json()["error"]["field"] == field, answer.json()
