"""Members: invitations, sign-in, roles, disabling, password resets (services/members,
services/password_resets); the links are single use, expire, and only their hash is kept."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from microcred.clock import FixedClock
from microcred.services import audit, members, password_resets, throttle
from microcred.services.members import LinkInvalid, MemberConflict, MemberInvalid
from microcred.services.throttle import Throttled
from microcred.store.db import transaction
from microcred.store.tables import MemberInvitation, OrgMember

PASSWORD = "a long enough password"


def _member(instance, org, email="Ieva@Example.LV", role="issuer"):
    _, secret = members.invite(instance, org.slug, email, role, actor="cli")
    return members.accept(instance, secret, PASSWORD, name="Ieva Kalniņa"), secret


def test_invitation_stores_only_the_hash_and_works_once(instance, org):
    view, secret = members.invite(instance, org.slug, "  Ieva@Example.LV ", "issuer")
    assert view.email == "ieva@example.lv" and view.pending and not view.active
    assert len(secret) >= 40
    with transaction(instance.sessions) as session:
        row = session.scalar(select(MemberInvitation))
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert session.scalar(select(OrgMember)).password_hash is None
    assert members.invitation(instance, secret).email == "ieva@example.lv"
    accepted = members.accept(instance, secret, PASSWORD, name="Ieva")
    assert accepted.active and accepted.scopes == ("issue", "read")
    with pytest.raises(LinkInvalid):
        members.accept(instance, secret, "another password 123")
    with pytest.raises(LinkInvalid):
        members.invitation(instance, secret)
    with pytest.raises(MemberConflict):  # already a member
        members.invite(instance, org.slug, "ieva@example.lv", "viewer")
    actions = [e.action for e in audit.entries(instance, org.id)]
    assert "member.invite" in actions and "member.accept" in actions


def test_expired_invitation_is_refused(instance, org):
    _, secret = members.invite(instance, org.slug, "late@example.lv", "viewer")
    later = instance.now() + timedelta(days=members.INVITATION_DAYS, seconds=1)
    instance.clock = FixedClock(later)
    with pytest.raises(LinkInvalid):
        members.invitation(instance, secret)
    with pytest.raises(LinkInvalid):
        members.accept(instance, secret, PASSWORD)
    assert members.sign_in(instance, "late@example.lv", PASSWORD, "10.0.0.1") is None


def test_a_second_invitation_replaces_the_first(instance, org):
    _, first = members.invite(instance, org.slug, "twice@example.lv", "viewer")
    _, second = members.invite(instance, org.slug, "twice@example.lv", "revoker")
    with pytest.raises(LinkInvalid):
        members.invitation(instance, first)
    assert members.accept(instance, second, PASSWORD).role == "revoker"


def test_bad_input(instance, org):
    with pytest.raises(MemberInvalid) as info:
        members.invite(instance, org.slug, "not an address", "issuer")
    assert info.value.field == "email"
    with pytest.raises(MemberInvalid) as info:
        members.invite(instance, org.slug, "a@example.lv", "root")
    assert info.value.field == "role" and "administrator" in str(info.value)
    _, secret = members.invite(instance, org.slug, "short@example.lv", "viewer")
    with pytest.raises(MemberInvalid) as info:
        members.accept(instance, secret, "short")
    assert info.value.field == "password"
    assert members.invitation(instance, secret)  # still usable after a refused password
    for bad in ("", "x" * 10, "x" * 1000, "\x00" * 30):
        with pytest.raises(LinkInvalid):
            members.invitation(instance, bad)


def test_sign_in_right_and_wrong(instance, org):
    _member(instance, org)
    found = members.sign_in(instance, "IEVA@example.lv ", PASSWORD, "10.0.0.1")
    assert found is not None and found.org_id == org.id and found.role == "issuer"
    assert members.sign_in(instance, "ieva@example.lv", "wrong password!", "10.0.0.1") is None
    assert members.sign_in(instance, "nobody@example.lv", PASSWORD, "10.0.0.1") is None
    assert members.sign_in(instance, "", "", "10.0.0.1") is None


def test_sign_in_is_throttled_per_account(instance, org):
    _member(instance, org)
    assert members.sign_in(instance, "ieva@example.lv", "wrong password!", "10.0.0.1") is None
    # nine more failures of this account (counted as the sign-in counts them; a password hash
    # each would take seconds), from other addresses: the account is blocked
    key = (throttle.ACCOUNT, "member:ieva@example.lv")
    for _ in range(throttle.ACCOUNT.limit - 1):
        throttle.failed(instance, [key])
    with pytest.raises(Throttled):  # even the right password, from another address
        members.sign_in(instance, "ieva@example.lv", PASSWORD, "10.9.9.9")


def test_roles_and_disabling(instance, org):
    admin, _ = _member(instance, org, "boss@example.lv", "administrator")
    issuer, _ = _member(instance, org, "ieva@example.lv", "issuer")
    changed = members.change_role(instance, org.slug, issuer.id, "viewer", actor="member:boss")
    assert changed.scopes == ("read",)
    with pytest.raises(MemberConflict):  # the last administrator stays
        members.change_role(instance, org.slug, admin.id, "viewer")
    with pytest.raises(MemberConflict):
        members.set_disabled(instance, org.slug, admin.id, True)
    members.set_disabled(instance, org.slug, issuer.id, True)
    assert members.active(instance, issuer.id) is None
    assert members.sign_in(instance, "ieva@example.lv", PASSWORD, "10.0.0.2") is None
    members.set_disabled(instance, org.slug, issuer.id, False)
    assert members.active(instance, issuer.id) is not None
    with pytest.raises(members.MemberNotFound):
        members.change_role(instance, org.slug, "no-such-member", "viewer")
    assert [m.email for m in members.list_for(instance, org.slug)] == [
        "boss@example.lv",
        "ieva@example.lv",
    ]


def test_every_role_maps_onto_token_scopes():
    from microcred.services import tokens

    for role, scopes in members.ROLES.items():
        assert tokens.check_scopes(scopes) == scopes, role
    assert not members.ROLES["viewer"].__contains__("issue")
    assert "issue" not in members.ROLES["revoker"]


def test_password_reset_is_single_use_and_expires(instance, org):
    person, _ = _member(instance, org)
    assert password_resets.request(instance, "nobody@example.lv") == []
    assert password_resets.request(instance, "not an address") == []
    [(view, secret)] = password_resets.request(instance, "ieva@example.lv")
    assert view.id == person.id
    assert password_resets.request(instance, "ieva@example.lv") == []  # one a minute
    password_resets.complete(instance, secret, "a brand new password")
    with pytest.raises(LinkInvalid):  # reused
        password_resets.complete(instance, secret, "yet another password")
    assert members.sign_in(instance, "ieva@example.lv", PASSWORD, "10.0.0.3") is None
    assert members.sign_in(instance, "ieva@example.lv", "a brand new password", "10.0.0.3")
    instance.clock = FixedClock(instance.now() + timedelta(minutes=5))
    [(_, late)] = password_resets.request(instance, "ieva@example.lv")
    instance.clock = FixedClock(instance.now() + timedelta(hours=password_resets.RESET_HOURS))
    with pytest.raises(LinkInvalid):
        password_resets.check(instance, late)
