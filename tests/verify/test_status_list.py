"""Bitstring Status List v1.0 in full (issue 14, points 4 and 6): multi-bit entries with
their messages, the `message` purpose, list validity and ttl, the minimum length, the
spec's error cases as distinct codes, and lists signed by another issuer."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from microcred.formats.status_list import (
    MESSAGE_STATUS_SIZE,
    MIN_LIST_BITS,
    StatusListError,
    decode_list,
    get_value,
    message_entry,
    new_bitstring,
    set_value,
    status_list_credential,
)
from microcred.proofs.did import did_key_for, did_web_document
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services.issuing import issue_award, sign_credential
from microcred.verify import VerifierContext, verify_credential
from tests.verify.conftest import NOW, make_award

URL = "https://issuer.example/status/org/1/message"
INDEX = 4242


def _list(
    signer: Ed25519KeyPair,
    values: dict[int, int],
    *,
    issuer: str | None = None,
    purpose: str = "message",
    entries: int = MIN_LIST_BITS,
    size: int = MESSAGE_STATUS_SIZE,
    vm: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    bits = new_bitstring(entries, size)
    for index, value in values.items():
        set_value(bits, index, size, value)
    issuer = issuer or did_key_for(signer)
    unsigned = status_list_credential(
        URL,
        issuer=issuer,
        purpose=purpose,
        bitstring=bytes(bits),
        valid_from=extra.pop("valid_from", datetime(2026, 1, 1, tzinfo=UTC)),
        valid_until=extra.pop("valid_until", None),
        ttl=extra.pop("ttl", timedelta(minutes=5)),
    )
    unsigned.update(extra)
    method = vm or f"{did_key_for(signer)}#{signer.public_multibase}"
    return sign_credential(unsigned, signer, verification_method=method)


def _credential(key: Ed25519KeyPair, entry: dict[str, Any] | None = None) -> dict[str, Any]:
    return issue_award(make_award(), key, credential_status=entry or message_entry(URL, INDEX))


def _check(credential: dict[str, Any], documents: dict[str, Any], **kw: Any):
    report = verify_credential(credential, VerifierContext(now=NOW, documents=documents, **kw))
    return report, report.check("status")


def test_values_are_read_msb_first_and_never_spill_into_a_neighbour():
    bits = new_bitstring(8, 2)
    assert len(bits) == 2
    set_value(bits, 0, 2, 2)
    assert bits[0] == 0b1000_0000
    set_value(bits, 3, 2, 1)
    assert bits[0] == 0b1000_0001
    assert [get_value(bits, i, 2) for i in range(8)] == [2, 0, 0, 1, 0, 0, 0, 0]
    set_value(bits, 0, 2, 0)
    assert bits[0] == 0b0000_0001
    with pytest.raises(StatusListError):
        set_value(bits, 1, 2, 4)  # does not fit in two bits
    with pytest.raises(StatusListError, match="outside"):
        get_value(bits, 8, 2)


def test_the_entry_commits_to_every_message_of_its_two_bits():
    entry = message_entry(URL, 7, reference="https://issuer.example/status/messages")
    assert entry["statusSize"] == 2 and entry["statusPurpose"] == "message"
    assert [(m["status"], m["message"]) for m in entry["statusMessage"]] == [
        ("0x0", "valid"),
        ("0x1", "revoked"),
        ("0x2", "suspended"),
        ("0x3", "undefined"),
    ]
    assert entry["statusReference"] == "https://issuer.example/status/messages"
    assert entry["id"] != entry["statusListCredential"]  # the spec: not the list's URL


def test_message_list_valid_revoked_suspended_and_other(key):
    credential = _credential(key)
    for values, status, code in (
        ({}, "valid", "status.ok"),
        ({INDEX: 1}, "revoked", "status.revoked"),
        ({INDEX: 2}, "suspended", "status.suspended"),
        ({INDEX + 1: 1, INDEX - 1: 2}, "valid", "status.ok"),  # the neighbours' bits
    ):
        report, check = _check(credential, {URL: _list(key, values)})
        assert (report.status, check.code) == (status, code), report.to_json()
    report, check = _check(credential, {URL: _list(key, {INDEX: 3})})
    assert check.code == "status.other" and "0x3 (undefined)" in check.message


def test_the_list_is_long_enough_for_herd_privacy_at_two_bits_per_entry(key):
    bits = decode_list(_list(key, {})["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == MIN_LIST_BITS * MESSAGE_STATUS_SIZE  # 131,072 entries of 2 bits
    # a list of 131,072 bits holds only 65,536 two-bit entries: STATUS_LIST_LENGTH_ERROR
    short = _list(key, {}, entries=MIN_LIST_BITS // 2)
    report, check = _check(_credential(key), {URL: short})
    assert (check.status, check.code, report.status) == ("warn", "status.list_length", "unchecked")
    # a withdrawal its issuer signed is still certain in a list that is too short
    report, _ = _check(_credential(key), {URL: _list(key, {INDEX: 1}, entries=MIN_LIST_BITS // 2)})
    assert report.status == "revoked"
    # an ecosystem with another lower bound (the spec allows one) sets it on the verifier
    report, _ = _check(_credential(key), {URL: short}, min_status_entries=MIN_LIST_BITS // 2)
    assert report.status == "valid"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"statusSize": 0}, "statusSize"),
        ({"statusSize": "2"}, "statusSize"),
        ({"statusSize": True}, "statusSize"),
        ({"statusMessage": None}, "statusMessage"),
        ({"statusMessage": [{"status": "0x0", "message": "valid"}]}, "needs 4"),
        (
            {"statusMessage": [{"status": "0x0", "message": "m"}] * 4},
            "once",
        ),  # the same value four times
        (
            {"statusMessage": [{"status": hex(i), "message": 7} for i in range(4)]},
            "message",
        ),
        (
            {"statusMessage": [{"status": f"{i}", "message": "m"} for i in range(4)]},
            "0x",
        ),
        ({"statusReference": "not a url"}, "statusReference"),
        ({"statusReference": []}, "statusReference"),
        ({"statusListIndex": 7}, "statusListIndex"),
        ({"statusListIndex": "-1"}, "statusListIndex"),
        ({"statusListCredential": 5}, "statusListCredential"),
        ({"statusPurpose": ""}, "statusPurpose"),
    ],
)
def test_a_malformed_entry_is_a_malformed_value_error(key, change, needle):
    credential = _credential(key)
    entry = {**credential["credentialStatus"], **change}
    if change.get("statusMessage", 0) is None:
        del entry["statusMessage"]
    credential["credentialStatus"] = entry  # after signing: some could not be signed at all
    report, check = _check(credential, {URL: _list(key, {})})
    assert (check.status, check.code) == ("fail", "status.malformed"), report.to_json()
    assert needle in check.message and not report.valid


def test_a_one_bit_message_entry_needs_no_messages(key):
    entry = {**message_entry(URL, INDEX)}
    del entry["statusSize"], entry["statusMessage"]
    one_bit = _list(key, {INDEX: 1}, size=1)
    _, check = _check(_credential(key, entry), {URL: one_bit})
    assert check.code == "status.other" and "(set)" in check.message


def test_the_lists_own_errors_each_have_a_code_and_leave_it_unchecked(key):
    credential = _credential(key)
    good = _list(key, {})
    wrong_type = copy.deepcopy(good)
    wrong_type["type"] = ["VerifiableCredential"]
    cases = {
        "status.unavailable": {},
        "status.not_a_list": {URL: wrong_type},
        "status.purpose": {URL: _list(key, {}, purpose="revocation")},
        "status.stale": {URL: _list(key, {}, valid_until=NOW - timedelta(hours=1))},
        "status.not_yet_valid": {URL: _list(key, {}, valid_from=NOW + timedelta(days=1))},
        "status.range": {URL: _list(key, {}, entries=MIN_LIST_BITS)},
    }
    far = _credential(key, message_entry(URL, MIN_LIST_BITS + 5))
    for code, documents in cases.items():
        subject = far if code == "status.range" else credential
        report, check = _check(subject, documents)
        assert (check.code, check.status) == (code, "warn"), report.to_json()
        assert (report.valid, report.status) == (False, "unchecked"), code
    assert _check(credential, {})[1].document == URL
    bad_ttl = _list(key, {})
    bad_ttl["credentialSubject"]["ttl"] = "soon"  # proof now broken too; the ttl is seen first
    assert _check(credential, {URL: bad_ttl})[1].code == "status.list_malformed"


def test_a_list_with_several_purposes_serves_each(key):
    both = _list(key, {INDEX: 1}, purpose="message")
    unsigned = {k: v for k, v in both.items() if k != "proof"}
    unsigned["credentialSubject"] = {
        **unsigned["credentialSubject"],
        "statusPurpose": ["revocation", "message"],
    }
    signed = sign_credential(
        unsigned, key, verification_method=f"{did_key_for(key)}#{key.public_multibase}"
    )
    assert _check(_credential(key), {URL: signed})[0].status == "revoked"


def test_a_list_signed_by_another_issuer_is_checked_with_that_issuers_key(key):
    """Bitstring Status List v1.0 §2.2: the list's issuer MAY differ from the credential's.
    Its proof is verified with a key its own issuer controls, resolved like any issuer's."""
    registrar = Ed25519KeyPair.generate()
    did = "did:web:registry.example"
    document = did_web_document(did, [("key-1", registrar)])
    listed = _list(registrar, {INDEX: 2}, issuer=did, vm=f"{did}#key-1")
    credential = _credential(key)
    report, check = _check(credential, {URL: listed, did: document})
    assert report.status == "suspended" and did in check.message, report.to_json()
    report, check = _check(
        credential, {URL: _list(registrar, {}, issuer=did, vm=f"{did}#key-1"), did: document}
    )
    assert check.code == "status.ok" and f"signed by {did}" in check.message
    # its issuer's document not available offline: could not check, and which one is named
    report, check = _check(credential, {URL: listed})
    assert check.code == "status.list_key_unavailable", report.to_json()
    assert check.document.endswith("registry.example/.well-known/did.json")
    assert report.status == "unchecked"
    # a list that names one issuer and is signed by another's key says nothing
    forged = _list(registrar, {}, issuer=did_key_for(key))
    report, check = _check(credential, {URL: forged})
    assert check.code == "status.list_signer" and report.status == "unchecked"


def test_a_tampered_list_is_not_believed_either_way(key):
    credential = _credential(key)
    listed = _list(key, {INDEX: 1})
    cleared = copy.deepcopy(listed)
    cleared["credentialSubject"]["encodedList"] = _list(key, {})["credentialSubject"]["encodedList"]
    report, check = _check(credential, {URL: cleared})
    assert (check.code, report.status) == ("status.list_proof", "unchecked")


def test_the_verifiers_fetch_cache_keeps_a_list_no_longer_than_its_ttl():
    from microcred.verify.http_fetch import AllowListedFetcher
    from tests.verify.test_http_fetch import _client

    seen: list[str] = []
    now = [1_000_000.0]
    url = "https://issuer.example/status/org/1/message"
    routes = {url: {"credentialSubject": {"ttl": 60_000}}}  # one minute, in milliseconds
    fetch = AllowListedFetcher(
        ["issuer.example"], network=_client(routes, seen), clock=lambda: now[0]
    )
    fetch(url)
    now[0] += 59
    fetch(url)
    assert len(seen) == 1  # within its ttl: from the cache
    now[0] += 2
    fetch(url)
    assert len(seen) == 2  # past its ttl (though the 5-minute default had not passed)
