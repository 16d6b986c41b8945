"""Every credential of the Digital Credentials Consortium's test set gets the verdict its file
name says (issue 14, part B), offline.

The set is ``../shared/vectors/foreign/dcc-vc-test-fixtures`` (digitalcredentials/
vc-test-fixtures): its issuers' DID documents (``dids/``) and status lists (``statusLists/``)
are meant to be served at ``https://digitalcredentials.github.io/vc-test-fixtures/<path>``;
here they are handed to the verifier as documents under those addresses (the same mechanism
as ``microcred verify --resolve URL=FILE``), never fetched.

The expected verdict comes from the file name, ``[registry]-[status]-[expiry][-variant]``
(``listOfTestVCs.md``), read by the rules of the specifications:

- the registry part (legacy, oidf, fourRegistry, ...) names trust registries; this verifier
  does not consult them (an unknown issuer warns), so it does not change the verdict;
- status ``noStatus``: none; ``validStatus``: valid; ``revokedStatus`` (and the set's
  misspellings ``revokedStaus``, ``revoked``): revoked, when the status list is in the set;
- a status list that cannot be relied on (``expiredStatus``, ``notYetValidStatus``,
  ``missingTypeStatus``, ``tamperedStatus``), or that is not in the set at all (15 files
  point at digitalcredentials/verifier-core, which the set does not hold): ``unchecked``
  (Bitstring Status List v1.0 §3.2 STATUS_RETRIEVAL_ERROR / STATUS_VERIFICATION_ERROR: the
  revocation could not be checked, so the credential is not valid: issue 14, point 5);
- expiry ``expired``: expired; ``noExpiry`` / ``notExpired``: in force;
- variants ``tampered`` (a changed credential), ``notYetValid`` (``validFrom`` in 2099),
  ``badSchema`` and ``badDidWeb`` (an issuer whose DID document the set does not hold, so the
  key cannot be found): invalid; an empty file: invalid;
- several findings: the worst, in the order valid < unchecked < expired < revoked < invalid
  (a withdrawn credential is withdrawn whatever its dates; a finding for certain says more
  than "could not check").

``NOW`` is the set's snapshot date, so the verdicts do not drift with the clock.
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from microcred.verify import VerifierContext, verify_credential

ROOT = Path(__file__).resolve().parents[2]
DCC = ROOT.parent / "shared" / "vectors" / "foreign" / "dcc-vc-test-fixtures"
SERVED_AT = "https://digitalcredentials.github.io/vc-test-fixtures/"
# after the set's snapshot (vc-test-fixtures 0440d64c, 2026-01-23: its newest credential is
# valid from that afternoon), so the verdicts do not drift with the clock
NOW = datetime(2026, 2, 1, tzinfo=UTC)
MIN_LIST_ENTRIES = 131_072  # Bitstring Status List v1.0: 16 KB, for herd privacy
# File names that do not say what the file holds, with what it holds (asserted below)
MISNAMED = {
    # "noExpiry", but validUntil is 2010-01-02
    "v2/dataIntegrityProof/didKey/noRegistry-revokedStatus-noExpiry.json": "expired",
}

ORDER = ("valid", "unchecked", "expired", "revoked", "invalid")
UNRELIABLE_LIST = {"expiredStatus", "notYetValidStatus", "missingTypeStatus", "tamperedStatus"}
REVOKED = {"revokedStatus", "revokedStaus", "revoked"}
INVALID_VARIANTS = {"tampered", "notYetValid", "badSchema", "badDidWeb"}


def _credential_files() -> list[Path]:
    if not DCC.is_dir():
        pytest.fail("shared/vectors/foreign not present: the repository must sit beside shared/")
    return sorted((DCC / "verifiableCredentials").rglob("*.json"))


def _documents() -> dict[str, dict[str, Any]]:
    """The set's DID documents and status lists, under the addresses they are served at."""
    documents: dict[str, dict[str, Any]] = {}
    for folder in ("dids", "statusLists"):
        for path in sorted((DCC / folder).rglob("*")):
            if path.is_file() and path.suffix != ".md":
                url = SERVED_AT + path.relative_to(DCC).as_posix()
                documents[url] = json.loads(path.read_text(encoding="utf-8"))
    return documents


DOCUMENTS = _documents() if DCC.is_dir() else {}


def _status_list_in_set(credential: dict[str, Any]) -> bool:
    entries = credential.get("credentialStatus")
    entries = entries if isinstance(entries, list) else [entries]
    return all(isinstance(e, dict) and e.get("statusListCredential") in DOCUMENTS for e in entries)


def _name(path: Path) -> str:
    return path.relative_to(DCC / "verifiableCredentials").as_posix()


