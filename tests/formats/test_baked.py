"""Baked badge images (PNG iTXt, SVG elements): bake, extract, and refuse corrupt or hostile input."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest

from microcred.formats.baked import (
    MAX_PNG_CHUNKS,
    OB2_SVG_NAMESPACE,
    OB3_SVG_NAMESPACE,
    PNG_SIGNATURE,
    BakedBadgeError,
    bake_png,
    bake_svg,
    extract_baked,
    extract_png,
    extract_svg,
)
from microcred.formats.ob2 import sign_ob2
from microcred.proofs.jose import sign_vc_jwt
from microcred.proofs.keys import Ed25519KeyPair

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ob2"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"

PNG = (FIXTURES / "badge.png").read_bytes()
SVG = (FIXTURES / "badge.svg").read_text()
OB3 = json.loads((SHARED / "ob3" / "1edtech-ob3-basic-openbadgecredential.json").read_text())
OB2 = json.loads((FIXTURES / "assertion-hosted.json").read_text())


def chunk(ctype: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(ctype + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", crc)


def chunks_of(png: bytes) -> list[tuple[bytes, bytes]]:
    out, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        out.append((png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return out


def png_with(*extra: bytes) -> bytes:
    """The fixture PNG with extra chunks right after IHDR."""
    ihdr_end = 8 + 12 + 13
    return PNG[:ihdr_end] + b"".join(extra) + PNG[ihdr_end:]


@pytest.fixture(scope="module")
def vc_jwt() -> str:
    return sign_vc_jwt(OB3, Ed25519KeyPair.generate(), kid="did:example:issuer#key-1")


# --- PNG round trips ------------------------------------------------------------------------


def test_png_ob3_json_round_trip() -> None:
    baked = bake_png(PNG, OB3)
    badge = extract_png(baked)
    assert (badge.image, badge.version, badge.content) == ("png", "ob3", "json")
    assert json.loads(badge.text) == OB3


def test_png_ob3_jwt_round_trip(vc_jwt: str) -> None:
    badge = extract_png(bake_png(PNG, vc_jwt))
    assert (badge.version, badge.content, badge.text) == ("ob3", "jwt", vc_jwt)


def test_png_ob2_json_and_signed_round_trip() -> None:
    badge = extract_png(bake_png(PNG, OB2))
    assert (badge.version, badge.content) == ("ob2", "json")
    assert json.loads(badge.text) == OB2
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = sign_ob2({**OB2, "verification": {"type": "signed"}}, key)
    badge = extract_png(bake_png(PNG, token))
    assert (badge.version, badge.content, badge.text) == ("ob2", "jwt", token)


def test_png_ob2_hosted_url_round_trip() -> None:
    badge = extract_png(bake_png(PNG, "https://badges.example.org/assertions/123"))
    assert (badge.version, badge.content) == ("ob2", "url")
    with pytest.raises(BakedBadgeError, match="not a URL"):
        bake_png(PNG, "https://example.org/x", version="ob3")


def test_baked_png_chunk_layout_follows_the_spec() -> None:
    baked = bake_png(PNG, OB3)
    chunks = chunks_of(baked)
    assert baked.startswith(PNG_SIGNATURE)
    assert [c[0] for c in chunks] == [b"IHDR", b"iTXt", b"IDAT", b"IEND"]
    body = chunks[1][1]
    keyword, rest = body.split(b"\0", 1)
    assert keyword == b"openbadgecredential"
    assert rest[:4] == b"\0\0\0\0"  # uncompressed, method 0, no language tag or translation
    assert json.loads(rest[4:]) == OB3


def test_baking_again_replaces_the_badge_and_keeps_one_chunk(vc_jwt: str) -> None:
    baked = bake_png(bake_png(bake_png(PNG, OB2), OB3), vc_jwt)
    texts = [c for c in chunks_of(baked) if c[0] == b"iTXt"]
    assert len(texts) == 1
    assert extract_png(baked).text == vc_jwt


def test_baked_png_still_decodes_as_an_image() -> None:
    image_module = pytest.importorskip("PIL.Image")
    import io

    with image_module.open(io.BytesIO(bake_png(PNG, OB3))) as image:
        image.load()
        assert image.size == (4, 4)
        assert json.loads(image.info["openbadgecredential"]) == OB3


def test_compressed_itxt_is_read_with_a_bound() -> None:
    text = json.dumps(OB3).encode()
    body = b"openbadgecredential\0\x01\x00\0\0" + zlib.compress(text)
    badge = extract_png(png_with(chunk(b"iTXt", body)))
    assert json.loads(badge.text) == OB3
    bomb = b"openbadgecredential\0\x01\x00\0\0" + zlib.compress(b" " * (6 * 1024 * 1024))
    with pytest.raises(BakedBadgeError, match="inflates past"):
        extract_png(png_with(chunk(b"iTXt", bomb)))


def test_first_badge_chunk_wins_and_legacy_text_url_is_read() -> None:
    first = chunk(b"iTXt", b"openbadges\0\0\0\0\0" + json.dumps(OB2).encode())
    second = chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0" + json.dumps(OB3).encode())
    assert extract_png(png_with(first, second)).version == "ob2"
    legacy = chunk(b"tEXt", b"openbadges\0https://badges.example.org/assertions/123")
    badge = extract_png(png_with(legacy))
    assert (badge.version, badge.content) == ("ob2", "url")


def test_unrelated_text_chunks_are_ignored() -> None:
    other = chunk(b"tEXt", b"Software\0an editor")
    baked = bake_png(png_with(other), OB3)
    assert extract_png(baked).version == "ob3"
    assert any(c[0] == b"tEXt" for c in chunks_of(baked))


# --- PNG errors -----------------------------------------------------------------------------


def test_png_without_badge() -> None:
    with pytest.raises(BakedBadgeError, match="this PNG has no embedded badge"):
        extract_png(PNG)


def test_not_a_png() -> None:
    with pytest.raises(BakedBadgeError, match="not a PNG"):
        extract_png(b"GIF89a....")
    with pytest.raises(BakedBadgeError, match="not an image"):
        extract_baked(b"\xff\xd8\xff\xe0 jpeg")


def test_bad_crc() -> None:
    baked = bytearray(bake_png(PNG, OB3))
    baked[8 + 25 + 30] ^= 0x01  # a byte inside the iTXt text
    with pytest.raises(BakedBadgeError, match="'iTXt' fails its CRC check"):
        extract_png(bytes(baked))


def test_truncated() -> None:
    baked = bake_png(PNG, OB3)
    with pytest.raises(BakedBadgeError, match="truncated PNG"):
        extract_png(baked[:60])
    with pytest.raises(BakedBadgeError, match="truncated PNG"):
        extract_png(baked[:-12])  # IEND cut off
    with pytest.raises(BakedBadgeError, match="truncated PNG"):
        bake_png(PNG[:-12], OB3)


def test_corrupt_chunk_structure() -> None:
    with pytest.raises(BakedBadgeError, match="first chunk is not IHDR"):
        extract_png(PNG_SIGNATURE + chunk(b"IDAT", b"") + chunk(b"IEND", b""))
    with pytest.raises(BakedBadgeError, match="claims"):
        extract_png(PNG_SIGNATURE + struct.pack(">I", 0xFFFFFFF0) + b"IHDR" + b"\0" * 20)
    with pytest.raises(BakedBadgeError, match="invalid chunk type"):
        extract_png(PNG_SIGNATURE + struct.pack(">I", 0) + b"\0\0\0\0" + b"\0" * 4)
    with pytest.raises(BakedBadgeError, match="cut short"):
        extract_png(png_with(chunk(b"iTXt", b"openbadges\0\0\0")))
    with pytest.raises(BakedBadgeError, match="not UTF-8"):
        extract_png(png_with(chunk(b"iTXt", b"openbadges\0\0\0\0\0\xff\xfe")))
    with pytest.raises(BakedBadgeError, match="neither JSON"):
        extract_png(png_with(chunk(b"iTXt", b"openbadges\0\0\0\0\0hello")))


def test_chunk_count_is_bounded() -> None:
    many = chunk(b"tIME", b"\0" * 7) * (MAX_PNG_CHUNKS + 1)
    with pytest.raises(BakedBadgeError, match="more than"):
        extract_png(png_with(many))


# --- SVG ------------------------------------------------------------------------------------


def test_svg_ob3_json_round_trip() -> None:
    baked = bake_svg(SVG, OB3)
    assert f'xmlns:openbadges="{OB3_SVG_NAMESPACE}"' in baked
    assert "<openbadges:credential><![CDATA[" in baked
    badge = extract_svg(baked)
    assert (badge.image, badge.version, badge.content) == ("svg", "ob3", "json")
    assert json.loads(badge.text) == OB3
    assert baked.index("<openbadges:credential") < baked.index("<title>")  # right after <svg>


def test_svg_ob3_jwt_goes_in_verify(vc_jwt: str) -> None:
    baked = bake_svg(SVG, vc_jwt)
    assert f'<openbadges:credential verify="{vc_jwt}"/>' in baked
    badge = extract_svg(baked.encode())
    assert (badge.version, badge.content, badge.text) == ("ob3", "jwt", vc_jwt)


def test_svg_ob2_json_with_verify_url() -> None:
    baked = bake_svg(SVG, OB2)
    assert f'xmlns:openbadges="{OB2_SVG_NAMESPACE}"' in baked
    assert f'<openbadges:assertion verify="{OB2["id"]}"><![CDATA[' in baked
    badge = extract_svg(baked)
    assert (badge.version, badge.content, badge.verify_url) == ("ob2", "json", OB2["id"])
    assert json.loads(badge.text) == OB2


def test_svg_ob2_signed_and_url_only() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    token = sign_ob2(OB2, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    badge = extract_svg(bake_svg(SVG, token))
    assert (badge.version, badge.content, badge.text) == ("ob2", "jwt", token)
    url_only = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB2_SVG_NAMESPACE}">'
        '<openbadges:assertion verify="https://badges.example.org/assertions/123"/></svg>'
    )
    badge = extract_svg(url_only)
    assert (badge.content, badge.verify_url) == ("url", "https://badges.example.org/assertions/123")


def test_svg_cdata_terminator_in_json_survives() -> None:
    credential = {**OB3, "name": "tricky ]]> name & <tag>"}
    assert json.loads(extract_svg(bake_svg(SVG, credential)).text) == credential


def test_svg_rebake_replaces_and_switches_namespace(vc_jwt: str) -> None:
    baked = bake_svg(bake_svg(SVG, OB2), vc_jwt)
    assert baked.count("openbadges:assertion") == 0
    assert baked.count("<openbadges:credential") == 1
    assert baked.count("xmlns:openbadges=") == 1
    assert extract_svg(baked).text == vc_jwt


def test_svg_with_plain_text_body_and_other_prefix() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="https://purl.imsglobal.org/ob/v3p0">'
        f"<ob:credential>{json.dumps(OB3).replace('&', '&amp;').replace('<', '&lt;')}"
        "</ob:credential></svg>"
    )
    assert json.loads(extract_svg(svg).text) == OB3


def test_svg_with_doctype_but_no_entities_is_fine() -> None:
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    )
    badge = extract_svg(bake_svg(svg, OB3))
    assert json.loads(badge.text) == OB3


def test_svg_without_badge_and_non_svg() -> None:
    with pytest.raises(BakedBadgeError, match="this SVG has no embedded badge"):
        extract_svg(SVG)
    with pytest.raises(BakedBadgeError, match="not an SVG"):
        extract_svg("<html><body/></html>")
    with pytest.raises(BakedBadgeError, match="not a well-formed SVG"):
        extract_svg("<svg xmlns='http://www.w3.org/2000/svg'><g></svg>")


def test_svg_billion_laughs_is_refused_without_expansion() -> None:
    lol = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    svg = (
        f'<?xml version="1.0"?><!DOCTYPE svg [{lol}]>'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_SVG_NAMESPACE}">'
        "<openbadges:credential>&lol9;</openbadges:credential></svg>"
    )
    # refused at the declaration, before any entity is expanded
    with pytest.raises(BakedBadgeError, match="declares XML entities"):
        extract_svg(svg)


def test_svg_external_entity_is_refused() -> None:
    svg = (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_SVG_NAMESPACE}">'
        "<openbadges:credential>&xxe;</openbadges:credential></svg>"
    )
    with pytest.raises(BakedBadgeError, match="entit"):
        extract_svg(svg)
    with pytest.raises(BakedBadgeError, match="entit"):
        bake_svg(svg, OB3)


def test_svg_size_is_bounded() -> None:
    huge = '<svg xmlns="http://www.w3.org/2000/svg">' + " " * (5 * 1024 * 1024) + "</svg>"
    with pytest.raises(BakedBadgeError, match="limited to 5 MB"):
        extract_svg(huge)
