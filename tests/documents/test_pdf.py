"""PDF certificates and portfolios: text (pypdf), embedded QR (zxing-cpp), rendering (pdfium)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import yaml
import zxingcpp
from pypdf import PdfReader

from microcred.documents import certificate_pdf, portfolio_pdf
from microcred.documents.certificate_pdf import CERTIFICATE_ELEMENTS
from microcred.documents.layout import LABELS, NOT_STATED
from microcred.i18n import translator
from microcred.model import parse_award, parse_specification

SPECS = Path(__file__).resolve().parents[2] / "src" / "microcred" / "data" / "examples" / "specs"
VERIFY_URL = "https://wallet.example.eu/verify/c/8f14e45f-ceea-467f-a0e6-1c5b7b3e9a21?lang=lv"
AWARD_ID = "urn:uuid:8f14e45f-ceea-467f-a0e6-1c5b7b3e9a21"
CHECKS = ("parse", "schema", "eu_standard", "proof", "issuer", "trust", "validity", "status")


def _award(name: str, **extra: Any) -> dict[str, Any]:
    spec = parse_specification(yaml.safe_load((SPECS / f"{name}.yaml").read_text("utf-8")))
    award = parse_award(
        {
            "spec": spec.to_data(),
            "learner": {"name": "Jānis Ozoliņš", "identifier": "janis@example.lv"},
            "issued_on": "2025-03-14",
            **extra,
        }
    )
    return award.to_data()


def _report(status: str = "valid", failing: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "valid": status == "valid",
        "status": status,
        "checks": [
            {"id": c, "status": "fail" if c in failing else "pass", "message": ""} for c in CHECKS
        ],
    }


def _labels(key: str) -> tuple[str, str]:
    """An element's label in English and Latvian (from the catalogues)."""
    return translator("en").gettext(LABELS[key]), translator("lv").gettext(LABELS[key])


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def _embedded_qr_codes(pdf: bytes) -> list[str]:
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            found += [r.text for r in zxingcpp.read_barcodes(image.image)]
    return found


@pytest.fixture(scope="module")
def welding() -> dict[str, Any]:
    return _award("lv-vocational-welding", id=AWARD_ID, grade="Izcili (10) / Excellent")


@pytest.fixture(scope="module")
def welding_pdf(welding: dict[str, Any]) -> bytes:
    return certificate_pdf(welding, verification_url=VERIFY_URL, report=_report())


def test_certificate_is_a_one_page_pdf_with_the_unicode_font_embedded(welding_pdf: bytes):
    assert welding_pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(welding_pdf))
    assert len(reader.pages) == 1
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("DejaVuSans" in f for f in fonts), fonts
    assert reader.metadata.title == "MIG/MAG metināšana tērauda konstrukcijās"


def test_certificate_has_every_eu_element_label_in_english_and_latvian(welding_pdf: bytes):
    text = _text(welding_pdf)
    keys = (
        "kind", "title", "learner", "awarding_body", "country", "issued_on",
        "verification", "credential_id", "verify_at", *CERTIFICATE_ELEMENTS,
    )  # fmt: skip
    for key in keys:
        en, lv = _labels(key)
        assert en.upper() in text.upper(), en
        assert lv.upper() in text.upper(), lv


