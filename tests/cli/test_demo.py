from __future__ import annotations

import json

from typer.testing import CliRunner

from microcred.cli.main import app


def test_demo_json_summary(tmp_path):
    result = CliRunner().invoke(
        app, ["demo", "--home", str(tmp_path / "d"), "--no-serve", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["specs_valid"] == len(summary["specs"]) >= 4
    assert summary["verification"] == {"issued": "valid", "tampered": "invalid"}
    assert (tmp_path / "d" / "credentials" / "anna-berzina.json").is_file()
    issuer = summary["issuer"]
    assert (issuer["specs_published"], issuer["issued"], issuer["errors"], issuer["revoked"]) == (
        4,
        50,
        0,
        1,
    )
    assert issuer["verification"] == {"valid": "valid", "revoked": "revoked"}
    token_status = summary["token_status_list"]  # the revoked one, as an SD-JWT VC
    assert (token_status["status"], token_status["sd_jwt_vc"]) == (1, "revoked")
    assert len(list((tmp_path / "d" / "issued").glob("*.json"))) == 51  # 50 credentials + summary
    assert "_issued_ids" not in summary
    assert summary["wallet"]["statuses"] == ["valid", "valid", "invalid"]
    assert summary["wallet"]["share_url"].startswith("http://localhost:8000/s/")
    assert summary["public_page"]["url"].startswith("http://localhost:8000/p/")
    received = summary["openid4vci_receive"]
    assert received["offer"].startswith("openid-credential-offer://?credential_offer_uri=")
    assert received["tx_code"] and received["received"][0]["kind"] == "sd-jwt-vc"
    assert received["received"][0]["status"] == "valid"
    stacking = summary["stacking"]
    assert stacking["evaluation"]["satisfied"] is True
    assert stacking["stacked_credential"]["verification_status"] == "valid"


def test_demo_refuses_to_wipe_a_folder_that_is_not_a_demo_home(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    result = CliRunner().invoke(app, ["demo", "--home", str(tmp_path), "--no-serve", "--json"])
    assert result.exit_code == 2 and (tmp_path / "precious.txt").exists()
