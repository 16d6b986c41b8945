"""The microcred wallet against the OpenID4VCI 1.0 examples of shared/vectors/openid4vci-1.0
that test_openid4vci_client.py does not read: the issuer metadata example (served by a
stand-in network that answers only the well-known address) and the credential response
examples of every format (kept: dc+sd-jwt, ldp_vc, jwt_vc_json; refused by name: mso_mdoc)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from microcred.services.wallet.openid4vci_client import (
    ReceiveError,
    Session,
    credentials_of,
    issuer_metadata,
)
from microcred.services.wallet.openid4vci_receive import _extract
from microcred.verify.http_fetch import Network, OutboundFetcher, OutboundPolicy

VECTORS = Path(__file__).resolve().parents[3] / ".." / "shared" / "vectors" / "openid4vci-1.0"
ISSUER = "https://credential-issuer.example.com"


def _answer_body(name: str) -> dict:
    """The JSON body of an HTTP answer example; the specification folds long strings over
    lines (whitespace between JSON tokens is dropped with them: no value holds any)."""
    text = (VECTORS / name).read_text(encoding="utf-8")
    body = text[text.index("{") :]
    return json.loads(re.sub(r"\n\s*", "", body))


def _session(served: dict[str, bytes]) -> Session:
    def answer(request: httpx.Request) -> httpx.Response:
        found = served.get(str(request.url))
        if found is None:
            return httpx.Response(404)
        return httpx.Response(200, content=found, headers={"Content-Type": "application/json"})

    network = Network(
        resolve=lambda host, port: ["93.184.216.34"],  # a public address, never dialled
        transport=lambda pin: httpx.MockTransport(answer),
    )
    fetcher = OutboundFetcher(OutboundPolicy(["credential-issuer.example.com"]), network=network)
    return Session(fetcher, lambda: 1_700_000_000)


def test_the_long_issuer_metadata_example_is_read() -> None:
    raw = (VECTORS / "credential_issuer_metadata_sd_jwt_long.json").read_bytes()
    url = f"{ISSUER}/.well-known/openid-credential-issuer"
    metadata = issuer_metadata(_session({url: raw}), ISSUER)
    [configuration] = metadata["credential_configurations_supported"].values()
    assert configuration["format"] == "dc+sd-jwt"
    assert metadata["nonce_endpoint"].startswith(ISSUER)
    other = {url: raw.replace(ISSUER.encode(), b"https://other.example")}
    with pytest.raises(ReceiveError, match="not the issuer the offer names"):
        issuer_metadata(_session(other), ISSUER)


@pytest.mark.parametrize(
    ("name", "fmt", "kind"),
    [
        ("credential_response_sd_jwt_vc.txt", "dc+sd-jwt", "sd-jwt-vc"),
        ("credential_response_ldp_vc.txt", "ldp_vc", "vc-jsonld"),
        ("credential_response_jwt_vc_json.txt", "jwt_vc_json", "vc-jwt"),
    ],
)
def test_credential_response_examples_are_read(name: str, fmt: str, kind: str) -> None:
    [received] = credentials_of(_answer_body(name), "example", fmt)
    extracted, fields = _extract(received, None)
    assert extracted.kind == kind
    if fmt == "dc+sd-jwt":
        assert fields is not None and fields["title"]
        assert extracted.original.endswith("~")  # kept compact, the disclosures with it
        assert extracted.credential["vct"]  # the claims, disclosures in place


def test_the_mdoc_response_example_is_refused_by_name() -> None:
    [received] = credentials_of(_answer_body("credential_response_mso_mdoc.txt"), "mDL", "mso_mdoc")
    with pytest.raises(ReceiveError, match="'mso_mdoc' is not one the wallet keeps"):
        _extract(received, None)