def test_certificate_has_every_eu_element_value(welding_pdf: bytes):
    text = _text(welding_pdf)
    expected = [
        # title in every language of the credential, with Latvian diacritics
        "MIG/MAG metināšana tērauda konstrukcijās",
        "MIG/MAG welding of steel structures",
        "Jānis Ozoliņš",
        "Rīgas Tehniskā koledža",
        "Riga Technical College",
        "Latvia / Latvija (LV), Rīga",
        "2025-03-14",
        # learning outcomes, both languages
        "Sagatavo metināšanas iekārtu un izvēlas režīmu atbilstoši metināšanas procedūras "
        "specifikācijai (WPS).",
        "Performs fillet and butt welds with MIG/MAG in positions PA, PB and PF to LVS EN ISO "
        "9606-1.",
        "Vizuāli pārbauda šuves kvalitāti un dokumentē defektus.",
        "3 ECTS, 80 hours",
        "EQF 4 / EKI 4",
        "LKI 4",
        "Practical demonstration / Praktisks demonstrējums",
        "Praktisks eksāmens darbnīcā ar paraugu sagriešanu un vizuālo kontroli.",
        "On site (in person) / Klātienē",
        "Programme licence / Programmas licence",
        "Izglītības kvalitātes valsts dienests (IKVD)",
        "Supervised on site with identity verification / Uzraudzīts klātienē ar identitātes "
        "pārbaudi",
        "Pamatzināšanas metināšanā un darba drošībā.",
        "Stand-alone / Patstāvīga",
        "Metinātāja profesionālā kvalifikācija (LKI 3)",
        "Izcili (10) / Excellent",
        "24 months after issue",
        "2027-03-14",
        "Valid / Derīga",
        "8 of 8 checks passed",
        AWARD_ID,
    ]
    for value in expected:
        assert value in text, value
    assert NOT_STATED not in text
    assert VERIFY_URL in re.sub(r"\s", "", text)


def test_every_latvian_letter_renders_and_extracts(welding: dict[str, Any]):
    pangram = "Ģērbšanās čūskām, ķīmija, ļoti žigli ņiprs šķīvis"
    award = {**welding, "spec": {**welding["spec"], "title": {"lv": pangram, "en": "Pangram"}}}
    pdf = certificate_pdf(award, verification_url=VERIFY_URL)
    text = _text(pdf)
    assert pangram in text
    for letter in "āčēģīķļņšūž":
        assert letter in text, letter


def test_certificate_qr_code_decodes_to_exactly_the_verification_url(welding_pdf: bytes):
    assert _embedded_qr_codes(welding_pdf) == [VERIFY_URL]


def test_rendered_certificate_page_scans(welding_pdf: bytes, tmp_path: Path):
    page = pdfium.PdfDocument(welding_pdf)[0]
    image = page.render(scale=2).to_pil()
    image.save(tmp_path / "certificate.png")
    assert image.width > 1000
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [VERIFY_URL]


def test_certificate_in_chosen_languages_only(welding: dict[str, Any]):
    text = _text(certificate_pdf(welding, verification_url=VERIFY_URL, languages=["en"]))
    assert "MIG/MAG welding of steel structures" in text
    assert "metināšana tērauda" not in text
    assert "Basic knowledge of welding and workplace safety." in text
    assert "Pamatzināšanas" not in text
    assert "not checked / nav pārbaudīta" not in text  # no report, no verification line
    assert "Notional workload Nominālā slodze" in text  # labels stay in English and Latvian


def test_revoked_report_is_shown(welding: dict[str, Any]):
    pdf = certificate_pdf(
        welding, verification_url=VERIFY_URL, report=_report("revoked", ("status",))
    )
    text = _text(pdf)
    assert "Revoked / Atsaukta" in text
    assert "7 of 8 checks passed" in text
    assert "✗ status: fail" in text


def test_partial_foreign_award_prints_not_stated():
    partial = {
        "id": "urn:example:foreign:42",
        "spec": {
            "title": {"lv": "Ķīmijas pamati", "de": "Grundlagen der Chemie"},
            "awarding_body": {"name": {"de": "Hochschule Musterstadt"}},
            "workload": {"hours": "12.5"},
            "participation": "hybrid-ish",
        },
        "issued_on": "2024-11-02T09:30:00Z",
    }
    pdf = certificate_pdf(partial, verification_url="https://v.example/42")
    text = _text(pdf)
    assert "Ķīmijas pamati" in text and "Grundlagen der Chemie" in text
    assert "Hochschule Musterstadt" in text
    assert "12.5 hours" in text
    assert "hybrid-ish" in text
    assert "2024-11-02" in text
    # learner, country, outcomes, assessment, QA, EQF, supervision, prerequisites, ...
    assert text.count(NOT_STATED) >= 10
    assert _embedded_qr_codes(pdf) == ["https://v.example/42"]


