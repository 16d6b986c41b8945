"""QR codes (segno) and the LinkedIn "Add to profile" link."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest
import zxingcpp
from PIL import Image

from microcred.documents import add_to_profile_url, qr_png, qr_svg

URL = "https://wallet.example.eu/verify/c/8f14e45f?lang=lv&x=ā"


def _decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_qr_png_is_a_png_that_decodes_to_the_url():
    png = qr_png(URL)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert _decode(image) == [URL]
    # a white quiet zone of 4 modules (8 px each) around the symbol
    grey = image.convert("L")
    assert all(grey.getpixel((x, 0)) == 255 for x in range(grey.width))
    assert all(grey.getpixel((31, y)) == 255 for y in range(grey.height))


def test_qr_uses_error_correction_m():
    result = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(URL))))[0]
    assert result.ec_level == "M"


def test_qr_svg_is_an_svg_document():
    svg = qr_svg(URL, title="Verify")
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") and root.get("height")
    assert "<path" in svg


def test_qr_needs_a_url():
    with pytest.raises(ValueError):
        qr_png("  ")


def test_linkedin_url_has_the_documented_parameters_encoded():
    url = add_to_profile_url(
        name="Metināšana & griešana: MIG/MAG",
        organization_name="Rīgas Tehniskā koledža & partneri",
        issue_date=date(2025, 3, 14),
        cert_url="https://wallet.example.eu/verify/c/1?lang=lv&view=full",
        cert_id="urn:uuid:8f14e45f-ceea-467f-a0e6-1c5b7b3e9a21",
        expiration_date=date(2027, 1, 31),
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    assert " " not in url and "ā" not in url
    assert parts.query.count("&") == 8  # nine parameters; the & inside values are encoded
    params = dict(parse_qsl(parts.query, strict_parsing=True))
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Metināšana & griešana: MIG/MAG",
        "organizationName": "Rīgas Tehniskā koledža & partneri",
        "issueYear": "2025",
        "issueMonth": "3",
        "expirationYear": "2027",
        "expirationMonth": "1",
        "certUrl": "https://wallet.example.eu/verify/c/1?lang=lv&view=full",
        "certId": "urn:uuid:8f14e45f-ceea-467f-a0e6-1c5b7b3e9a21",
    }
    assert "name=Metin%C4%81%C5%A1ana%20%26%20grie%C5%A1ana%3A%20MIG%2FMAG" in url


def test_linkedin_url_leaves_out_unknown_optional_parameters():
    url = add_to_profile_url(
        name="Data analysis with Python",
        organization_name="University of Latvia",
        issue_date=date(2024, 12, 1),
        cert_url="https://wallet.example.eu/v/2",
    )
    params = dict(parse_qsl(urlsplit(url).query))
    assert set(params) == {
        "startTask",
        "name",
        "organizationName",
        "issueYear",
        "issueMonth",
        "certUrl",
    }
    assert params["issueMonth"] == "12"


def test_linkedin_url_with_organization_id():
    url = add_to_profile_url(
        name="X",
        organization_name="Y",
        issue_date=date(2024, 1, 1),
        cert_url="https://e.example/1",
        organization_id=1337,
    )
    assert dict(parse_qsl(urlsplit(url).query))["organizationId"] == "1337"


def test_linkedin_url_needs_a_name_and_an_organisation():
    with pytest.raises(ValueError):
        add_to_profile_url(
            name=" ", organization_name="Y", issue_date=date(2024, 1, 1), cert_url="https://e/1"
        )
    with pytest.raises(ValueError):
        add_to_profile_url(
            name="X", organization_name="", issue_date=date(2024, 1, 1), cert_url="https://e/1"
        )
