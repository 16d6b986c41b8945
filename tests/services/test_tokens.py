"""API tokens: the secret is shown once and stored only as its SHA-256; scopes; revocation."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from microcred.services import audit, tokens
from microcred.services.organisations import NotFound
from microcred.services.tokens import TokenError
from microcred.store.db import transaction
from microcred.store.tables import ApiToken


def test_create_stores_only_the_hash(instance, org):
    view, secret = tokens.create(instance, org.slug, "ci", ["read", "issue", "read"])
    assert secret.startswith("mc_") and len(secret) >= 43
    assert view.scopes == ("issue", "read") and view.org == org.slug
    assert secret not in json.dumps(view.to_json())
    with transaction(instance.sessions) as session:
        row = session.scalar(select(ApiToken))
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in json.dumps([row.name, row.scopes, row.token_hash])
    other_view, other_secret = tokens.create(instance, org.slug, "ci", ["read"])
    assert other_secret != secret and other_view.id != view.id


def test_authenticate_and_last_used(instance, org):
    _, secret = tokens.create(instance, org.id, "ci", ["issue"])
    assert tokens.authenticate(instance, secret) == (org.id, ("issue",))
    principal = tokens.identify(instance, secret)
    assert principal.org_slug == org.slug and principal.actor == "token:ci"
    assert tokens.list_for(instance, org.slug)[0].last_used_at is not None
    for bad in ("", "mc_", secret + "x", secret[:-1], "Bearer " + secret, "x" * 10_000, "mc_\x00"):
        assert tokens.authenticate(instance, bad) is None


def test_revoke_and_audit(instance, org):
    view, secret = tokens.create(instance, org.slug, "ci", ["admin"], actor="cli")
    revoked = tokens.revoke(instance, org.slug, view.id, actor="token:boss")
    assert revoked.revoked_at is not None
    assert tokens.authenticate(instance, secret) is None
    assert tokens.revoke(instance, org.slug, view.id).revoked_at == revoked.revoked_at
    actions = [(e.action, e.actor) for e in audit.entries(instance, org.id)]
    assert actions[:2] == [("token.revoke", "token:boss"), ("token.create", "cli")]


def test_errors(instance, org):
    with pytest.raises(TokenError) as info:
        tokens.create(instance, org.slug, "x", ["root"])
    assert info.value.field == "scopes"
    with pytest.raises(TokenError):
        tokens.create(instance, org.slug, "x", [])
    with pytest.raises(TokenError) as info:
        tokens.create(instance, org.slug, "  ", ["read"])
    assert info.value.field == "name"
    with pytest.raises(NotFound):
        tokens.create(instance, "no-such-org", "x", ["read"])
    with pytest.raises(NotFound):
        tokens.revoke(instance, org.slug, "no-such-token")


def test_a_token_of_one_org_cannot_be_revoked_through_another(instance, org):
    from microcred.services import organisations

    other = organisations.create(instance, name="Other", country="EE")
    view, secret = tokens.create(instance, org.slug, "ci", ["read"])
    with pytest.raises(NotFound):
        tokens.revoke(instance, other.slug, view.id)
    assert tokens.authenticate(instance, secret) is not None
    assert tokens.list_for(instance, other.slug) == []
