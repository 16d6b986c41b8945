"""The credential's own credentialSchema (VC DM 2.0 §4.11): checked offline when bundled."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from microcred.verify import VerifierContext, verify_credential
from microcred.verify.credential_schema import credential_schema_findings, known_schema

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "vectors"
DIDKEY = SHARED / "foreign" / "dcc-vc-test-fixtures" / "verifiableCredentials" / "v2"
WITH_SCHEMA = (
    DIDKEY / "dataIntegrityProof" / "didKey" / "legacyRegistry-noStatus-notExpired-withSchema.json"
)
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
NOW = datetime(2026, 2, 1, tzinfo=UTC)


def _credential() -> dict[str, Any]:
    credential: dict[str, Any] = json.loads(WITH_SCHEMA.read_bytes())
    return credential


def test_bundled_schemas_are_the_1edtech_bytes() -> None:
    bundled = ROOT / "src" / "microcred" / "data" / "schemas"
    for name, source in [
        ("ob_v3p0_achievementcredential_schema.json", "achievementcredential.json"),
        ("ob_v3p0_endorsementcredential_schema.json", "endorsementcredential.json"),
    ]:
        ours = hashlib.sha256((bundled / name).read_bytes()).hexdigest()
        assert (
            ours == hashlib.sha256((SHARED / "schemas" / "ob3" / source).read_bytes()).hexdigest()
        )
    # published URL and the file's own $id name the same schema
    published = known_schema(OB3 + "ob_v3p0_achievementcredential_schema.json")
    assert published is not None
    assert known_schema(published["$id"]) == published


def test_a_credential_that_follows_its_schema_passes() -> None:
    credential = _credential()
    found = credential_schema_findings(credential)
    assert found.errors == [] and found.unchecked == []
    assert found.passed == [OB3 + "ob_v3p0_achievementcredential_schema.json"]
    report = verify_credential(WITH_SCHEMA.read_bytes(), VerifierContext(now=NOW))
    schema = next(c for c in report.checks if c.id == "schema")
    assert (schema.status, schema.code) == ("pass", "schema.ok")
    assert report.status == "valid"


def test_a_credential_that_fails_its_schema_is_invalid() -> None:
    credential = _credential()
    # the OB 3.0 AchievementCredential schema wants an AchievementSubject; the VC data model
    # does not mind
    credential["credentialSubject"]["type"] = ["Profile"]
    found = credential_schema_findings(credential)
    assert len(found.errors) == 1 and "at credentialSubject.type" in found.errors[0]
    report = verify_credential(json.dumps(credential), VerifierContext(now=NOW))
    schema = next(c for c in report.checks if c.id == "schema")
    assert (schema.status, schema.code) == ("fail", "schema.credential_schema")
    assert report.status == "invalid" and report.valid is False


def test_a_schema_not_held_offline_is_not_checked_not_invalid() -> None:
    credential = _credential()
    credential["credentialSchema"] = [
        {"id": "https://example.org/schemas/other.json", "type": "JsonSchema"}
    ]
    found = credential_schema_findings(credential)
    assert found.errors == [] and found.passed == []
    assert found.unchecked == ["https://example.org/schemas/other.json (not available offline)"]
    report = verify_credential(json.dumps(credential), VerifierContext(now=NOW))
    schema = next(c for c in report.checks if c.id == "schema")
    assert (schema.status, schema.code) == ("warn", "schema.credential_schema_unchecked")
    assert "not checked" in schema.message


def test_a_malformed_entry_is_named() -> None:
    found = credential_schema_findings({"credentialSchema": "https://example.org/s.json"})
    assert found.errors and "credentialSchema entries must be objects" in found.errors[0]


def test_an_ob3_credential_on_vc2_without_valid_from_is_invalid() -> None:
    # the DCC set's badSchema credential: VC 2.0 + OB 3.0.3 contexts, VC 1.1 issuanceDate only
    bad = DIDKEY / "dataIntegrityProof" / "didKey" / "twoOIDF-revoked-notExpired-badSchema.json"
    assert "credentialSchema" not in json.loads(bad.read_bytes())
    report = verify_credential(bad.read_bytes(), VerifierContext(now=NOW))
    schema = next(c for c in report.checks if c.id == "schema")
    assert (schema.status, schema.code) == ("fail", "schema.invalid")
    assert "validFrom is required" in schema.message
    # with the date the same credential follows the data model (its proof then fails)
    credential = json.loads(bad.read_bytes())
    credential["validFrom"] = credential.pop("issuanceDate")
    report = verify_credential(json.dumps(credential), VerifierContext(now=NOW))
    assert next(c for c in report.checks if c.id == "schema").status != "fail"
