"""Baked badge images: an Open Badges credential or assertion carried inside a PNG or SVG.

Follows the 1EdTech baking rules:

* Open Badges 3.0 (spec §5.3): a PNG ``iTXt`` chunk with keyword ``openbadgecredential``
  whose text is the credential JSON or the compact JWS of a VC-JWT; an SVG
  ``<openbadges:credential>`` element (namespace ``https://purl.imsglobal.org/ob/v3p0``)
  directly after ``<svg>``, with the JWS in its ``verify`` attribute, or else the JSON
  in its body wrapped in ``<![CDATA[...]]>``.
* Open Badges 2.0 (Baking 2.0): a PNG ``iTXt`` chunk with keyword ``openbadges`` whose text
  is the assertion JSON or a signed assertion (JWS); an SVG ``<openbadges:assertion>``
  element (namespace ``http://openbadges.org``) whose ``verify`` attribute is the JWS or
  the hosted assertion URL, with the assertion JSON in a CDATA body when one is baked.
  Legacy (1.0) PNGs carry the hosted assertion URL in a ``tEXt`` chunk ``openbadges``.

Compression MUST NOT be used when baking; compressed ``iTXt`` text is still read, with
a bounded inflate. Every chunk's CRC is checked, and sizes and chunk counts are bounded.
SVG is parsed with :mod:`defusedxml`: entity declarations and external references are
refused, never expanded.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import quoteattr

import defusedxml
import defusedxml.ElementTree as SafeET

from microcred.formats.inputs import MAX_DEPTH, MAX_INPUT_BYTES, depth_exceeds

__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "MAX_PNG_CHUNKS",
    "OB2_KEYWORD",
    "OB2_SVG_NAMESPACE",
    "OB3_KEYWORD",
    "OB3_SVG_NAMESPACE",
    "PNG_SIGNATURE",
    "BakedBadge",
    "BakedBadgeError",
    "bake_png",
    "bake_svg",
    "depth_exceeds",
    "extract_baked",
    "extract_png",
    "extract_svg",
    "is_png",
    "looks_like_svg",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB3_KEYWORD = "openbadgecredential"
OB2_KEYWORD = "openbadges"
OB3_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
OB2_SVG_NAMESPACE = "http://openbadges.org"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# Namespaces seen in the wild for the OB 3.0 element, read as well as the specified one.
_OB3_NAMESPACES = (OB3_SVG_NAMESPACE, "https://purl.imsglobal.org/spec/ob/v3p0", OB2_SVG_NAMESPACE)
_OB2_NAMESPACES = (OB2_SVG_NAMESPACE, OB3_SVG_NAMESPACE)

# The import path's bounds, from the one untrusted-input parser (`formats.inputs`).
MAX_PNG_CHUNKS = 10_000
MAX_CHUNK_BYTES = MAX_INPUT_BYTES
MAX_TEXT_BYTES = MAX_INPUT_BYTES

_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)

Version = Literal["ob3", "ob2"]
Content = Literal["json", "jwt", "url"]


class BakedBadgeError(ValueError):
    """The image is not a baked badge (or is corrupt); the message says why, in one line."""


@dataclass(frozen=True)
class BakedBadge:
    """What an image carries: the raw embedded text and how to read it.

    ``version`` is which baking rule put it there (``ob3``: ``openbadgecredential`` /
    ``<openbadges:credential>``; ``ob2``: ``openbadges`` / ``<openbadges:assertion>``);
    ``content`` says whether ``text`` is JSON, a compact JWS/JWT, or a URL of a hosted
    assertion. ``verify_url`` is an OB 2.0 SVG ``verify`` URL baked beside JSON.
    """

    image: Literal["png", "svg"]
    version: Version
    content: Content
    text: str
    verify_url: str | None = None


def _classify(text: str) -> Content | None:
    stripped = text.strip()
    if stripped.startswith("{"):
        return "json"
    if _JWS.match(stripped):
        return "jwt"
    if _URL.match(stripped):
        return "url"
    return None


# --- PNG ------------------------------------------------------------------------------------


def is_png(data: bytes) -> bool:
    return data[:8] == PNG_SIGNATURE


@dataclass(frozen=True)
class _Chunk:
    type: bytes
    data: bytes


def _read_chunks(data: bytes) -> list[_Chunk]:
    """Every chunk of a PNG datastream, CRC-checked, from IHDR to IEND."""
    if not is_png(data):
        raise BakedBadgeError("not a PNG image (the PNG signature is missing)")
    if len(data) > MAX_INPUT_BYTES:
        raise BakedBadgeError(
            f"the image is {len(data) / 1_048_576:.1f} MB; badge images are limited to "
            f"{MAX_INPUT_BYTES // 1_048_576} MB"
        )
    chunks: list[_Chunk] = []
    offset = len(PNG_SIGNATURE)
    while True:
        if len(chunks) >= MAX_PNG_CHUNKS:
            raise BakedBadgeError(f"corrupt PNG: more than {MAX_PNG_CHUNKS} chunks")
        if offset + 8 > len(data):
            raise BakedBadgeError("truncated PNG: the image ends before its IEND chunk")
        length, ctype = struct.unpack(">I4s", data[offset : offset + 8])
        name = ctype.decode("latin-1")
        if not ctype.isalpha() or not ctype.isascii():
            raise BakedBadgeError(f"corrupt PNG: invalid chunk type {name!r} at byte {offset}")
        if length > 0x7FFFFFFF or length > MAX_CHUNK_BYTES:
            raise BakedBadgeError(f"corrupt PNG: chunk {name!r} claims {length} bytes")
        end = offset + 8 + length + 4
        if end > len(data):
            raise BakedBadgeError(f"truncated PNG: chunk {name!r} runs past the end of the image")
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise BakedBadgeError(f"corrupt PNG: chunk {name!r} fails its CRC check")
        if not chunks and ctype != b"IHDR":
            raise BakedBadgeError("corrupt PNG: the first chunk is not IHDR")
        chunks.append(_Chunk(ctype, body))
        offset = end
        if ctype == b"IEND":
            return chunks


def _chunk_bytes(chunk: _Chunk) -> bytes:
    crc = zlib.crc32(chunk.type + chunk.data) & 0xFFFFFFFF
    return struct.pack(">I4s", len(chunk.data), chunk.type) + chunk.data + struct.pack(">I", crc)


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_TEXT_BYTES + 1)
    except zlib.error:
        raise BakedBadgeError("corrupt PNG: the compressed iTXt text does not inflate") from None
    if len(out) > MAX_TEXT_BYTES or inflater.unconsumed_tail:
        raise BakedBadgeError(
            f"the compressed iTXt text inflates past {MAX_TEXT_BYTES // 1_048_576} MB"
        )
    return out


def _itxt(body: bytes) -> tuple[str, str]:
    """``(keyword, text)`` of an iTXt chunk (PNG §11.3.4.5)."""
    keyword_end = body.find(b"\0")
    if not 1 <= keyword_end <= 79:
        raise BakedBadgeError("corrupt PNG: an iTXt chunk has no valid keyword")
    keyword = body[:keyword_end].decode("latin-1")
    rest = body[keyword_end + 1 :]
    if len(rest) < 2:
        raise BakedBadgeError(f"corrupt PNG: the iTXt chunk {keyword!r} is cut short")
    compressed, method = rest[0], rest[1]
    rest = rest[2:]
    lang_end = rest.find(b"\0")
    translated_end = rest.find(b"\0", lang_end + 1) if lang_end >= 0 else -1
    if lang_end < 0 or translated_end < 0:
        raise BakedBadgeError(f"corrupt PNG: the iTXt chunk {keyword!r} is cut short")
    raw = rest[translated_end + 1 :]
    if compressed not in (0, 1) or (compressed and method != 0):
        raise BakedBadgeError(f"corrupt PNG: the iTXt chunk {keyword!r} has a bad compression flag")
    if compressed:
        raw = _inflate(raw)
    try:
        return keyword, raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BakedBadgeError(f"corrupt PNG: the iTXt chunk {keyword!r} is not UTF-8") from None


def _text_keyword(chunk: _Chunk) -> str | None:
    if chunk.type in (b"iTXt", b"tEXt", b"zTXt"):
        end = chunk.data.find(b"\0")
        if end > 0:
            return chunk.data[:end].decode("latin-1")
    return None


def extract_png(data: bytes) -> BakedBadge:
    """The badge baked into a PNG: the first ``openbadgecredential`` / ``openbadges`` chunk."""
    for chunk in _read_chunks(data):
        keyword = _text_keyword(chunk)
        if keyword not in (OB3_KEYWORD, OB2_KEYWORD):
            continue
        version: Version = "ob3" if keyword == OB3_KEYWORD else "ob2"
        if chunk.type == b"iTXt":
            _, text = _itxt(chunk.data)
        elif chunk.type == b"tEXt" and version == "ob2":
            # Legacy (Open Badges 1.0) baking: the hosted assertion URL in a tEXt chunk.
            text = chunk.data[len(keyword) + 1 :].decode("latin-1")
        else:
            raise BakedBadgeError(
                f"the PNG carries {keyword!r} in a {chunk.type.decode()} chunk; "
                "baking uses an uncompressed iTXt chunk"
            )
        text = text.strip()
        content = _classify(text)
        if content is None:
            raise BakedBadgeError(
                f"the PNG's {keyword!r} chunk holds neither JSON, a JWS nor a URL"
            )
        if version == "ob3" and content == "url":
            raise BakedBadgeError(
                "the PNG's 'openbadgecredential' chunk holds a URL; Open Badges 3.0 bakes "
                "the credential itself"
            )
        return BakedBadge("png", version, content, text)
    raise BakedBadgeError(
        "this PNG has no embedded badge (no 'openbadgecredential' or 'openbadges' chunk)"
    )


def _itxt_chunk(keyword: str, text: str) -> _Chunk:
    body = keyword.encode("latin-1") + b"\0" + b"\0\0" + b"\0" + b"\0" + text.encode("utf-8")
    return _Chunk(b"iTXt", body)


def bake_png(
    image: bytes, credential: dict[str, Any] | str, *, version: Version | None = None
) -> bytes:
    """The PNG with the credential baked in (an uncompressed iTXt chunk right after IHDR).

    ``credential`` is the credential/assertion (a dict, or its JSON text), a compact JWS,
    or (OB 2.0 only) a hosted assertion URL. ``version`` picks the keyword; by default it
    is ``openbadges`` for an OB 2.0 assertion and ``openbadgecredential`` otherwise. Any
    badge already baked in is replaced.
    """
    text, version = _payload(credential, version)
    if version == "ob3" and _classify(text) == "url":
        raise BakedBadgeError("Open Badges 3.0 bakes the credential itself, not a URL")
    chunks = [c for c in _read_chunks(image) if _text_keyword(c) not in (OB3_KEYWORD, OB2_KEYWORD)]
    keyword = OB3_KEYWORD if version == "ob3" else OB2_KEYWORD
    chunks.insert(1, _itxt_chunk(keyword, text))
    return PNG_SIGNATURE + b"".join(_chunk_bytes(c) for c in chunks)


def _payload(credential: dict[str, Any] | str, version: Version | None) -> tuple[str, Version]:
    import json

    from microcred.formats.ob2 import decode_jws, is_ob2_assertion

    if isinstance(credential, dict):
        text = json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
        document: Any = credential
    elif isinstance(credential, str):
        text = credential.strip()
        content = _classify(text)
        if content is None:
            raise BakedBadgeError("the credential to bake is neither JSON, a JWS nor a URL")
        document = None
        if content == "json":
            try:
                document = json.loads(text)
            except ValueError:
                raise BakedBadgeError("the credential to bake is not valid JSON") from None
        elif content == "jwt":
            try:
                document = decode_jws(text)[1]
            except ValueError:
                document = None
        elif version is None:
            version = "ob2"
    else:
        raise BakedBadgeError("the credential to bake must be a dict or a string")
    if version is None:
        version = "ob2" if is_ob2_assertion(document) else "ob3"
    return text, version


# --- SVG ------------------------------------------------------------------------------------


def looks_like_svg(data: bytes | str) -> bool:
    head = data[:4096]
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    head = head.lstrip("\ufeff \t\r\n")
    return head.startswith("<") and "<svg" in head


def _parse_svg(data: bytes | str) -> Element:
    if len(data) > MAX_INPUT_BYTES:
        raise BakedBadgeError(
            f"the image is {len(data) / 1_048_576:.1f} MB; badge images are limited to "
            f"{MAX_INPUT_BYTES // 1_048_576} MB"
        )
    try:
        root: Element = SafeET.fromstring(
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except defusedxml.EntitiesForbidden:
        raise BakedBadgeError(
            "the SVG declares XML entities; they are refused (entity expansion attacks)"
        ) from None
    except defusedxml.ExternalReferenceForbidden:
        raise BakedBadgeError("the SVG refers to an external entity; it is refused") from None
    except defusedxml.DefusedXmlException as exc:
        raise BakedBadgeError(f"the SVG is refused: {exc}") from None
    except ParseError as exc:
        raise BakedBadgeError(f"not a well-formed SVG (XML error: {exc})") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise BakedBadgeError(f"not an SVG image (the root element is {root.tag!r})")
    return root


def _badge_element(root: Element) -> tuple[Version, Element] | None:
    names = {f"{{{ns}}}credential": "ob3" for ns in _OB3_NAMESPACES}
    names.update({f"{{{ns}}}assertion": "ob2" for ns in _OB2_NAMESPACES})
    for element in root.iter():
        version = names.get(str(element.tag))
        if version is not None:
            return ("ob3" if version == "ob3" else "ob2"), element
    return None


def extract_svg(data: bytes | str) -> BakedBadge:
    """The badge baked into an SVG: the first ``<openbadges:credential>`` / ``assertion``."""
    found = _badge_element(_parse_svg(data))
    if found is None:
        raise BakedBadgeError(
            "this SVG has no embedded badge (no <openbadges:credential> or "
            "<openbadges:assertion> element)"
        )
    version, element = found
    body = "".join(element.itertext()).strip()
    verify = (element.get("verify") or "").strip()
    tag = "credential" if version == "ob3" else "assertion"
    if version == "ob3":
        text = verify or body
        content = _classify(text)
        if content not in ("json", "jwt"):
            raise BakedBadgeError(
                f"the SVG's <openbadges:{tag}> holds neither credential JSON nor a JWT"
            )
        return BakedBadge("svg", "ob3", content, text)
    if body:
        content = _classify(body)
        if content != "json":
            # Not per spec, but seen: the JWS or URL as the body.
            if content is None:
                raise BakedBadgeError(
                    f"the SVG's <openbadges:{tag}> body is neither JSON, a JWS nor a URL"
                )
        url = verify if _classify(verify) == "url" else None
        return BakedBadge("svg", "ob2", content, body, verify_url=url)
    content = _classify(verify)
    if content is None or content == "json":
        raise BakedBadgeError(
            f"the SVG's <openbadges:{tag}> has no body and its 'verify' attribute is "
            "neither a signed assertion nor a URL"
        )
    return BakedBadge(
        "svg", "ob2", content, verify, verify_url=verify if content == "url" else None
    )


_SVG_START = re.compile(r"""<svg\b(?:[^>"']|"[^"]*"|'[^']*')*>""")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _root_start(svg: str) -> re.Match[str]:
    comments = [m.span() for m in _COMMENT.finditer(svg)]
    for match in _SVG_START.finditer(svg):
        if not any(a <= match.start() < b for a, b in comments):
            return match
    raise BakedBadgeError("not an SVG image (no <svg> start tag)")


def _strip_baked(svg: str) -> str:
    """The SVG without any baked element (prefixes bound to an Open Badges namespace)."""
    namespaces = "|".join(re.escape(ns) for ns in {*_OB3_NAMESPACES, *_OB2_NAMESPACES})
    prefixes = set(re.findall(rf"""xmlns:([\w.-]+)\s*=\s*["'](?:{namespaces})["']""", svg))
    for prefix in prefixes:
        p = re.escape(prefix)
        svg = re.sub(
            rf"""\s*<{p}:(credential|assertion)\b(?:[^>"']|"[^"]*"|'[^']*')*?/>""", "", svg
        )
        svg = re.sub(
            rf"""\s*<{p}:(credential|assertion)\b(?:[^>"']|"[^"]*"|'[^']*')*>.*?</{p}:\1\s*>""",
            "",
            svg,
            flags=re.DOTALL,
        )
    return svg


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def bake_svg(svg: str, credential: dict[str, Any] | str, *, version: Version | None = None) -> str:
    """The SVG with the credential baked in, directly after the ``<svg>`` start tag.

    OB 3.0: ``<openbadges:credential verify="JWS"/>`` for a VC-JWT, else the JSON in a
    CDATA body. OB 2.0: ``<openbadges:assertion verify="...">`` with the JWS (no body),
    a hosted URL (no body), or the assertion JSON in a CDATA body and its hosted URL (the
    assertion ``id``, when an HTTP URL) in ``verify``. Any badge already baked is replaced.
    """
    import json

    _parse_svg(svg)
    text, version = _payload(credential, version)
    content = _classify(text)
    svg = _strip_baked(svg)
    start = _root_start(svg)
    tag = start.group(0)
    tag = re.sub(r"""\s+xmlns:openbadges\s*=\s*("[^"]*"|'[^']*')""", "", tag)
    namespace = OB3_SVG_NAMESPACE if version == "ob3" else OB2_SVG_NAMESPACE
    closing = "/>" if tag.endswith("/>") else ">"
    tag = tag[: -len(closing)].rstrip() + f' xmlns:openbadges="{namespace}"' + closing
    if version == "ob3":
        if content == "url":
            raise BakedBadgeError("Open Badges 3.0 bakes the credential itself, not a URL")
        if content == "jwt":
            element = f"<openbadges:credential verify={quoteattr(text)}/>"
        else:
            element = f"<openbadges:credential>{_cdata(text)}</openbadges:credential>"
    elif content == "json":
        document = json.loads(text)
        hosted = document.get("id") if isinstance(document, dict) else None
        verify = (
            f" verify={quoteattr(hosted)}" if isinstance(hosted, str) and _URL.match(hosted) else ""
        )
        element = f"<openbadges:assertion{verify}>{_cdata(text)}</openbadges:assertion>"
    else:
        element = f"<openbadges:assertion verify={quoteattr(text)}/>"
    if closing == "/>":  # <svg .../>: an empty image, give it a body
        baked = svg[: start.start()] + tag[:-2] + ">" + element + "</svg>" + svg[start.end() :]
    else:
        baked = svg[: start.start()] + tag + "\n  " + element + svg[start.end() :]
    _parse_svg(baked)
    return baked


# --- either ---------------------------------------------------------------------------------


def extract_baked(data: bytes) -> BakedBadge:
    """The badge baked into a PNG or SVG image."""
    if is_png(data):
        return extract_png(data)
    if looks_like_svg(data):
        return extract_svg(data)
    raise BakedBadgeError("not an image that can carry a badge (only PNG and SVG are baked)")
