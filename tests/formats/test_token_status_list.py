"""IETF Token Status List encoding (draft-ietf-oauth-status-list-14 §4, §5, §6.2): the
draft's examples decode to the statuses the draft gives; round trips at 1, 2, 4 and 8
bits; bounded, strict decompression; the token claims and the reference are checked."""

from __future__ import annotations

import base64
import gzip
import json
import random
import re
import zlib
from pathlib import Path

import pytest

from microcred.formats.token_status_list import (
    MAX_LIST_BYTES,
    TokenStatusListError,
    decompress,
    encode,
    get_status,
    new_list,
    read_reference,
    read_token_claims,
    reference_claim,
    set_status,
    status_list_object,
    statuses,
    token_claims,
)

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "token-status-list"
SIZE = 2**20  # "All examples are initialized with a size of 2^20 entries" (draft §A)


def _example(name: str) -> dict[str, object]:
    """The JSON object of an example file (the draft wraps long `lst` values)."""
    text = (VECTORS / name).read_text()
    found = re.search(r"\{.*\}", text, re.S)
    assert found, name
    return json.loads(re.sub(r"\s+", "", found.group(0)))


def _nonzero(raw: bytes, bits: int) -> dict[int, int]:
    return {i: v for i, v in enumerate(statuses(raw, bits)) if v}


def test_the_draft_short_examples_decode_lsb_first():
    one = _example("status_list_encoding_json.md")
    raw = decompress(one["lst"])
    assert raw == bytes([0xB9, 0xA3])  # the draft's byte_array
    assert statuses(raw, 1) == [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
    two = _example("status_list_encoding2_json.md")
    raw = decompress(two["lst"])
    assert raw == bytes([0xC9, 0x44, 0xF9])
    assert two["bits"] == 2
    assert statuses(raw, 2) == [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
    assert get_status(raw, 3, 2) == 3 and get_status(raw, 1, 2) == 2


# draft -14 Appendix A (the same in -20): the statuses that are not 0
LONG = {
    ("status_list_encoding1_long_json.md", 1): {
        0: 1, 1993: 1, 25460: 1, 159495: 1, 495669: 1, 554353: 1,
        645645: 1, 723232: 1, 854545: 1, 934534: 1, 1000345: 1,
    },
    ("status_list_encoding2_long_json.md", 2): {
        0: 1, 1993: 2, 25460: 1, 159495: 3, 495669: 1, 554353: 1,
        645645: 2, 723232: 1, 854545: 1, 934534: 2, 1000345: 3,
    },
    ("status_list_encoding4_json.md", 4): {
        0: 1, 1993: 2, 35460: 3, 459495: 4, 595669: 5, 754353: 6, 845645: 7, 923232: 8,
        924445: 9, 934534: 10, 1004534: 11, 1000345: 12, 1030203: 13, 1030204: 14,
        1030205: 15,
    },
}  # fmt: skip


@pytest.mark.parametrize(("name", "bits"), list(LONG), ids=[n for n, _ in LONG])
def test_the_draft_long_examples_decode_to_its_statuses(name, bits):
    example = _example(name)
    assert example["bits"] == bits
    raw = decompress(example["lst"])
    assert len(raw) * 8 // bits == SIZE
    assert _nonzero(raw, bits) == LONG[(name, bits)]


def test_the_draft_8_bit_example_holds_every_value_once():
    example = _example("status_list_encoding8_json.md")
    raw = decompress(example["lst"])
    assert len(raw) == SIZE
    found = _nonzero(raw, 8)
    # the draft sets 256 indexes to 0..255; 0 is the default, so 255 are not 0
    assert sorted(found.values()) == list(range(1, 256))
    for index, value in {52451: 1, 576778: 2, 513575: 3, 468106: 4, 13628: 20}.items():
        assert get_status(raw, index, 8) == value
    assert get_status(raw, 233478, 8) == 0


def test_the_draft_token_example_is_read():
    raw_token = "".join((VECTORS / "status_list_jwt_raw.md").read_text().split())
    header, payload, _ = raw_token.split(".")

    def part(text: str) -> dict[str, object]:
        return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))

    assert part(header)["typ"] == "statuslist+jwt"
    claims = read_token_claims(part(payload))
    assert claims.sub == "https://example.com/statuslists/1"
    assert (claims.bits, claims.ttl, claims.exp) == (1, 43200, 2291720170)
    assert statuses(claims.list_bytes(), 1)[:4] == [1, 0, 0, 1]


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_round_trip(bits):
    rng = random.Random(bits)
    values = [rng.randrange(1 << bits) if rng.random() < 0.2 else 0 for _ in range(5000)]
    raw = encode(values, bits)
    assert len(raw) == (5000 * bits + 7) // 8
    lst = status_list_object(raw, bits)["lst"]
    assert "=" not in lst and "+" not in lst and "/" not in lst
    assert zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4))) == raw
    back = decompress(lst)
    assert statuses(back, bits)[:5000] == values
    index = next(i for i, v in enumerate(values) if v)
    set_status(raw, index, bits, 0)
    assert get_status(raw, index, bits) == 0
    assert get_status(raw, index + 1, bits) == values[index + 1]  # neighbours untouched


