"""Web tests: the app (API + pages) under uvicorn on 127.0.0.1 with a free port and a temporary
SQLite instance, driven by Debian's Chromium through Playwright (never a downloaded browser).

``scripts/web-test-deps.sh`` (``make web-test-deps``) installs ``/usr/bin/chromium``; without it
these tests are skipped, unless ``CI`` is set, where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from microcred.api import create_app
from microcred.model.files import load_data
from microcred.services import credentials, holders, organisations, specifications, tokens, wallet
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.settings import Settings
from microcred.web import mount
from tests.live_server import free_port, running_app

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "src" / "microcred" / "data" / "examples" / "specs"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "correct horse battery"
CHROME_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: run `make web-test-deps`")
    pytest.skip(f"{CHROMIUM} is missing: run scripts/web-test-deps.sh", allow_module_level=True)


_free_port = free_port  # other web tests import it from here


@dataclass
class Site:
    url: str
    instance: Instance
    org_slug: str
    token: str
    spec_id: str
    home: Path

    def issue(self, name: str, email: str, *, day: str = "2026-03-02") -> credentials.IssuedView:
        return credentials.issue(
            self.instance,
            self.org_slug,
            self.spec_id,
            IssueRequest(learner_name=name, learner_id=email, issued_on=day, grade="9"),
        )

    def holder(self, handle: str, name: str = "Anna Bērziņa") -> holders.HolderView:
        return holders.create(self.instance, name=name, handle=handle, password=PASSWORD)

    def give(self, handle: str, view: credentials.IssuedView) -> wallet.WalletItem:
        document = view.credential()
        raw = document if isinstance(document, str) else json.dumps(document)
        item, _ = wallet.import_bytes(self.instance, handle, raw.encode())
        return item


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    home = Path(tempfile.mkdtemp(prefix="microcred-web-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        home=home, database_url=f"sqlite:///{home / 'web.db'}", secret_key="web-test", base_url=url
    )
    app = create_app(settings)
    mount(app)
    instance: Instance = app.state.instance
    org = organisations.create(
        instance, name="Latvijas Universitāte", country="LV", url="https://www.lu.example.lv"
    )
    _, secret = tokens.create(instance, org.slug, "console", ["issue", "revoke", "read", "admin"])
    spec = specifications.publish(
        instance, org.slug, load_data(SPECS / "university-data-analysis.yaml")
    )
    with running_app(app, port, lifespan="on"):
        yield Site(url, instance, org.slug, secret, spec.id, home)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROME_ARGS}


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, Any]:
    return {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}


@pytest.fixture()
def phone(browser: Any) -> Iterator[Any]:
    """A page 390 px wide, as on a phone."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    page = context.new_page()
    yield page
    context.close()


def wallet_sign_in(page: Any, url: str, handle: str, password: str = PASSWORD) -> None:
    """Sign ``page`` in to the wallet at ``url`` as ``handle`` (the form's ids: any language)."""
    page.goto(url + "/wallet/login")
    page.locator("#handle").fill(handle)
    page.locator("#password").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(url + "/wallet**")


def console_sign_in(page: Any, site: Site, lang: str = "en") -> None:
    """Sign ``page`` in to the console of ``site`` with its API token, the pages in ``lang``."""
    page.goto(site.url + f"/console/login?lang={lang}")
    page.locator("#token").fill(site.token)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(site.url + "/console**")


def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def assert_accessible(page: Any) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")  # a click may have just started a navigation
    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)


def assert_fits(page: Any) -> None:
    """Nothing wider than the viewport (no sideways scrolling of the page)."""
    page.wait_for_load_state("load")  # a click may have just started a navigation
    width = page.evaluate("document.documentElement.scrollWidth")
    # The viewport the context was opened with, not window.innerWidth: in a mobile context
    # (is_mobile) Chromium widens the layout viewport, and innerWidth with it, to the widest
    # content, so a page 490 px wide would have "fitted" a 490 px innerWidth on a 390 px phone.
    inner = page.viewport_size["width"]
    assert width <= inner + 1, f"page is {width}px wide in a {inner}px viewport"
