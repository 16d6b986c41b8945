"""The terminal QR code of `microcred offer` (and of the demo, which draws it with the same
`terminal_qr`): read back by a real decoder (zxing-cpp) from the block characters printed, it
is the short offer link printed under it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import zxingcpp
from PIL import Image
from typer.testing import CliRunner

from microcred.cli.main import app

SPEC = Path(__file__).resolve().parents[2] / "examples" / "specs" / "university-data-analysis.yaml"
SCALE = 8


def _image(lines: list[str]) -> Image.Image:
    """The block characters as pixels: each character is two modules, one above the other."""
    width = max(len(line) for line in lines)
    picture = Image.new("L", (width, 2 * len(lines)), 255)
    for y, line in enumerate(lines):
        for x, char in enumerate(line):
            if char in "█▀":
                picture.putpixel((x, 2 * y), 0)
            if char in "█▄":
                picture.putpixel((x, 2 * y + 1), 0)
    picture = picture.resize((picture.width * SCALE, picture.height * SCALE), Image.NEAREST)
    framed = Image.new("L", (picture.width + 10 * SCALE, picture.height + 10 * SCALE), 0)
    framed.paste(picture, (5 * SCALE, 5 * SCALE))  # a dark terminal around it
    return framed


def test_the_printed_qr_code_is_the_printed_link(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MICROCRED_BASE_URL", "https://issuer.example")
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "qr-test")
    runner = CliRunner()

    def run(*args: object) -> str:
        result = runner.invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        return result.stdout

    org = json.loads(run("org", "create", "--name", "QR College", "--country", "LV", "--json"))
    spec = json.loads(run("spec", "publish", SPEC, "--org", org["slug"], "--json"))
    issued = json.loads(
        run("issue", "--org", org["slug"], "--spec", spec["id"], "--learner-name", "Anna Bērziņa",
            "--learner-id", "mailto:anna@example.lv", "--json")
    )  # fmt: skip
    printed = run("offer", "--org", org["slug"], "--credential", issued["id"], "--pre-authorized")
    qr_lines = [line for line in printed.splitlines() if line and set(line) <= set("█▀▄ ")]
    assert len(qr_lines) > 10, printed
    found = re.search(r"^\s+(openid-credential-offer://\S+)$", printed, re.M)
    assert found, printed
    decoded = [r.text for r in zxingcpp.read_barcodes(_image(qr_lines))]
    assert decoded == [found.group(1)]
    assert "credential_offer_uri=" in decoded[0]  # the short link: a QR a phone can read