def test_bit_positions_by_hand():
    raw = new_list(8, 2)
    set_status(raw, 0, 2, 1)
    assert raw == bytearray([0x01, 0x00])
    set_status(raw, 3, 2, 3)
    assert raw == bytearray([0xC1, 0x00])
    set_status(raw, 5, 2, 2)
    assert raw[1] == 0b0000_1000
    one = new_list(16, 1)
    set_status(one, 15, 1, 1)
    assert one == bytearray([0x00, 0x80])  # the highest bit of the second byte


@pytest.mark.parametrize(
    ("bits", "index", "value"), [(2, 0, 4), (1, 0, 2), (3, 0, 1), (2, 8, 1), (2, -1, 1)]
)
def test_out_of_range_values_and_indexes_are_refused(bits, index, value):
    raw = new_list(8, 2)
    with pytest.raises(TokenStatusListError):
        set_status(raw, index, bits, value)


def test_index_past_the_end_names_idx():
    with pytest.raises(TokenStatusListError) as caught:
        get_status(bytes(2), 16, 1)
    assert caught.value.field == "idx" and "out of bounds" in str(caught.value)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    bomb = _b64(zlib.compress(bytes(MAX_LIST_BYTES + 1), 9))
    assert len(bomb) < 10_000
    with pytest.raises(TokenStatusListError, match="more than") as caught:
        decompress(bomb)
    assert caught.value.field == "lst"
    assert len(decompress(_b64(zlib.compress(bytes(1000))), max_bytes=1000)) == 1000
    with pytest.raises(TokenStatusListError):
        decompress(_b64(zlib.compress(bytes(1001))), max_bytes=1000)


@pytest.mark.parametrize(
    "lst",
    [
        _b64(gzip.compress(b"\x00" * 16)),  # GZIP (the Bitstring list's format), not ZLIB
        _b64(zlib.compress(b"\x00" * 16)[2:-4]),  # raw DEFLATE, no ZLIB header
        _b64(zlib.compress(b"\x00" * 64)[:-3]),  # truncated
        _b64(zlib.compress(b"\x00" * 16) + b"extra"),  # bytes after the stream
        base64.b64encode(zlib.compress(b"\xff\xfe" * 40)).decode(),  # padded standard base64
        "",
        "not base64!",
    ],
    ids=["gzip", "raw-deflate", "truncated", "trailing", "std-base64", "empty", "garbage"],
)
def test_malformed_lst_is_refused(lst):
    with pytest.raises(TokenStatusListError) as caught:
        decompress(lst)
    assert caught.value.field == "lst"


