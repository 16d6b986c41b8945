from __future__ import annotations

import json
import threading
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler

import pytest
from sqlalchemy import func, select

from microcred.services import credentials, holders, privacy, sharing, wallet
from microcred.services.credentials import IssueRequest
from microcred.services.holders import HolderError
from microcred.services.sharing import ShareNotFound
from microcred.settings import Settings
from microcred.store.db import transaction
from microcred.store.tables import Holder, HolderToken, IssuedCredential, Share, WalletCredential
from tests.services.conftest import make_instance

SHARED = __import__("pathlib").Path(__file__).resolve().parents[2].parent / "shared"


def issue(instance, org, spec, n, **extra):
    return credentials.issue(
        instance,
        org.slug,
        spec.id,
        IssueRequest(f"Learner {n}", f"learner{n}@example.lv", f"2026-06-{10 + n:02d}", **extra),
    )


@pytest.fixture()
def holder(instance):
    return holders.create(
        instance,
        name="Anna Bērziņa",
        handle="anna",
        email="anna@example.lv",
        password="correct horse battery",
    )


def raw(view) -> bytes:
    document = view.credential()
    return (document if isinstance(document, str) else json.dumps(document)).encode()


def test_import_verify_dedupe_and_portfolio(instance, org, spec, holder):
    first = issue(instance, org, spec, 1, grade="9")
    item, created = wallet.import_bytes(instance, holder.handle, raw(first))
    assert created and item.status == "valid" and item.title == "Data analysis with Python"
    assert item.issuer_name == org.name and item.ects == "5" and item.eqf_level == 6
    assert item.report["checks"][3] == {
        "id": "proof",
        "status": "pass",
        "code": "proof.ok",
        "message": item.report["checks"][3]["message"],
    }
    again, created = wallet.import_bytes(
        instance, holder.handle, json.dumps(json.loads(raw(first)), indent=4).encode()
    )
    assert not created and again.id == item.id  # the same credential is stored once
    jwt = credentials.issue(
        instance,
        org.slug,
        spec.id,
        IssueRequest("Anna", "anna@example.lv", "2026-07-01"),
        fmt="jwt",
    )
    jwt_item, _ = wallet.import_bytes(instance, holder.handle, raw(jwt), source="paste")
    assert jwt_item.kind == "vc-jwt" and jwt_item.status == "valid" and jwt_item.source == "paste"
    items = wallet.list_items(instance, holder.handle)
    # two credentials of the same course: both valid, its 5 ECTS counted once
    assert wallet.totals(items)["ects"] == 5.0 and wallet.totals(items)["valid"] == 2
    assert [p["ects_total"] for p in wallet.timeline(items)] == [5.0, 5.0]
    assert wallet.list_items(instance, holder.handle, eqf_level=7) == []
    assert len(wallet.list_items(instance, holder.handle, issuer="koledža")) == 2
    assert len(wallet.list_items(instance, holder.handle, skill="5fd5c985")) == 2


def test_invalid_and_foreign_credentials_are_kept_and_marked(instance, org, spec, holder):
    tampered = json.loads(raw(issue(instance, org, spec, 2)))
    tampered["credentialSubject"]["achievement"]["creditsAvailable"] = 60
    item, _ = wallet.import_bytes(instance, holder.handle, json.dumps(tampered).encode())
    assert item.status == "invalid"
    vector = (
        SHARED / "vectors" / "ob3" / "1edtech-ob3-basic-openbadgecredential.json"
    ).read_bytes()
    foreign, _ = wallet.import_bytes(instance, holder.handle, vector)
    assert foreign.status == "invalid" and "workload" in foreign.missing
    assert wallet.totals(wallet.list_items(instance, holder.handle))["ects"] == 0
    for junk in (b"hello", b"{}", b'{"a": 1}', b"[1]", b"\x89PNG\r\n\x1a\nnot really"):
        with pytest.raises(HolderError):
            wallet.import_bytes(instance, holder.handle, junk)


def test_revocation_changes_the_mark_on_reverification(instance, org, spec, holder):
    issued = issue(instance, org, spec, 3)
    item, _ = wallet.import_bytes(instance, holder.handle, raw(issued))
    credentials.revoke(instance, issued.id, reason="error")
    changes = wallet.reverify(instance, holder.handle)
    assert changes == [{"id": item.id, "before": "valid", "after": "revoked"}]
    assert wallet.reverify_everyone(instance) == 0  # no further change


