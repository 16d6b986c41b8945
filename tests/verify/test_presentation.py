"""Presentations: the holder's proof (challenge, domain), holder binding and each credential."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from microcred.cli.main import app
from microcred.formats.presentation import (
    build_presentation,
    sign_presentation,
    sign_presentation_jwt,
)
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair, P256KeyPair
from microcred.services.issuing import issue_award
from microcred.verify import VerifierContext
from microcred.verify.presentation import is_presentation, verify_presentation
from tests.verify.conftest import NOW, make_award
from tests.verify.test_pipeline import _with_status

CHALLENGE = "c0ffee-4242"
DOMAIN = "https://verifier.example"
CREATED = datetime(2026, 11, 23, 11, 59, tzinfo=UTC)


def ctx(**kw) -> VerifierContext:
    return VerifierContext(now=kw.pop("now", NOW), **kw)


def vm_of(pair) -> str:
    return f"{did_key_for(pair)}#{pair.public_multibase}"


@pytest.fixture(scope="module")
def holder() -> Ed25519KeyPair:
    return Ed25519KeyPair.generate()


@pytest.fixture(scope="module")
def credentials(key, holder) -> list[dict]:
    learner = {"name": "Anna Bērziņa", "identifier": did_key_for(holder)}
    return [
        issue_award(make_award(learner=learner), key),
        issue_award(make_award("employer-forklift-safety.yaml", learner=learner), key),
    ]


def present(credentials, holder, *, signer=None, vm=None, challenge=CHALLENGE, domain=DOMAIN):
    vp = build_presentation(copy.deepcopy(credentials), did_key_for(holder))
    signer = signer or holder
    return sign_presentation(
        vp,
        signer,
        verification_method=vm or vm_of(signer),
        challenge=challenge,
        domain=domain,
        created=CREATED,
    )


def verify(vp, **kw):
    kw.setdefault("challenge", CHALLENGE)
    kw.setdefault("domain", DOMAIN)
    context = kw.pop("context", None) or ctx()
    return verify_presentation(vp, context, **kw)


def statuses(report) -> dict[str, str]:
    return {c.id: c.status for c in report.checks}


def test_build_presentation_shape(credentials, holder, key):
    token = issue_award(make_award(), key, fmt="jwt")
    vp = build_presentation([credentials[0], token], did_key_for(holder))
    assert vp["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert vp["type"] == ["VerifiablePresentation"]
    assert vp["holder"] == did_key_for(holder)
    assert vp["verifiableCredential"][0] == credentials[0]
    assert vp["verifiableCredential"][1] == {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": f"data:application/vc+jwt,{token}",
        "type": "EnvelopedVerifiableCredential",
    }
    signed = present(credentials, holder)
    assert signed["proof"]["proofPurpose"] == "authentication"
    assert signed["proof"]["challenge"] == CHALLENGE and signed["proof"]["domain"] == DOMAIN
    assert is_presentation(signed) and is_presentation(json.dumps(signed).encode())
    assert not is_presentation(credentials[0]) and not is_presentation(token)
    assert not is_presentation(b"not json") and not is_presentation([1])


def test_valid_presentation_of_two_credentials(credentials, holder):
    report = verify(present(credentials, holder))
    assert report.valid and report.status == "valid", report.to_json()
    assert statuses(report) == {
        "parse": "pass",
        "schema": "pass",
        "proof": "pass",
        "holder": "pass",
    }
    assert CHALLENGE in report.check("proof").message
    assert [c.report.status for c in report.credentials] == ["valid", "valid"]
    out = report.to_json()
    assert set(out) == {"valid", "status", "checks", "credentials"}
    assert [c["id"] for c in out["credentials"]] == [c["id"] for c in credentials]
    assert all(
        set(c) == {"id", "valid", "status", "checks", "holder_binding"} for c in out["credentials"]
    )
    assert {c["holder_binding"]["status"] for c in out["credentials"]} == {"bound"}
    assert json.loads(json.dumps(out)) == out


def test_p256_holder():
    holder = P256KeyPair.generate()
    learner = {"name": "Anna Bērziņa", "identifier": did_key_for(holder)}
    issuer = Ed25519KeyPair.generate()
    credential = issue_award(make_award(learner=learner), issuer)
    vp = present([credential], holder)
    assert vp["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert verify(vp).status == "valid"


def test_wrong_challenge_is_a_replay(credentials, holder):
    vp = present(credentials, holder, challenge="an-old-challenge")
    report = verify(vp)
    assert not report.valid and report.status == "invalid"
    proof = report.check("proof")
    assert proof.status == "fail"
    assert "challenge" in proof.message and "an-old-challenge" in proof.message
    assert CHALLENGE in proof.message


def test_missing_challenge_when_one_is_expected(credentials, holder):
    report = verify(present(credentials, holder, challenge=None))
    assert report.status == "invalid"
    assert report.check("proof").status == "fail"
    assert "no challenge" in report.check("proof").message


def test_no_challenge_expected_warns(credentials, holder):
    report = verify(present(credentials, holder), challenge=None, domain=None)
    assert report.check("proof").status == "warn"
    assert "replay" in report.check("proof").message
    assert report.status == "valid"


def test_wrong_or_missing_domain(credentials, holder):
    report = verify(present(credentials, holder, domain="https://other.example"))
    assert report.status == "invalid"
    assert report.check("proof").status == "fail"
    assert "domain" in report.check("proof").message
    assert "https://other.example" in report.check("proof").message
    report = verify(present(credentials, holder, domain=None))
    assert report.check("proof").status == "fail" and "domain" in report.check("proof").message


def test_changing_the_challenge_after_signing_breaks_the_signature(credentials, holder):
    vp = present(credentials, holder, challenge="old")
    vp["proof"]["challenge"] = CHALLENGE
    report = verify(vp)
    assert report.check("proof").status == "fail"
    assert "signature" in report.check("proof").message


def test_foreign_key_cannot_present_for_the_holder(credentials, holder):
    mallory = Ed25519KeyPair.generate()
    # Mallory signs with her own key but names the holder: the proof verifies, the binding does not.
    report = verify(present(credentials, holder, signer=mallory))
    assert report.status == "invalid"
    assert report.check("proof").status == "pass"
    assert report.check("holder").status == "fail"
    assert did_key_for(mallory) in report.check("holder").message
    # Mallory signs but names the holder's key: the signature does not verify.
    report = verify(present(credentials, holder, signer=mallory, vm=vm_of(holder)))
    assert report.status == "invalid"
    assert report.check("proof").status == "fail"
    assert report.check("holder").status != "pass"


def test_tampered_credential_fails_its_own_proof(credentials, holder):
    tampered = copy.deepcopy(credentials)
    tampered[1]["credentialSubject"]["achievement"]["name"] = "Forklift master"
    # The holder signs the presentation over the tampered credential: only that credential fails.
    report = verify(present(tampered, holder))
    assert report.check("proof").status == "pass"
    assert report.status == "invalid" and not report.valid
    first, second = report.credentials
    assert first.report.status == "valid"
    assert second.name == credentials[1]["id"]
    assert second.report.check("proof").status == "fail"


def test_credential_issued_to_someone_else(key, credentials, holder):
    other = Ed25519KeyPair.generate()
    learner = {"name": "Other", "identifier": did_key_for(other)}
    foreign = issue_award(make_award(learner=learner), key)
    vp = present([credentials[0], foreign], holder)
    report = verify(vp)
    # VC DM 2.0: a holder may present a credential about someone else; it is reported as not
    # bound (the verifier's policy decides), not as an invalid presentation.
    assert report.status == "valid"
    holder_check = report.check("holder")
    assert (holder_check.status, holder_check.code) == ("warn", "holder.not_bound")
    assert foreign["id"] in holder_check.message and did_key_for(other) in holder_check.message
    assert all(c.report.status == "valid" for c in report.credentials)
    assert report.credential(foreign["id"]) is not None
    strict = verify(vp, require_binding=True)
    assert strict.status == "invalid" and strict.check("holder").status == "fail"


def test_vp_jwt(credentials, holder, key):
    token = issue_award(
        make_award(learner={"name": "Anna", "identifier": did_key_for(holder)}), key, fmt="jwt"
    )
    vp = build_presentation([credentials[0], token], did_key_for(holder))
    jwt = sign_presentation_jwt(vp, holder, kid=vm_of(holder), nonce=CHALLENGE, aud=DOMAIN)
    assert is_presentation(jwt)
    report = verify(jwt)
    assert report.status == "valid", report.to_json()
    assert report.check("parse").message.endswith("(vp+jwt)")
    assert [c.report.status for c in report.credentials] == ["valid", "valid"]
    wrong = verify(sign_presentation_jwt(vp, holder, kid=vm_of(holder), nonce="x", aud=DOMAIN))
    assert wrong.status == "invalid" and "challenge" in wrong.check("proof").message
    aud = verify(sign_presentation_jwt(vp, holder, kid=vm_of(holder), nonce=CHALLENGE, aud="a"))
    assert aud.check("proof").status == "fail" and "domain" in aud.check("proof").message
    mallory = Ed25519KeyPair.generate()
    forged = sign_presentation_jwt(vp, mallory, kid=vm_of(holder), nonce=CHALLENGE, aud=DOMAIN)
    assert verify(forged).check("proof").status == "fail"
    # A vc+jwt is not a presentation.
    assert verify(token).check("parse").status == "fail"


def test_revoked_credential_in_presentation(key, credentials, holder):
    revoked, documents = _with_status(key, {"revocation": {7}})
    report = verify(present([credentials[0], revoked], holder), context=ctx(documents=documents))
    assert report.status == "revoked" and not report.valid
    assert report.credential(revoked["id"]).status == "revoked"
    assert all(c.status != "fail" for c in report.checks if c.id != "holder")


def test_a_credential_whose_status_could_not_be_checked_leaves_the_presentation_unchecked(
    key, credentials, holder, cli, tmp_path
):
    revoked, documents = _with_status(key, {"revocation": {7}})
    vp = present([credentials[0], revoked], holder)
    report = verify(vp)  # the status lists are not at hand
    assert (report.valid, report.status) == (False, "unchecked")
    assert report.credential(revoked["id"]).status == "unchecked"
    assert report.check("proof").status == "pass"
    # with the lists, it is what they say
    assert verify(vp, context=ctx(documents=documents)).status == "revoked"
    path = tmp_path / "vp.json"
    path.write_text(json.dumps(vp), encoding="utf-8")
    result = cli("verify", path, "--challenge", CHALLENGE, "--domain", DOMAIN)
    assert result.exit_code == 3, result.output
    assert "Could not be checked" in result.stdout


def test_malformed_inputs_fail_cleanly(credentials, holder):
    unsigned = build_presentation(copy.deepcopy(credentials), did_key_for(holder))
    cases = {
        "not json": (b"hello there", "parse"),
        "truncated": (b'{"@context": [', "parse"),
        "huge": (b'{"a": "' + b"x" * (50 * 1024 * 1024) + b'"}', "parse"),
        "no proof": (unsigned, "proof"),
        "vc not a list": ({**unsigned, "verifiableCredential": "eyJhbGciOi"}, "schema"),
        "vc holds a string": ({**unsigned, "verifiableCredential": ["x"]}, "schema"),
        "not a presentation": (credentials[0], "schema"),
        "proof not an object": ({**unsigned, "proof": 5}, "proof"),
    }
    for name, (raw, failing) in cases.items():
        report = verify(raw)
        assert not report.valid and report.status == "invalid", name
        assert report.check(failing).status == "fail", name
        assert json.dumps(report.to_json()), name
    assert verify(unsigned).check("holder").status == "skip"


def test_a_presentation_without_holder_is_valid_when_its_proofs_are(credentials, holder):
    """VC DM 2.0: holder is optional. Nothing is then bound to the presenter, which the
    holder check and each credential's binding say plainly; binding fails only when this
    verifier asked for it."""
    vp = build_presentation(copy.deepcopy(credentials), did_key_for(holder))
    del vp["holder"]
    signed = sign_presentation(
        vp,
        holder,
        verification_method=vm_of(holder),
        challenge=CHALLENGE,
        domain=DOMAIN,
        created=CREATED,
    )
    report = verify(signed)
    assert report.valid and report.status == "valid", report.to_json()
    assert (report.check("holder").status, report.check("holder").code) == ("warn", "holder.none")
    assert "not bound" in report.check("holder").message
    assert {c.binding.code for c in report.credentials} == {"holder.not_bound.no_holder"}
    strict = verify(signed, require_binding=True)
    assert not strict.valid and strict.status == "invalid"
    assert (strict.check("holder").status, strict.check("holder").code) == (
        "fail",
        "holder.missing",
    )
    # A holder that signed, but a credential not issued to it: unbound, failed only on request.
    other = issue_award(make_award(), Ed25519KeyPair.generate())  # no subject id
    mixed = present([*credentials, other], holder)
    assert verify(mixed).valid and verify(mixed).check("holder").code == "holder.not_bound"
    refused = verify(mixed, require_binding=True)
    assert not refused.valid and refused.check("holder").status == "fail"
    # The proofs still decide: a tampered presentation without holder is not valid.
    tampered = copy.deepcopy(signed)
    tampered["verifiableCredential"][0]["name"] = "Something else"
    assert not verify(tampered).valid


def test_enveloped_unsupported(credentials, holder):
    vp = build_presentation([], did_key_for(holder))
    vp["verifiableCredential"] = [
        {
            "@context": "https://www.w3.org/ns/credentials/v2",
            "id": "data:application/vc+sd-jwt,abc",
            "type": "EnvelopedVerifiableCredential",
        }
    ]
    signed = sign_presentation(
        vp,
        holder,
        verification_method=vm_of(holder),
        challenge=CHALLENGE,
        domain=DOMAIN,
        created=CREATED,
    )
    report = verify(signed)
    assert report.status == "invalid"
    assert report.credentials[0].report.check("parse").status == "fail"
    assert "vc+sd-jwt" in report.credentials[0].report.check("parse").message


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MICROCRED_SECRET_KEY", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_cli_verifies_presentations(cli, tmp_path, credentials, holder):
    # The CLI verifies at the real time: sign with the real time too.
    vp = build_presentation(copy.deepcopy(credentials), did_key_for(holder))
    vp = sign_presentation(
        vp,
        holder,
        verification_method=vm_of(holder),
        challenge=CHALLENGE,
        domain=DOMAIN,
        created=datetime.now(UTC),
    )
    path = tmp_path / "vp.json"
    path.write_text(json.dumps(vp))
    result = cli("verify", path, "--challenge", CHALLENGE, "--domain", DOMAIN, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["valid"] is True and out["status"] == "valid"
    assert [c["id"] for c in out["checks"]] == ["parse", "schema", "proof", "holder"]
    assert [c["id"] for c in out["credentials"]] == [c["id"] for c in credentials]

    result = cli("verify", path, "--challenge", "replayed", "--domain", DOMAIN, "--json")
    assert result.exit_code == 1
    proof = next(c for c in json.loads(result.stdout)["checks"] if c["id"] == "proof")
    assert proof["status"] == "fail" and "challenge" in proof["message"]

    result = cli("verify", path, "--challenge", CHALLENGE, "--domain", DOMAIN)
    assert result.exit_code == 0, result.output
    assert "Holder" in result.stdout and credentials[1]["id"] in result.stdout
    # the human report names checks in words (the catalogues' labels): one EU check each
    assert result.stdout.count("EU micro-credential elements") == 2

    credential = tmp_path / "credential.json"
    credential.write_text(json.dumps(credentials[0]))
    assert cli("verify", credential, "--challenge", CHALLENGE).exit_code == 2


@pytest.mark.parametrize("pair_class", [Ed25519KeyPair, P256KeyPair], ids=["eddsa", "ecdsa"])
def test_digitalbazaar_vc_interop(key, pair_class):
    """Presentations signed by @digitalbazaar/vc verify here, and ours verify there."""
    from tests.interop.jsref import JsStackMissing, check_js_stack, js_sign_presentation, js_verify

    try:
        check_js_stack()
    except JsStackMissing as exc:  # like tests/interop: fail, never skip (make interop-deps)
        pytest.fail(f"JavaScript reference stack unavailable: {exc}", pytrace=False)
    holder = pair_class.generate()
    learner = {"name": "Anna Bērziņa", "identifier": did_key_for(holder)}
    credential = issue_award(make_award(learner=learner), key)
    keyfile = holder.export_private(
        None, allow_unencrypted=True, controller=did_key_for(holder), id=vm_of(holder)
    )
    vp = build_presentation([credential], did_key_for(holder))
    theirs = js_sign_presentation(vp, keyfile, challenge=CHALLENGE, domain=DOMAIN)
    assert verify(theirs).status == "valid"
    assert verify(theirs, challenge="replayed").check("proof").status == "fail"
    ours = present([credential], holder)
    assert js_verify(ours, presentation=True, challenge=CHALLENGE, domain=DOMAIN).verified
    assert not js_verify(ours, presentation=True, challenge="replayed", domain=DOMAIN).verified