def test_token_claims_and_their_checks():
    claims = token_claims(
        "https://issuer.example/statuslists/rtk/1",
        status_list_object(new_list(16, 2), 2),
        iat=1_700_000_000,
        exp=1_700_086_400,
        ttl=300,
    )
    assert list(claims) == ["sub", "iat", "exp", "ttl", "status_list"]
    read = read_token_claims(claims)
    assert (read.bits, read.ttl, read.aggregation_uri) == (2, 300, None)
    for field, value in [
        ("sub", None),
        ("sub", "not a uri"),
        ("iat", None),
        ("iat", "yesterday"),
        ("exp", True),
        ("ttl", 0),
        ("ttl", -5),
        ("status_list", None),
        ("status_list", {"bits": 3, "lst": "eNrbuRgAAhcBXQ"}),
        ("status_list", {"bits": 1}),
        ("status_list", {"bits": 1, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": 7}),
    ]:
        broken = {**claims, field: value}
        if value is None:
            del broken[field]
        with pytest.raises(TokenStatusListError):
            read_token_claims(broken)
    with pytest.raises(TokenStatusListError):
        read_token_claims(["not", "an", "object"])


def test_reference():
    uri = "https://issuer.example/statuslists/rtk/1"
    ref = read_reference(reference_claim(7, uri))
    assert ref is not None and (ref.idx, ref.uri) == (7, uri)
    assert read_reference(None) is None
    assert read_reference({"other_mechanism": {}}) is None
    for bad in (
        "text",
        {"status_list": []},
        {"status_list": {"idx": -1, "uri": uri}},
        {"status_list": {"idx": True, "uri": uri}},
        {"status_list": {"idx": "7", "uri": uri}},
        {"status_list": {"idx": 7}},
        {"status_list": {"idx": 7, "uri": "no scheme"}},
    ):
        with pytest.raises(TokenStatusListError):
            read_reference(bad)


# the CBOR forms of the same examples (draft -14 §4.3, §5.2, §6.3): microcred serves and reads
# the JWT forms; the CBOR ones must carry the same compressed list, which our decoder reads
CBOR_TWINS = {
    "status_list_encoding_cbor.md": "status_list_encoding_json.md",
    "status_list_encoding2_cbor.md": "status_list_encoding2_json.md",
    "status_list_encoding1_long_cbor.md": "status_list_encoding1_long_json.md",
    "status_list_encoding2_long_cbor.md": "status_list_encoding2_long_json.md",
    "status_list_encoding4_cbor.md": "status_list_encoding4_json.md",
    "status_list_encoding8_cbor.md": "status_list_encoding8_json.md",
}


def _cbor(name: str) -> object:
    """The CBOR item of an example file: its hex lines (the diagnostic twin annotates them)."""
    import cbor2

    hexed = "".join(
        line.strip()
        for line in (VECTORS / name).read_text().splitlines()
        if re.fullmatch(r"[0-9a-f]+", line.strip())
    )
    diag = (VECTORS / name.replace(".md", "_diag.md")).with_suffix(".md")
    if diag.exists():  # the annotated twin: the same bytes as its first column
        annotated = "".join(
            line.split("#", 1)[0].replace(" ", "") for line in diag.read_text().splitlines()
        )
        assert annotated == hexed, name
    return cbor2.loads(bytes.fromhex(hexed))


def _b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize("name", list(CBOR_TWINS))
def test_the_cbor_examples_carry_the_same_lists(name):
    item = _cbor(name)
    assert isinstance(item, dict) and set(item) == {"bits", "lst"}
    twin = _example(CBOR_TWINS[name])
    assert item["bits"] == twin["bits"]
    assert decompress(_b64u(item["lst"])) == decompress(twin["lst"])


def test_the_cwt_examples_decode_to_the_drafts_statuses_and_reference():
    import cbor2

    token = _cbor("status_list_cwt.md")
    assert isinstance(token, cbor2.CBORTag) and token.tag == 18  # COSE_Sign1
    protected, _, payload, _ = token.value
    assert cbor2.loads(protected)[16] == "application/statuslist+cwt"  # typ
    claims = cbor2.loads(payload)
    assert claims[2] == "https://example.com/statuslists/1"  # sub
    assert (claims[65534], claims[65533]["bits"]) == (43200, 1)  # ttl, status_list
    raw = decompress(_b64u(claims[65533]["lst"]))
    assert statuses(raw, 1)[:16] == [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
    referenced = _cbor("referenced_token_cwt.md")
    assert isinstance(referenced, cbor2.CBORTag) and referenced.tag == 18
    status = cbor2.loads(referenced.value[2])[65535]  # the status claim
    reference = read_reference(status)
    assert reference is not None
    assert (reference.idx, reference.uri) == (0, "https://example.com/statuslists/1")


def test_the_jwt_example_decoded_is_the_raw_token():
    decoded = (VECTORS / "status_list_jwt.md").read_text()
    header, payload = (json.loads(part) for part in decoded.split("\n.\n"))
    raw_token = "".join((VECTORS / "status_list_jwt_raw.md").read_text().split())
    parts = [
        json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
        for p in raw_token.split(".")[:2]
    ]
    assert parts[0] == header
    # the raw token of the shared vectors (an earlier draft's) also carries iss; the rest agrees
    assert {k: v for k, v in parts[1].items() if k != "iss"} == payload
    assert read_token_claims(payload).sub == payload["sub"]