def _entries(list_credential: dict[str, Any]) -> int:
    """How many entries a list holds (multibase base64url of a GZIP bitstring, 1 bit each)."""
    encoded = list_credential["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    body = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return len(bits) * 8


def _shortest_list(credential: dict[str, Any]) -> int:
    entries = credential["credentialStatus"]
    entries = entries if isinstance(entries, list) else [entries]
    return min(_entries(DOCUMENTS[e["statusListCredential"]]) for e in entries)


def expected_verdict(path: Path) -> str:
    """The verdict the file name says (see the module docstring)."""
    raw = path.read_bytes()
    if not raw.strip():
        return "invalid"
    credential = json.loads(raw)
    parts = [part.strip() for part in path.stem.split("-")]
    if INVALID_VARIANTS & set(parts):
        return "invalid"
    status, expiry = parts[1], parts[2]
    found = ["valid"]
    if status in UNRELIABLE_LIST:
        found.append("unchecked")
    elif status in REVOKED or status == "validStatus":
        if not _status_list_in_set(credential):
            found.append("unchecked")
        elif status in REVOKED:
            found.append("revoked")
        elif _shortest_list(credential) < MIN_LIST_ENTRIES:
            # STATUS_LIST_LENGTH_ERROR: a list shorter than the minimum cannot show that
            # the credential is in force (a set bit still shows it was revoked)
            found.append("unchecked")
    else:
        assert status == "noStatus", f"unknown status part {status!r} in {path.name}"
        assert "credentialStatus" not in credential
    if expiry == "expired" or MISNAMED.get(_name(path)) == "expired":
        found.append("expired")
    else:
        assert expiry in {"noExpiry", "notExpired"}, f"unknown expiry part in {path.name}"
    return max(found, key=ORDER.index)


def _context() -> VerifierContext:
    return VerifierContext(now=NOW, documents=DOCUMENTS)


FILES = _credential_files() if DCC.is_dir() else []


def test_the_misnamed_files_hold_what_the_table_says() -> None:
    for name, verdict in MISNAMED.items():
        credential = json.loads((DCC / "verifiableCredentials" / name).read_bytes())
        assert verdict == "expired"
        assert datetime.fromisoformat(credential["validUntil"]) < NOW


def test_the_whole_set_is_here() -> None:
    # 91 credentials, 5 status lists, 2 DID documents at vc-test-fixtures 0440d64c
    assert len(_credential_files()) == 91
    assert len(DOCUMENTS) == 7


@pytest.mark.parametrize(
    "path", FILES, ids=lambda p: str(p.relative_to(DCC / "verifiableCredentials"))
)
def test_verdict_is_the_one_its_name_says(path: Path) -> None:
    report = verify_credential(path.read_bytes(), _context())
    expected = expected_verdict(path)
    checks = {c.id: f"{c.status} {c.code}: {c.message}" for c in report.checks}
    assert report.status == expected, checks
    assert report.valid is (expected == "valid")


BOTH = sorted((DCC / "verifiableCredentials").glob("*/bothSignatureTypes/*/*.json"))


@pytest.mark.parametrize("path", BOTH, ids=lambda p: p.name)
def test_a_credential_with_two_proofs_lists_each(path: Path) -> None:
    report = verify_credential(path.read_bytes(), _context())
    proof = report.check("proof")
    assert proof.status == "pass", proof.message
    assert "2 of 2 proofs verified" in proof.message
    assert "Ed25519Signature2020" in proof.message
    assert "DataIntegrityProof eddsa-rdfc-2022" in proof.message


def test_one_bad_proof_of_two_makes_the_credential_invalid() -> None:
    path = DCC / "verifiableCredentials/v2/bothSignatureTypes/didkey/legacy-noStatus-noExpiry.json"
    credential = json.loads(path.read_bytes())
    for index in (0, 1):
        changed = json.loads(path.read_bytes())
        value = changed["proof"][index]["proofValue"]
        changed["proof"][index]["proofValue"] = value[:-3] + (
            "111" if value[-3:] != "111" else "222"
        )
        report = verify_credential(changed, _context())
        proof = report.check("proof")
        assert report.status == "invalid" and proof.status == "fail", proof.message
        assert f"proof {index + 1} of 2" in proof.message
    assert verify_credential(credential, _context()).check("proof").status == "pass"


def test_nothing_is_fetched_for_a_document_the_set_lacks() -> None:
    # without the DID documents the did:web issuers cannot be checked: never a pass
    path = DCC / "verifiableCredentials/v2/ed25519/didWeb/oidf-noStatus-notExpired.json"
    report = verify_credential(path.read_bytes(), VerifierContext(now=NOW))
    assert not report.valid
    proof = report.check("proof")
    assert proof.code == "proof.key_unavailable"
    assert proof.document == SERVED_AT + "dids/oidf/did.json"
