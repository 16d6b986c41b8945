"""The public front page: verify a credential from a file, pasted text, a share link or a QR code."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from microcred.formats.inputs import InputError, parse_input
from microcred.formats.reading import read_model
from microcred.services import sharing, verifying, wallet
from microcred.services.holders import HolderError
from microcred.services.instance import Instance
from microcred.verify import verify_credential
from microcred.verify.presentation import is_presentation, verify_presentation
from microcred.web import report as reports
from microcred.web.core import (
    CsrfError,
    Page,
    checked_form,
    instance_of,
    page,
    render,
    text_field,
)

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 5 * 1024 * 1024
SHARE_PATH = re.compile(r"^/s/([A-Za-z0-9_-]{20,200})/?$")


def _revoked_at(instance: Instance, credential: dict[str, Any] | None) -> Any:
    """When this instance issued the credential, the date its issuer revoked it."""
    return verifying.revoked_at(instance, credential)


def _model_data(credential: dict[str, Any] | None) -> dict[str, Any]:
    if not isinstance(credential, dict):
        return {}
    try:
        reading = read_model(credential)
    except Exception:  # noqa: BLE001 - a credential that does not read has no elements to show
        return {}
    data = reading.award.to_data() if reading.award is not None else reading.data
    return json.loads(json.dumps(data, default=str)) if isinstance(data, dict) else {}


def verify_raw(instance: Instance, raw: bytes | str, p: Page) -> list[reports.CredentialView]:
    """Verify a credential or a presentation; one view per credential."""
    return verify_input(instance, raw, p)[0]


def verify_input(
    instance: Instance, raw: bytes | str, p: Page
) -> tuple[list[reports.CredentialView], reports.PresentationView | None]:
    """Verify a credential or a presentation: one view per credential and, for a
    presentation, its own view (who presented it, and which credentials are theirs)."""
    ctx = verifying.verifier_context(instance, now=instance.now())
    try:
        presentation = is_presentation(raw)
    except Exception:  # noqa: BLE001
        presentation = False
    if presentation:
        result = verify_presentation(raw, ctx, challenge=None, domain=None)
        views = []
        for entry in result.credentials:
            rep = entry.report
            views.append(
                reports.build(
                    rep.to_json(),
                    _model_data(rep.credential),
                    rep.credential,
                    p,
                    revoked_at=_revoked_at(instance, rep.credential),
                    binding=entry.binding.to_json(),
                )
            )
        holder = result.summary.get("holder")
        return views, reports.presentation_view(
            result.to_json(), holder if isinstance(holder, str) else None, p
        )
    rep = verify_credential(raw, ctx)
    return [
        reports.build(
            rep.to_json(),
            _model_data(rep.credential),
            rep.credential,
            p,
            revoked_at=_revoked_at(instance, rep.credential),
        )
    ], None


def shared_views(
    instance: Instance, shown: list[sharing.SharedCredential], p: Page
) -> list[reports.CredentialView]:
    """The verify page's report of each credential of a share link, with its binding to the
    person who shared it (the share page and a share link pasted into the verify page)."""
    views = []
    for shared in shown:
        document = shared.item.document()
        credential = document if isinstance(document, dict) else None
        views.append(
            reports.build(
                shared.report,
                shared.item.model,
                credential,
                p,
                revoked_at=_revoked_at(instance, credential),
                binding=shared.binding.to_json(),
            )
        )
    return views


def share_page(
    request: Request,
    holder_name: str,
    shown: list[sharing.SharedCredential],
    expires_at: Any,
    headers: dict[str, str],
) -> Response:
    """The page an employer receives from a share link: the same plain verdict, EU elements
    and checks as the verify page, in the viewer's language, with who shared it."""
    p = page(request)
    context = {
        "results": shared_views(instance_of(request), shown, p),
        "presentation": None,
        "errors": {},
        "note": "",
        "holder_name": holder_name,
        "expires_on": p.date(expires_at),
        "expires_iso": expires_at.date().isoformat(),
        # plain sentences only: the verifier's technical sentence shows where a check has no
        # plain-language meaning (the verify page shows both)
        "technical_details": False,
    }
    return render(request, "share.html", context, headers=headers)


