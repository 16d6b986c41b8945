"""/docs and /redoc work offline (issue 17, point 7): every script, style sheet and icon they
load is served by this instance from the installed package, none from a CDN."""

from __future__ import annotations

import re

import pytest

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")
SCRIPT_ISH = re.compile(r"""['"](https?://[^'"]+)['"]""")


@pytest.mark.parametrize(
    ("path", "needed"),
    [("/docs", {"swagger-ui-bundle.js", "swagger-ui.css"}), ("/redoc", {"redoc.standalone.js"})],
)
def test_documentation_loads_nothing_from_elsewhere(client, path, needed):
    page = client.get(path)
    assert page.status_code == 200
    loaded = ASSET.findall(page.text)
    assert needed <= {url.rsplit("/", 1)[-1] for url in loaded}, loaded
    for url in loaded:
        assert url.startswith("/docs-assets/"), f"{path} loads {url}"
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1000, url
    assert not [u for u in SCRIPT_ISH.findall(page.text) if "cdn" in u or "fonts" in u]
    assert "/openapi.json" in page.text


def test_the_assets_are_scripts_and_styles(client):
    script = client.get("/docs-assets/swagger-ui-bundle.js")
    assert "javascript" in script.headers["content-type"]
    assert "css" in client.get("/docs-assets/swagger-ui.css").headers["content-type"]
    assert "javascript" in client.get("/docs-assets/redoc.standalone.js").headers["content-type"]
    assert client.get("/docs-assets/../pyproject.toml").status_code == 404