def test_url_import_from_allow_listed_host_only(
    tmp_path, database_url, org, spec, instance, holder
):
    issued = issue(instance, org, spec, 4)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "cred.json").write_bytes(raw(issued))
    server = HTTPServer(
        ("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/cred.json"
    try:
        with pytest.raises(HolderError, match="not allowed or did not answer"):
            wallet.fetch_url(instance, url)
        allowed = make_instance(tmp_path / "b", database_url)
        object.__setattr__(
            allowed,
            "settings",
            Settings(
                **{
                    **allowed.settings.__dict__,
                    # a local server: host:port named and private addresses allowed explicitly
                    "allowed_hosts": (f"http://127.0.0.1:{server.server_port}",),
                    "outbound_allow_private": True,
                }
            ),
        )
        item, created = wallet.import_bytes(
            allowed, holder.handle, wallet.fetch_url(allowed, url), source="url"
        )
        assert created and item.status == "valid" and item.source == "url"
        with pytest.raises(HolderError, match="HTTP 404"):
            wallet.fetch_url(allowed, url + ".missing")
        with pytest.raises(HolderError, match="not allowed or did not answer"):
            wallet.fetch_url(allowed, "ftp://127.0.0.1/x")
    finally:
        server.shutdown()


def test_share_links_are_unguessable_expiring_revocable_and_counted(instance, org, spec, holder):
    items = [
        wallet.import_bytes(instance, holder.handle, raw(issue(instance, org, spec, n)))[0]
        for n in (5, 6, 7)
    ]
    share = sharing.create_share(
        instance, holder.handle, [items[0].id, items[1].id], expires_in_days=7
    )
    token = share.url.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits, base64url
    with transaction(instance.sessions) as session:
        stored = session.scalar(select(Share))
        assert token not in json.dumps(stored.credential_ids) and stored.token_hash != token
    name, shown, view = sharing.open_share(instance, token)
    assert name == "Anna Bērziņa" and [s.report["status"] for s in shown] == ["valid", "valid"]
    assert view.view_count == 1
    credentials.revoke(instance, json.loads(items[0].original)["id"], reason="error")
    _, shown, view = sharing.open_share(instance, token)
    assert [s.report["status"] for s in shown] == ["revoked", "valid"] and view.view_count == 2
    sharing.revoke_share(instance, holder.handle, share.id)
    with pytest.raises(ShareNotFound):
        sharing.open_share(instance, token)
    with pytest.raises(ShareNotFound):
        sharing.open_share(instance, "x" * 43)
    other = holders.create(instance, name="Other")
    with pytest.raises(HolderError):
        sharing.create_share(instance, other.handle, [items[2].id])
    with pytest.raises(HolderError):
        sharing.create_share(instance, holder.handle, [items[2].id], expires_in_days=1000)


def test_another_holder_sees_nothing(instance, org, spec, holder):
    item, _ = wallet.import_bytes(instance, holder.handle, raw(issue(instance, org, spec, 8)))
    other = holders.create(instance, name="Mallory")
    assert wallet.list_items(instance, other.handle) == []
    for call in (
        lambda: wallet.get_item(instance, other.handle, item.id),
        lambda: wallet.delete_item(instance, other.handle, item.id),
        lambda: sharing.present(instance, other.handle, [item.id], challenge="c", domain="d"),
    ):
        with pytest.raises(HolderError):
            call()


def test_bundle_of_50_reimports_into_a_fresh_instance_with_identical_reports(
    tmp_path, database_url, instance, org, spec, holder
):
    from microcred.services.bulk_jobs import run_csv

    csv_path = tmp_path / "fifty.csv"
    csv_path.write_text(
        "learner_name,learner_id,issued_on\n"
        + "".join(f"L{i},l{i}@example.lv,2026-06-30\n" for i in range(50))
    )
    run_csv(instance, org.slug, spec.id, csv_path, tmp_path / "out", workers=1)
    for path in sorted((tmp_path / "out").glob("l*.json")):
        wallet.import_bytes(instance, holder.handle, path.read_bytes())
    bundle = json.loads(json.dumps(wallet.export_bundle(instance, holder.handle)))
    assert len(bundle["credentials"]) == 50
    fresh = make_instance(tmp_path / "fresh", f"sqlite:///{tmp_path / 'fresh.db'}")
    holders.create(fresh, name="Anna", handle="anna")
    assert wallet.import_bundle(fresh, "anna", bundle) == {"added": 50, "already_there": 0}
    assert wallet.import_bundle(fresh, "anna", bundle) == {"added": 0, "already_there": 50}
    before = {
        i.credential_id: (i.report, i.status, i.original)
        for i in wallet.list_items(instance, holder.handle)
    }
    after = {
        i.credential_id: (i.report, i.status, i.original) for i in wallet.list_items(fresh, "anna")
    }
    assert before == after
    with pytest.raises(HolderError):
        wallet.import_bundle(fresh, "anna", {"format": "something else"})
    fresh.close()


def test_personal_data_and_account_deletion(instance, org, spec, holder):
    item, _ = wallet.import_bytes(instance, holder.handle, raw(issue(instance, org, spec, 9)))
    sharing.create_share(instance, holder.handle, [item.id])
    holders.create_token(instance, holder.handle)
    data = privacy.personal_data(instance, holder.handle)
    assert (
        data["holder"]["email"] == "anna@example.lv"
        and len(data["credentials"]) == 1
        and len(data["shares"]) == 1
    )
    text = json.dumps(data)
    assert "password" not in text and "encrypted" not in text.lower() and "token_hash" not in text
    assert privacy.delete_holder(instance, holder.handle) == {
        "credentials": 1,
        "shares": 1,
        "tokens": 1,
    }
    with transaction(instance.sessions) as session:
        for table in (Holder, WalletCredential, Share, HolderToken):
            assert session.scalar(select(func.count()).select_from(table)) == 0, table
        assert (
            session.scalar(select(func.count()).select_from(IssuedCredential)) == 1
        )  # the issuer's record stays


def test_passwords_and_tokens(instance, holder):
    assert holders.authenticate_password(instance, "anna", "correct horse battery").handle == "anna"
    assert holders.authenticate_password(instance, "anna", "wrong password!") is None
    assert holders.authenticate_password(instance, "nobody", "correct horse battery") is None
    with transaction(instance.sessions) as session:
        assert session.scalar(select(Holder.password_hash)).startswith("$argon2")
    token_id, secret = holders.create_token(instance, "anna")
    assert holders.authenticate_token(instance, secret).handle == "anna"
    holders.revoke_token(instance, "anna", token_id)
    assert holders.authenticate_token(instance, secret) is None
    with pytest.raises(HolderError):
        holders.create(instance, name="X", password="short")


def test_baked_badges_and_open_badges_2_import(instance, org, spec, holder, tmp_path):
    import zlib

    from microcred.formats.baked import bake_png, bake_svg

    def tiny_png() -> bytes:
        def chunk(kind: bytes, data: bytes) -> bytes:
            return (
                len(data).to_bytes(4, "big")
                + kind
                + data
                + zlib.crc32(kind + data).to_bytes(4, "big")
            )

        header = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
            + chunk(b"IEND", b"")
        )

    credential = json.loads(raw(issue(instance, org, spec, 11)))
    png_item, _ = wallet.import_bytes(
        instance, holder.handle, bake_png(tiny_png(), credential), filename="badge.png"
    )
    assert png_item.status == "valid" and png_item.source == "png"
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    jwt = credentials.issue(
        instance, org.slug, spec.id, IssueRequest("B", "b@example.lv", "2026-06-30"), fmt="jwt"
    ).credential()
    svg_item, _ = wallet.import_bytes(
        instance, holder.handle, bake_svg(svg, jwt).encode(), filename="badge.svg"
    )
    assert svg_item.status == "valid" and svg_item.kind == "vc-jwt"
    ob2 = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://badges.example.org/a/1",
        "recipient": {"type": "email", "identity": "anna@example.lv", "hashed": False},
        "issuedOn": "2026-05-01T00:00:00Z",
        "verification": {"type": "hosted"},
        "badge": {
            "type": "BadgeClass",
            "id": "https://badges.example.org/b/1",
            "name": "Teamwork",
            "description": "Works in teams",
            "criteria": {"narrative": "Peer nominated"},
            "issuer": {
                "type": "Profile",
                "id": "https://badges.example.org/i",
                "name": "Example Org",
            },
        },
    }
    ob2_item, _ = wallet.import_bytes(instance, holder.handle, json.dumps(ob2).encode())
    assert ob2_item.kind == "ob2-hosted" and ob2_item.title == "Teamwork"
    assert ob2_item.status == "invalid"  # its hosted copy cannot be fetched: kept, and marked
    assert "workload" in ob2_item.missing
    assert any(
        c["id"] == "proof" and c["status"] == "fail" and "not served" in c["message"]
        for c in ob2_item.report["checks"]
    )


def test_every_edc_sample_imports_into_the_wallet(instance, holder):
    edc = SHARED / "vectors" / "edc"
    results = {}
    for path in sorted(edc.iterdir()):
        item, created = wallet.import_bytes(
            instance, holder.handle, path.read_bytes(), filename=path.name
        )
        assert created, path.name
        results[path.name] = item
    annex = results["elm3-sample-mc-annex1-unsigned.jsonld"]
    assert annex.kind == "vc-jsonld" and annex.title and annex.issuer_country == "IE"
    assert annex.missing == ["quality_assurance"] and annex.ects == "2"
    sealed = results["elm3-sample-mc-annex1-signed-jades.jsonld"]
    assert sealed.kind == "elm-sealed"
    proof = next(c for c in sealed.report["checks"] if c["id"] == "proof")
    assert proof["status"] == "pass" and "ORGANIZACION TEST" in proof["message"]
