"""``microcred offer``: one credential (the names outside checks use), every row of a bulk job
(``--job``, ``--out`` CSV), ``offer list`` and ``offer revoke``; bad input is one clear line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli.runner import cli_in

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    return cli_in(monkeypatch, tmp_path / "home", BASE_URL="https://issuer.example")


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_offers_of_a_credential_and_of_every_row_of_a_job(cli, tmp_path):
    slug = _json(cli("org", "create", "--name", "Offer College", "--country", "LV", "--json"))[
        "slug"
    ]
    spec = _json(cli("spec", "publish", SPEC, "--org", slug, "--json"))["id"]
    rows = tmp_path / "learners.csv"
    rows.write_text(
        "learner_name,learner_id,issued_on\n"
        "Anna Bērziņa,mailto:anna@example.lv,2026-06-30\n"
        "Bad Row,,2026-06-30\n",
        encoding="utf-8",
    )
    issued = cli("issue-bulk", "--org", slug, "--spec", spec, "--csv", rows,
                 "--out-dir", tmp_path / "out", "--json")  # fmt: skip
    assert issued.exit_code == 1, issued.output  # a row with errors
    run = json.loads(issued.stdout)
    out = tmp_path / "offers.csv"
    made = _json(cli("offer", "--org", slug, "--job", run["job_id"], "--pre-authorized",
                     "--tx-code", "--minutes", 60 * 24, "--out", out, "--json"))  # fmt: skip
    assert (made["offers"], made["without_offer"]) == (1, 1)
    first, second = made["rows"]
    assert first["line"] == 2 and first["learner_email"] == "anna@example.lv"
    assert len(first["tx_code"]) == 6 and first["offer_uri"].startswith("https://issuer.example/")
    assert second["line"] == 3 and "learner_id is empty" in second["problem"]
    table = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["credential_id"] for r in table] == [first["credential_id"], ""]
    assert table[0]["offer_link"] == first["offer_link"]
    plain = cli("offer", "--org", slug, "--job", run["job_id"], "--pre-authorized")
    assert plain.exit_code == 0 and "1 offer(s) made" in plain.stdout
    assert "line 3 (Bad Row)" in plain.stdout
    # one credential: the names outside checks use; revoked by its offer URI
    cid = first["credential_id"]
    one = _json(cli("offer", "--org", slug, "--credential", cid, "--pre-authorized", "--json"))
    assert set(one) == {"offer", "offer_uri", "tx_code", "expires_at"}
    assert one["tx_code"] is None and one["offer"].startswith("openid-credential-offer://")
    listed = _json(cli("offer", "list", "--org", slug, "--credential", cid, "--json"))
    assert len(listed) == 3 and {o["state"] for o in listed} == {"open"}
    revoked = _json(cli("offer", "revoke", one["offer_uri"], "--org", slug, "--json"))
    assert revoked["state"] == "revoked"
    by_id = _json(cli("offer", "revoke", listed[-1]["id"], "--org", slug, "--json"))
    assert by_id["state"] == "revoked" and by_id["id"] == listed[-1]["id"]
    listed = cli("offer", "list", "--org", slug, "--credential", cid)
    assert listed.stdout.count("revoked") == 2 and listed.stdout.count("open") == 1


def test_bad_input_is_one_clear_line(cli):
    slug = _json(cli("org", "create", "--name", "Cita koledža", "--country", "LV", "--json"))[
        "slug"
    ]
    for args, says in (
        (("offer", "--org", slug), "--credential"),
        (("offer", "--org", slug, "--credential", "x", "--job", "y"), "one of"),
        (("offer", "--credential", "x"), "--org"),
        (("offer", "--org", slug, "--credential", "x", "--out", "o.csv"), "--job"),
        (("offer", "--org", slug, "--credential", "x", "--minutes", "0"), "--minutes"),
        (("offer", "--org", slug, "--credential", "x", "--tx-code"), "pre-authorized"),
        (("offer", "--org", slug, "--credential", "nope"), "no credential"),
        (("offer", "--org", slug, "--job", "nope"), "no bulk job"),
        (("offer", "revoke", "nope", "--org", slug), "no offer"),
        (("offer", "--org", "no-such-org", "--job", "x"), "microcred org list"),
    ):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert says in result.output and "Traceback" not in result.output, (args, result.output)