def verify_share(instance: Instance, url: str, p: Page) -> tuple[list[reports.CredentialView], str]:
    """A share link of this instance is opened directly; another site's through the allow-list."""
    parts = urlsplit(url.strip())
    own = urlsplit(instance.base_url)
    match = SHARE_PATH.match(parts.path)
    if match and (not parts.netloc or parts.netloc == own.netloc):
        try:
            holder_name, shown, _view = sharing.open_share(instance, match.group(1))
        except HolderError:
            return [], p.gettext(
                "This share link does not exist, has expired, or was revoked by its owner."
            )
        views = shared_views(instance, shown, p)
        return views, p.gettext("Shared by %(name)s") % {"name": holder_name}
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [], p.gettext("Enter a web address that starts with https://")
    try:
        body = wallet.fetch_url(instance, url)
    except HolderError as exc:
        if str(exc) == wallet.URL_REFUSED:
            return [], p.gettext(
                "Could not fetch this address: the host is not allowed or did not answer."
            )
        return [], str(exc)
    try:
        data = json.loads(body)
    except ValueError:
        return verify_raw(instance, body, p), ""
    if isinstance(data, dict) and isinstance(data.get("credentials"), list):
        views = []
        for entry in data["credentials"][:50]:
            if isinstance(entry, dict) and "credential" in entry:
                views.extend(verify_raw(instance, json.dumps(entry["credential"]), p))
        return views, ""
    return verify_raw(instance, body, p), ""


async def _input_from_form(request: Request) -> tuple[str, bytes | str | None, str]:
    """(kind, raw, error field)."""
    form = await checked_form(request)
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            return "file", None, "file"
        if data.strip():
            return "file", data, ""
    link = text_field(form, "link", 2000)
    if link:
        return "link", link, ""
    pasted = text_field(form, "text", MAX_UPLOAD)
    if pasted:
        return "text", pasted, ""
    return "none", None, "text"


@router.get("/")
def verify_page(request: Request) -> Response:
    return render(request, "verify.html", {"results": None, "active": "verify"})


@router.post("/verify")
async def verify_submit(request: Request) -> Response:
    p = page(request)
    instance = instance_of(request)
    errors: dict[str, str] = {}
    results: list[reports.CredentialView] | None = None
    presentation: reports.PresentationView | None = None
    note = ""
    try:
        kind, raw, problem = await _input_from_form(request)
    except CsrfError as exc:
        return render(request, "error.html", {"message": str(exc)}, status=403)
    if problem == "file":
        errors["file"] = p.gettext("The file is larger than 5 MB.")
    elif problem == "text":
        errors["text"] = p.gettext("Choose a file, paste a credential, or enter a share link.")
    elif kind == "link":
        assert isinstance(raw, str)
        results, note = await run_in_threadpool(verify_share, instance, raw, p)
        if not results:
            errors["link"] = note or p.gettext("Nothing to verify at this address.")
            note = ""
    else:
        assert raw is not None
        try:
            parse_input(raw, images=True)  # a baked PNG or SVG badge is verified too
        except InputError as exc:
            errors["file" if kind == "file" else "text"] = p.gettext(
                "This is not a credential: %(reason)s"
            ) % {"reason": str(exc)}
        except Exception:  # noqa: BLE001
            errors["file" if kind == "file" else "text"] = p.gettext(
                "This is not a credential this page can read."
            )
        else:
            results, presentation = await run_in_threadpool(verify_input, instance, raw, p)
    context = {
        "results": results,
        "presentation": presentation,
        "errors": errors,
        "note": note,
        "active": "verify",
    }
    status = 422 if errors else 200
    if request.headers.get("hx-request") == "true":
        return render(request, "_verify_result.html", context, status=200)
    return render(request, "verify.html", context, status=status)
