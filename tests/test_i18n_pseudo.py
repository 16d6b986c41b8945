"""A third language is a catalogue, not a code change: a pseudo-locale made at test time from
the message ids of the catalogues (every text becomes "⟦…⟧") shows on every surface (web
pages, the share page, a PDF, the CLI report) with no user-facing text left untranslated.

The pseudo-locale is Esperanto (``eo``): a language Babel has dates and numbers for, which the
package has no catalogue of.
"""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from pypdf import PdfReader

from microcred import i18n

PSEUDO = "eo"
MARKED = re.compile(r"⟦[^⟦⟧]*⟧", re.S)
# What may stay unmarked: data values (names, dates, ids, numbers, addresses) are removed
# before the check; what is left must hold no word.
WORD = re.compile(r"[^\W\d_]{2,}")


def _pseudo(message: str) -> str:
    return f"⟦{message}⟧"


@pytest.fixture(scope="module")
def pseudo_catalogues(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The package's catalogues plus a pseudo-locale of every message id."""
    root = tmp_path_factory.mktemp("translations")
    source = i18n.TRANSLATIONS_DIR
    for lang_dir in source.iterdir():
        mo = lang_dir / "LC_MESSAGES" / "messages.mo"
        if mo.is_file():
            (root / lang_dir.name / "LC_MESSAGES").mkdir(parents=True)
            (root / lang_dir.name / "LC_MESSAGES" / "messages.mo").write_bytes(mo.read_bytes())
    with (source / "lv" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        ids = read_po(handle)
    catalog = Catalog(locale=PSEUDO)
    for message in ids:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            string: Any = tuple(_pseudo(m) for m in message.id)
            catalog.add(tuple(message.id), string, context=message.context)
        else:
            catalog.add(message.id, _pseudo(message.id), context=message.context)
    out = root / PSEUDO / "LC_MESSAGES"
    out.mkdir(parents=True)
    with (out / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    with i18n.use_catalogues(root):
        assert PSEUDO in i18n.languages()
        yield root


def _unmarked(text: str, data: list[str]) -> list[str]:
    """The words of `text` outside every "⟦…⟧" once the data values are taken out."""
    rest = re.sub(r"\s+", " ", text)
    while MARKED.search(rest):  # innermost first: a translated value inside a translated text
        rest = MARKED.sub(" ", rest)
    for value in sorted((d for d in data if d), key=len, reverse=True):
        pattern = r"\s+".join(re.escape(part) for part in value.split())
        rest = re.sub(rf"(?<!\w){pattern}(?!\w)", " ", rest)
    rest = re.sub(r"https?://\S+|urn:\S+|did:\S+|\S+@\S+", " ", rest)
    return WORD.findall(rest)


class _Visible(HTMLParser):
    """The visible text nodes of a page, and the texts of its title/label attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "pre", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data)


def _page_words(html: str, data: list[str]) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    found: list[str] = []
    for text in parser.texts:
        found += _unmarked(text, data)
    return found


# --- the data a page shows as it is --------------------------------------------------------

LEARNER = "Anna Bērziņa"
LANGUAGE_NAMES = ["English", "Latviešu", "Esperanto", "microcred", "mc_…"]  # and a token prefix


@pytest.fixture(scope="module")
def credential() -> dict[str, Any]:
    from microcred.proofs.keys import Ed25519KeyPair
    from microcred.services.issuing import issue_award
    from tests.verify.conftest import make_award

    return issue_award(
        make_award(learner={"name": LEARNER, "identifier": "mailto:anna@example.lv"}),
        Ed25519KeyPair.generate(),
    )


def _data_of(document: Any) -> list[str]:
    """Every string in a credential (its titles, names, texts and ids are data), its dates as
    the page formats them, and Babel's names of its countries and languages."""
    from babel import Locale

    if isinstance(document, dict):
        return [s for v in document.values() for s in _data_of(v)]
    if isinstance(document, list):
        return [s for v in document for s in _data_of(v)]
    if not isinstance(document, str | int | float):
        return []
    text = str(document)
    found = [text, i18n.translator(PSEUDO).date(text)]
    locale = Locale.parse(PSEUDO)
    if len(text) == 2 and text.isalpha():
        found += [locale.territories.get(text.upper(), ""), locale.languages.get(text, "")]
    return found


def _report(credential: dict[str, Any]) -> Any:
    from datetime import UTC, datetime

    from microcred.verify import VerifierContext, verify_credential

    return verify_credential(credential, VerifierContext(now=datetime.now(UTC)))


def _messages_of(report: Any) -> list[str]:
    """The verifier's own sentences: the verify page shows each under its plain-language
    meaning, as a technical detail (the share page and the CLI show the meaning only)."""
    checks = report.get("checks", []) if isinstance(report, dict) else report.checks
    return [c["message"] if isinstance(c, dict) else c.message for c in checks]


@pytest.fixture(scope="module")
def app_client(pseudo_catalogues: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from fastapi.testclient import TestClient

    from microcred.api import create_app
    from microcred.settings import Settings
    from microcred.web import mount

    home = tmp_path_factory.mktemp("pseudo")
    app = create_app(
        Settings(
            home=home,
            database_url=f"sqlite:///{home / 'db.sqlite'}",
            secret_key="pseudo-locale",
            base_url="http://testserver",
        )
    )
    mount(app)
    with TestClient(app) as client:
        yield client


def _csrf(client: Any, path: str) -> str:
    page = client.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found.group(1)


@pytest.mark.parametrize("path", ["/", "/wallet/login", "/console/login"])
def test_web_pages_are_all_in_the_catalogue(app_client: Any, path: str):
    page = app_client.get(path, params={"lang": PSEUDO})
    assert page.status_code == 200, page.text[:300]
    assert f'lang="{PSEUDO}"' in page.text
    words = _page_words(page.text, LANGUAGE_NAMES)
    assert not words, " ".join(words)


def test_the_verify_report_page_is_all_in_the_catalogue(app_client: Any, credential: dict):
    token = _csrf(app_client, f"/?lang={PSEUDO}")
    page = app_client.post(
        f"/verify?lang={PSEUDO}", data={"text": json.dumps(credential), "csrf": token}
    )
    assert page.status_code == 200, page.text[:300]
    data = [*_data_of(credential), *LANGUAGE_NAMES]  # the checks' details are translated too
    words = _page_words(page.text, data)
    assert not words, " ".join(words)


def test_the_share_page_is_all_in_the_catalogue(app_client: Any, credential: dict):
    from microcred.services import holders, sharing, wallet

    instance = app_client.app.state.instance
    holders.create(instance, name="Pseudo Holder", handle="pseudo", password="long password 1")
    wallet.import_bytes(instance, "pseudo", json.dumps(credential).encode())
    share = sharing.create_share(
        instance, "pseudo", [i.id for i in wallet.list_items(instance, "pseudo")]
    )
    path = "/s/" + share.url.rsplit("/s/", 1)[1]
    page = app_client.get(path, params={"lang": PSEUDO})
    assert page.status_code == 200
    # the expiry date as the page formats it is data, like the credential's own dates
    expires = i18n.translator(PSEUDO).date(share.expires_at)
    data = [*_data_of(credential), "Pseudo Holder", expires, *LANGUAGE_NAMES]
    words = _page_words(page.text, data)
    assert not words, " ".join(words)
    gone = app_client.get("/s/" + "x" * 43, params={"lang": PSEUDO})
    assert gone.status_code == 404 and _page_words(gone.text, LANGUAGE_NAMES) == []


def _country_name(code: str) -> str:
    import pycountry

    from microcred.documents.layout import _country_names

    country = pycountry.countries.get(alpha_2=code)
    return _country_names(PSEUDO).gettext(country.name)


def test_a_certificate_and_a_portfolio_are_all_in_the_catalogue(pseudo_catalogues: Path):
    from microcred.documents import certificate_pdf, portfolio_pdf
    from tests.documents.test_pdf import CHECKS, _award

    award = _award("lv-vocational-welding", id="urn:uuid:8f14e45f", grade="10")
    report = {
        "valid": True,
        "status": "valid",
        "checks": [{"id": c, "status": "pass"} for c in CHECKS],
    }
    countries = [_country_name(code) for code in ("LV", "EE")]  # pycountry's names
    for pdf in (
        certificate_pdf(
            award, verification_url="https://v.example/1", report=report, label_languages=[PSEUDO]
        ),
        portfolio_pdf(LEARNER, [{"award": award, "report": report}], label_languages=[PSEUDO]),
    ):
        reader = PdfReader(io.BytesIO(pdf))
        text = " ".join(page.extract_text() for page in reader.pages)
        data = [*_data_of(award), LEARNER, *countries, *[t.upper() for t in ("lv", "en")]]
        words = _unmarked(text, data)
        assert not words, " ".join(words)


def test_the_cli_report_is_all_in_the_catalogue(
    pseudo_catalogues: Path, credential: dict, monkeypatch: pytest.MonkeyPatch
):
    from microcred.cli.output import console
    from microcred.cli.verify import render
    from microcred.verify import VerifierContext, verify_credential
    from tests.verify.conftest import NOW

    report = verify_credential(credential, VerifierContext(now=NOW))
    monkeypatch.setattr(console, "width", 300)  # one line per check
    with console.capture() as captured:
        render(report, i18n.translator(PSEUDO))
    data = _data_of(credential)
    words = _unmarked(captured.get(), data)
    assert not words, " ".join(words)


def test_the_check_details_of_typical_reports_are_all_in_the_catalogue(app_client: Any):
    """Revoked, suspended and tampered credentials of an organisation of the instance, and
    one whose status list is not available offline: every check's detail is translated."""
    import copy

    from microcred.model.files import load_data
    from microcred.services import credentials, organisations, specifications
    from microcred.services.credentials import IssueRequest

    instance = app_client.app.state.instance
    org = organisations.create(instance, name="Pseudo College", country="LV")
    root = Path(__file__).resolve().parents[1]
    spec = specifications.publish(
        instance, org.slug, load_data(root / "examples" / "specs" / "university-data-analysis.yaml")
    )
    issued = [
        credentials.issue(
            instance, org.slug, spec.id, IssueRequest(LEARNER, f"anna{n}@example.lv", "2026-03-02")
        )
        for n in range(3)
    ]
    credentials.revoke(instance, issued[1].id, reason="pseudo", org_ref=org.slug)
    credentials.set_suspended(instance, issued[2].id, True, reason="pseudo", org_ref=org.slug)
    documents = [view.credential() for view in issued]
    tampered = copy.deepcopy(documents[0])
    tampered["credentialSubject"]["name"] = "Someone Else"
    offline = copy.deepcopy(documents[0])
    offline["credentialStatus"]["statusListCredential"] = "https://elsewhere.example/status/1"
    token = _csrf(app_client, f"/?lang={PSEUDO}")
    seen: set[str] = set()
    for document in [*documents, tampered, offline]:
        page = app_client.post(
            f"/verify?lang={PSEUDO}", data={"text": json.dumps(document), "csrf": token}
        )
        assert page.status_code == 200, page.text[:300]
        seen |= {c.code for c in _report_of(instance, document).checks}
        data = [*_data_of(document), "Someone Else", "Pseudo College", *LANGUAGE_NAMES]
        words = _page_words(page.text, data)
        assert not words, " ".join(words)
    for code in ("status.revoked", "status.suspended", "proof.invalid_signature", "status.ok"):
        assert code in seen, seen  # each kind of report was shown


def _report_of(instance: Any, document: Any) -> Any:
    from datetime import UTC, datetime

    from microcred.services import verifying
    from microcred.verify import verify_credential

    return verify_credential(document, verifying.verifier_context(instance, now=datetime.now(UTC)))


def test_the_console_pages_are_all_in_the_catalogue(app_client: Any):
    """The overview, the credentials list and one credential, its revocation step, and the
    audit log's sentences, signed in with a token."""
    from microcred.model.files import load_data
    from microcred.services import credentials, organisations, specifications, tokens
    from microcred.services.credentials import IssueRequest

    instance = app_client.app.state.instance
    org = organisations.create(instance, name="Console College", country="LV")
    root = Path(__file__).resolve().parents[1]
    spec = specifications.publish(
        instance, org.slug, load_data(root / "examples" / "specs" / "university-data-analysis.yaml")
    )
    issued = credentials.issue(
        instance, org.slug, spec.id, IssueRequest(LEARNER, "anna@example.lv", "2026-03-02")
    )
    credentials.revoke(instance, issued.id, reason="pseudo reason", org_ref=org.slug)
    secret = tokens.create(instance, org.slug, "pseudo-token", ("read", "revoke", "issue"))[1]
    login = app_client.post(
        "/console/login",
        data={"csrf": _csrf(app_client, "/console/login"), "token": secret},
        follow_redirects=False,
    )
    assert login.status_code == 303, login.text[:300]
    t = i18n.translator(PSEUDO)
    data = [
        "Console College", LEARNER, "pseudo-token", "pseudo reason", org.slug, "LV", spec.title,
        t.date(issued.issued_on), *LANGUAGE_NAMES,
    ]  # fmt: skip
    from babel import Locale

    months = Locale.parse(PSEUDO).months
    data += [str(m) for kind in months.values() for width in kind.values() for m in width.values()]
    for path in ("/console", "/console/credentials", f"/console/credentials/{issued.id}",
                 "/console/audit"):  # fmt: skip
        page = app_client.get(path, params={"lang": PSEUDO})
        assert page.status_code == 200, (path, page.text[:300])
        times = re.findall(r"<td[^>]*>([^<]*\d{4}[^<]*)</td>", page.text)  # formatted times
        words = _page_words(page.text, [*data, *times])
        assert not words, (path, " ".join(words))
    other = credentials.issue(
        instance, org.slug, spec.id, IssueRequest(LEARNER, "anna2@example.lv", "2026-03-02")
    )
    token = _csrf(app_client, f"/console/credentials/{other.id}?lang={PSEUDO}")
    confirm = app_client.post(
        f"/console/credentials/{other.id}/status?lang={PSEUDO}",
        data={"csrf": token, "action": "revoke", "reason": "pseudo reason"},
    )
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.text
    words = _page_words(confirm.text, data)
    assert not words, " ".join(words)


def test_the_wallet_pages_are_all_in_the_catalogue(app_client: Any, credential: dict):
    from urllib.parse import urlsplit

    from babel import Locale

    from microcred.services import holders, public_portfolios, wallet

    instance = app_client.app.state.instance
    holders.create(instance, name=LEARNER, handle="pseudo-wallet", password="long password 1")
    item, _ = wallet.import_bytes(instance, "pseudo-wallet", json.dumps(credential).encode())
    login = app_client.post(
        "/wallet/login",
        data={
            "csrf": _csrf(app_client, "/wallet/login"),
            "handle": "pseudo-wallet",
            "password": "long password 1",
        },
        follow_redirects=False,
    )
    assert login.status_code == 303, login.text[:300]
    months = Locale.parse(PSEUDO).months
    data = [
        *_data_of(credential), *LANGUAGE_NAMES, "pseudo-wallet", *item.skills,
        *[str(m) for kind in months.values() for width in kind.values() for m in width.values()],
    ]  # fmt: skip
    # the charts shorten long outcomes ("… with reproducible notebook…"): data too
    shortened = [re.escape(t[:30]) + r"[^<…]*…" for t in _data_of(credential) if len(t) > 40]
    from microcred.model.files import load_data
    from microcred.services import organisations, recognition

    authority = organisations.create(instance, name="Pseudo Authority", country="LV")
    root = Path(__file__).resolve().parents[1]
    pathway = load_data(root / "examples" / "pathways" / "data-analysis.yaml")
    recognition.publish_pathway(instance, authority.slug, pathway)
    data += ["Pseudo Authority", *_data_of(pathway)]
    paths = (
        "/wallet/pathways",
        "/wallet",
        f"/wallet/credentials/{item.id}",
        f"/wallet/credentials/{item.id}/remove",
        "/wallet/shares",
        "/wallet/import",
        "/wallet/public",
        urlsplit(public_portfolios.switch_on(instance, "pseudo-wallet", [item.id]).url).path,
        "/wallet/public",  # switched on: the share sheet of its address
    )
    for path in paths:
        page = app_client.get(path, params={"lang": PSEUDO})
        assert page.status_code == 200, (path, page.text[:300])
        html = page.text
        for pattern in shortened:
            html = re.sub(pattern, " ", html)
        words = _page_words(html, data)
        assert not words, (path, " ".join(words))


def test_the_emails_are_all_in_the_catalogue(pseudo_catalogues: Path):
    from microcred.services import mail

    common = {"link": "https://site.example/x", "expires": "2026-12-31", "learner": LEARNER,
              "org": "Pseudo College", "email": "anna@example.lv", "role": "Viewer"}  # fmt: skip
    cases = [
        (
            "claim",
            {"issuer": "Pseudo College", "title": "Data analysis", "verify": "https://v.example"},
        ),
        ("invitation", {"inviter": "boss@example.lv"}),
        ("invitation", {"inviter": ""}),
        ("password_reset", {}),
        *[
            (
                "recognition",
                {
                    "authority": "Pseudo Authority",
                    "pathway": "Data analysis",
                    "outcome": outcome,
                    "ects": 15,
                    "reason": "Pseudo reasons",
                    "wallet": "https://site.example/wallet",
                },
            )
            for outcome in ("recognised", "partly", "refused")
        ],
    ]
    data = [*common.values(), "Pseudo College", "Pseudo Authority", "Data analysis",
            "Pseudo reasons", "Viewer", "15"]  # fmt: skip
    for template, extra in cases:
        subject, body = mail.compose(template, PSEUDO, {**common, **extra})
        words = _unmarked(subject + "\n" + body, data)
        assert not words, (template, " ".join(words))
