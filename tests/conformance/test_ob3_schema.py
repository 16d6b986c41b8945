"""Everything microcred issues passes the official 1EdTech Open Badges 3.0 JSON Schema and the
W3C VC Data Model 2.0 JSON Schema (issue 14, point 1).

The schemas are read from ``../shared/vectors/schemas/`` at test time; their ``$ref``s are
resolved only among themselves (a registry that refuses to retrieve anything: no fetching).

``proof``: the OB 3.0 schema wants an array; microcred issues one proof object, as Data
Integrity and VC 2.0 allow (a proof, or a set of them) and as 1EdTech's own signed test
vector does. A one-element array is the same proof set in JSON-LD, so the credentials are
validated with their proof in that form, and a separate test shows the object form is the
only thing the schema says about them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft201909Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from typer.testing import CliRunner

from microcred.api.app import create_app
from microcred.cli.main import app as cli_app
from microcred.formats.ob3 import award_to_ob3
from microcred.formats.status_list import status_entry
from microcred.model.files import load_data
from microcred.services import organisations, tokens
from microcred.settings import Settings
from tests.api.conftest import ALL_SCOPES, bearer

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT.parent / "shared" / "vectors" / "schemas"
EXAMPLES = ROOT / "examples" / "specs"
SPECS = sorted(EXAMPLES.glob("*.yaml"))


def _refuse(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)  # the validators never fetch a schema


def _validator(path: Path, cls: type[Any]) -> Any:
    schema = json.loads(path.read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry(retrieve=_refuse).with_resource(  # type: ignore[call-arg]
        schema["$id"], Resource.from_contents(schema)
    )
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


OB3 = _validator(SCHEMAS / "ob3" / "achievementcredential.json", Draft201909Validator)
VC2 = _validator(SCHEMAS / "vc-2.0" / "verifiable-credential-schema.json", Draft202012Validator)


def _as_proof_set(credential: dict[str, Any]) -> dict[str, Any]:
    proof = credential.get("proof")
    return {**credential, "proof": [proof]} if isinstance(proof, dict) else credential


def ob3_errors(credential: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in OB3.iter_errors(_as_proof_set(credential))
    ]


def vc2_errors(credential: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in VC2.iter_errors(credential)
    ]


def assert_conforms(credential: dict[str, Any], what: str) -> None:
    assert ob3_errors(credential) == [], what
    assert vc2_errors(credential) == [], what
    # What the product fixed: one status entry, and an id on every Profile.
    status = credential.get("credentialStatus")
    assert status is None or isinstance(status, dict), what
    achievement = credential["credentialSubject"]["achievement"]
    assert isinstance(achievement["creator"].get("id"), str), what


def _jwt_payload(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return payload


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo") / "home"
    result = CliRunner().invoke(cli_app, ["demo", "--home", str(home), "--no-serve", "--json"])
    assert result.exit_code == 0, result.output
    return home


def _demo_credentials(home: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((home / "issued").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "credentialSubject" in data:  # summary.json is not a credential
            yield f"bulk {path.name}", data
    for path in sorted((home / "credentials").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "VerifiableCredential" in data.get("type", []) and "tampered" not in path.name:
            yield f"demo {path.name}", data


def test_the_demos_bulk_single_and_stacked_credentials_conform(demo_home):
    found = dict(_demo_credentials(demo_home))
    assert len([n for n in found if n.startswith("bulk")]) == 50
    assert "demo stacked-data-analysis.json" in found and "demo anna-berzina.json" in found
    for name, credential in found.items():
        assert_conforms(credential, name)
        if name != "demo anna-berzina.json":  # issued offline with a key file: no status list
            assert credential["credentialStatus"]["statusPurpose"] == "message", name


@pytest.fixture()
def api(tmp_path, database_url):
    from fastapi.testclient import TestClient

    app = create_app(
        Settings(
            home=tmp_path / "home",
            database_url=database_url,
            secret_key="test",
            base_url="http://testserver",
        )
    )
    instance = app.state.instance
    # An awarding body with no id of its own: the creator gets a stable URN.
    org = organisations.create(instance, name="Rīgas Tehniskā koledža", country="LV")
    _, secret = tokens.create(instance, org.slug, "conformance", ALL_SCOPES)
    with TestClient(app) as client:
        yield client, org, bearer(secret)


@pytest.mark.parametrize("spec_path", SPECS, ids=[p.stem for p in SPECS])
def test_api_issued_json_and_jwt_credentials_conform(api, spec_path):
    client, org, headers = api
    base = f"/api/v1/orgs/{org.slug}"
    published = client.post(f"{base}/specs", json=load_data(spec_path), headers=headers)
    assert published.status_code == 201, published.text
    spec_id = published.json()["spec_key"]
    for fmt in ("ob3", "jwt"):
        body = {
            "spec_id": spec_id,
            "learner_name": "Anna Bērziņa",
            "learner_id": "mailto:anna@example.lv",
            "issued_on": "2026-06-30",
            "grade": "9",
            "format": fmt,
            "row_key": f"conformance/{fmt}",
        }
        issued = client.post(f"{base}/credentials", json=body, headers=headers)
        assert issued.status_code == 201, issued.text
        credential = issued.json()["credential"]
        if fmt == "jwt":  # VC-JOSE: the payload is the credential itself
            credential = _jwt_payload(credential)
        assert_conforms(credential, f"{spec_path.stem} {fmt}")
        creator = credential["credentialSubject"]["achievement"]["creator"]
        if "id" not in load_data(spec_path)["awarding_body"]:
            assert creator["id"].startswith("urn:microcred:awarding-body:")
        # the entry names the one message list, which the instance publishes
        status = credential["credentialStatus"]
        listed = client.get(status["statusListCredential"].removeprefix("http://testserver"))
        assert listed.status_code == 200
        assert listed.json()["credentialSubject"]["statusPurpose"] == "message"
        assert vc2_errors(listed.json()) == []  # the list credential is a VC 2.0 too


def test_the_same_awarding_body_gets_the_same_creator_id(api):
    client, org, headers = api
    base = f"/api/v1/orgs/{org.slug}"
    spec = load_data(EXAMPLES / "employer-forklift-safety.yaml")
    spec_id = client.post(f"{base}/specs", json=spec, headers=headers).json()["spec_key"]
    ids = set()
    for who in ("a", "b"):
        body = {"spec_id": spec_id, "learner_name": who, "learner_id": f"mailto:{who}@x.lv"}
        credential = client.post(f"{base}/credentials", json=body, headers=headers).json()
        ids.add(credential["credential"]["credentialSubject"]["achievement"]["creator"]["id"])
    assert len(ids) == 1


def test_vc_api_issued_open_badge_conforms(api):
    client, org, headers = api
    from microcred.model.validation import parse_award

    spec = load_data(EXAMPLES / "online-cybersecurity-basics.yaml")
    award = parse_award(
        {
            "spec": spec,
            "learner": {"name": "Anna Bērziņa", "identifier": "did:example:anna"},
            "issued_on": "2026-06-30",
        }
    )
    unsigned = award_to_ob3(award, issuer_id=org.did)
    response = client.post(
        "/credentials/issue", json={"credential": unsigned, "options": {}}, headers=headers
    )
    assert response.status_code == 201, response.text
    assert_conforms(response.json()["verifiableCredential"], "vc-api")


def test_cli_issued_credential_conforms(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MICROCRED_SECRET_KEY", raising=False)
    runner = CliRunner()
    key, out = tmp_path / "issuer.key.json", tmp_path / "cred.json"
    assert runner.invoke(cli_app, ["keys", "new", "--out", str(key)]).exit_code == 0
    for spec_path in SPECS:
        result = runner.invoke(
            cli_app,
            [
                "issue",
                "--spec",
                str(spec_path),
                "--key",
                str(key),
                "--learner-name",
                "Anna Bērziņa",
                "--learner-id",
                "anna@example.lv",
                "--out",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        assert_conforms(json.loads(out.read_text(encoding="utf-8")), f"cli {spec_path.stem}")


def test_the_validators_see_what_was_wrong_before(demo_home):
    """The schema checks are live: the old two-entry status and a creator without an id
    fail them, and an object proof is the one thing the OB 3.0 schema says of ours."""
    _, credential = next(_demo_credentials(demo_home))
    old = json.loads(json.dumps(credential))
    url = "http://localhost:8000/status/x/1"
    old["credentialStatus"] = [
        status_entry(f"{url}/{purpose}", 7, purpose) for purpose in ("revocation", "suspension")
    ]
    assert any(e.startswith("credentialStatus") for e in ob3_errors(old))
    del old["credentialStatus"]
    del old["credentialSubject"]["achievement"]["creator"]["id"]
    assert any("creator" in e and "'id'" in e for e in ob3_errors(old))
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}" for e in OB3.iter_errors(credential)
    ]  # not in the proof-set form
    assert errors == ["proof"]