@pytest.mark.parametrize(
    "junk",
    [
        {},
        {"spec": "not a mapping", "learner": 5, "issued_on": "yesterday", "grade": None},
        {
            "spec": {
                "title": "plain",
                "learning_outcomes": [None, 3, {"text": 7}],
                "eqf_level": True,
            }
        },
        {
            "spec": {
                "workload": {"ects": "abc", "hours": -3},
                "stackability": [1],
                "validity": {"months": "x"},
            }
        },
    ],
)
def test_malformed_award_data_does_not_crash(junk: dict[str, Any]):
    text = _text(certificate_pdf(junk, verification_url="https://v.example/1"))
    assert NOT_STATED in text


def test_long_texts_flow_onto_a_second_page():
    award = _award("university-data-analysis")
    spec = dict(award["spec"])
    spec["learning_outcomes"] = [
        {"text": {"en": f"Outcome {i}: " + "analyses data sets with care " * 12}}
        for i in range(1, 13)
    ]
    award["spec"] = spec
    pdf = certificate_pdf(award, verification_url=VERIFY_URL, report=_report())
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2
    text = _text(pdf)
    assert "Outcome 12:" in text and "Validity" in text


@pytest.fixture(scope="module")
def portfolio_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for index, path in enumerate(sorted(SPECS.glob("*.yaml"))):
        items.append(
            {
                "award": _award(path.stem),
                "report": _report("revoked" if index == 1 else "valid"),
                "verification_url": f"https://wallet.example.eu/verify/c/{path.stem}",
            }
        )
    return items


def test_portfolio_lists_each_credential_and_the_totals(portfolio_items: list[dict[str, Any]]):
    share = "https://wallet.example.eu/share/p/abc123"
    pdf = portfolio_pdf("Jānis Ozoliņš", portfolio_items, share_url=share)
    text = _text(pdf)
    assert "Jānis Ozoliņš" in text
    ects = sum(i["award"]["spec"]["workload"].get("ects", 0) for i in portfolio_items)
    hours = sum(i["award"]["spec"]["workload"].get("hours", 0) for i in portfolio_items)
    assert f"{len(portfolio_items)} micro-credentials" in text
    assert f"{ects:g} ECTS" in text and f"{hours:g} hours" in text
    for item in portfolio_items:
        spec = item["award"]["spec"]
        for title in spec["title"].values():
            assert title in text, title
        assert next(iter(spec["awarding_body"]["name"].values())) in text
        assert item["verification_url"] in re.sub(r"\s", "", text)
    assert "MIG/MAG metināšana tērauda konstrukcijās" in text
    assert "Revoked / Atsaukta" in text and "Valid / Derīga" in text
    assert "Estonia / Igaunija (EE)" in text
    assert _embedded_qr_codes(pdf) == [share]


def test_portfolio_accepts_bare_award_data_and_nothing():
    text = _text(portfolio_pdf("Anna Bērziņa", [_award("employer-forklift-safety")]))
    assert "1 micro-credential " in text and "not checked / nav pārbaudīta" in text
    empty = _text(portfolio_pdf("Anna Bērziņa", []))
    assert "0 micro-credentials" in empty and "No credentials chosen" in empty


def test_pdftotext_reads_every_eu_element(welding_pdf: bytes, tmp_path: Path):
    """The acceptance: Debian's pdftotext (installed by scripts/pdf-test-deps.sh) sees every element."""
    import shutil
    import subprocess

    assert shutil.which("pdftotext"), (
        "pdftotext is missing: run scripts/pdf-test-deps.sh (make test does)"
    )
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(welding_pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", " ", text)
    for key in CERTIFICATE_ELEMENTS:
        en, lv = _labels(key)
        assert en.upper() in flat.upper(), en
        assert lv.upper() in flat.upper(), lv
    for value in (
        "MIG/MAG metināšana tērauda konstrukcijās",
        "Rīgas Tehniskā koledža",
        "3 ECTS, 80 hours",
        "EQF 4",
        "Practical demonstration",
        "Klātienē",
        "Programme licence",
        AWARD_ID,
    ):
        assert value in flat, value
    assert _embedded_qr_codes(welding_pdf) == [VERIFY_URL]
