"""An SD-JWT VC reads back into the model as whole as the Open Badges 3.0 credential of the
same award (issue 15 point 1: one definition, three formats): every example specification,
with every optional element of the award and the learner set (grade, narrative, evidence,
given and family name, date of birth, national identifier) and the specification's extras
(co-awarding bodies in two languages, validity, further information, skills, stacking
targets). `convert --to model` of both forms of one award by the CLI gives the same model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcred.formats.inputs import parse_input
from microcred.formats.registry import FormatName, detect
from microcred.model.files import load_data
from microcred.model.validation import parse_award
from microcred.proofs.keys import P256KeyPair
from microcred.services.issuing import issue_award
from tests.verify.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "examples" / "specs").glob("*.yaml"))


def _award(spec_file: Path):
    spec = load_data(spec_file)
    spec.setdefault("co_awarding_bodies", []).append(
        {
            "name": {"en": "Riga Technical College", "lv": "Rīgas Tehniskā koledža"},
            "country": "LV",
            "region": "Rīga",
            "id": "https://rtk.example.lv",
            "url": "https://rtk.example.lv/about",
            "legal_identifier": "LV90000000001",
            "email": "info@rtk.example.lv",
        }
    )
    spec.setdefault("further_information", {"en": "Evening classes.", "lv": "Vakara nodarbības."})
    spec.setdefault("validity", {"until": "2031-12-31"})
    spec.setdefault("field_of_study", "0613")
    return parse_award(
        {
            "spec": spec,
            "learner": {
                "name": "Anna Bērziņa",
                "given_name": "Anna",
                "family_name": "Bērziņa",
                "identifier": "mailto:anna@example.lv",
                "date_of_birth": "2001-04-05",
                "national_id": "050401-12345",
            },
            "issued_on": "2026-06-30",
            "grade": "9",
            "narrative": "Built a data pipeline for the city's open data.",
            "evidence_url": "https://evidence.example.lv/anna/1",
        }
    )


def _read(document):
    parsed = parse_input(document if isinstance(document, str) else json.dumps(document))
    found = detect(parsed)
    return found.name, found.read(found.credential(parsed))


@pytest.mark.parametrize("spec_file", SPECS, ids=[s.stem for s in SPECS])
def test_the_sd_jwt_vc_gives_back_what_the_ob3_credential_gives(spec_file: Path) -> None:
    award = _award(spec_file)
    key = P256KeyPair.generate()
    ob3_name, ob3 = _read(issue_award(award, key, fmt=FormatName.OB3, created=NOW))
    sd_name, sd = _read(issue_award(award, key, fmt=FormatName.SD_JWT, created=NOW))
    assert (ob3_name, sd_name) == (FormatName.OB3, FormatName.SD_JWT)
    assert ob3.award is not None and sd.award is not None, (ob3.problems, sd.problems)
    assert sd.missing == ob3.missing == []
    ob3_model = ob3.award.model_dump(mode="json")
    sd_model = sd.award.model_dump(mode="json")
    assert sd_model == ob3_model
    # and both are the award issued (nothing the model holds is lost on the way)
    assert sd_model == award.model_dump(mode="json")


def test_convert_to_model_of_both_forms_of_one_award(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "test")
    runner = CliRunner()
    from microcred.cli.main import app

    def cli(*args: object):
        done = runner.invoke(app, [str(a) for a in args])
        assert done.exit_code == 0, done.output
        return done

    spec_file = ROOT / "examples" / "specs" / "lv-vocational-welding.yaml"
    org = json.loads(cli("org", "create", "--name", "LU", "--country", "LV", "--json").stdout)
    spec = json.loads(cli("spec", "publish", spec_file, "--org", org["slug"], "--json").stdout)
    sd_jwt = tmp_path / "anna.sd-jwt"
    issued = json.loads(
        cli(
            "issue", "--org", org["slug"], "--spec", spec["id"], "--learner-name", "Anna Bērziņa",
            "--learner-id", "anna@example.lv", "--grade", "9", "--narrative", "Welded a frame",
            "--evidence-url", "https://evidence.example.lv/1", "--format", "sd-jwt",
            "--out", sd_jwt, "--json",
        ).stdout
    )  # fmt: skip
    ob3 = tmp_path / "anna.json"
    cli("export", issued["id"], "--format", "ob3", "--out", ob3)
    models = []
    for form in (ob3, sd_jwt):
        out = tmp_path / f"{form.name}.model.json"
        cli("convert", form, "--to", "model", "--out", out)
        models.append(json.loads(out.read_text()))
    assert (models[0]["format"], models[1]["format"]) == ("ob3", "sd-jwt")
    assert models[0]["missing"] == models[1]["missing"] == []
    assert models[1]["model"] == models[0]["model"]
    assert models[1]["model"]["narrative"] == "Welded a frame"
    assert models[1]["model"]["spec"]["stackability"]["stackable_towards"]
