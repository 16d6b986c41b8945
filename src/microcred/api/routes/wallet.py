"""``/api/v1/wallet``: the learner's wallet, for the holder a wallet token (``mcw_...``) names.

Every route acts on the token's holder only. A credential id of another holder answers
404, exactly as one that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from microcred.api.deps import HolderDep, InstanceDep
from microcred.api.errors import HOLDER_ROUTE_ERRORS, ApiError
from microcred.api.routes.verify import parse_json_body
from microcred.api.schemas import AccountDelete, IsoDate, WalletImport, WalletReverify
from microcred.services import privacy, sharing, wallet
from microcred.services.instance import Instance
from microcred.services.wallet import WalletImportError, WalletItem

router = APIRouter(prefix="/api/v1/wallet", tags=["wallet"], responses=HOLDER_ROUTE_ERRORS)

MAX_ID_LENGTH = 100
Status = Literal["valid", "unchecked", "invalid", "revoked", "suspended", "expired"]

_IMPORT_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": 'exactly one of {"credential": <object or JWT string>} '
                    'and {"url": "https://..."}',
                    "properties": {
                        "credential": {"oneOf": [{"type": "object"}, {"type": "string"}]},
                        "url": {"type": "string", "format": "uri"},
                    },
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/vc+jwt": {"schema": {"type": "string"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/svg+xml": {"schema": {"type": "string"}},
        },
    }
}


# ---------------------------------------------------------------- errors
# The services' errors (HolderNotFound, WalletImportError, ...) reach the one mapping in
# microcred.api.errors.status_for: 404 for an object of the wallet that is not there.


def not_found_item(item_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no credential '{item_id[:100]}' in this wallet", "id")


def checked_id(item_id: str) -> str:
    if not item_id or len(item_id) > MAX_ID_LENGTH:
        raise not_found_item(item_id)
    return item_id


def require_owned(instance: Instance, holder_id: str, ids: list[str], field: str) -> None:
    """404 (the same for another holder's credential and none at all) unless every id is in
    this holder's wallet."""
    owned = {i.id for i in wallet.list_items(instance, holder_id)}
    missing = [i for i in dict.fromkeys(ids) if i not in owned]
    if missing:
        raise ApiError(
            404, "not_found", f"not in this wallet: {', '.join(m[:100] for m in missing)}", field
        )


def item_json(item: WalletItem, *, full: bool = False) -> dict[str, Any]:
    data = item.to_json(full=full)
    if not full:
        data["report"] = item.report
    return data


# ---------------------------------------------------------------- the holder


@router.get("", summary="The holder's profile and the totals of the wallet")
def profile(instance: InstanceDep, holder: HolderDep) -> dict[str, Any]:
    items = wallet.list_items(instance, holder.id)
    return {"holder": holder.to_json(), "totals": wallet.totals(items)}


@router.get("/data", summary="Everything this instance holds about the holder (GDPR Art. 15/20)")
def personal_data(instance: InstanceDep, holder: HolderDep) -> Response:
    data = privacy.personal_data(instance, holder.id)
    return _download(data, f"microcred-data-{holder.handle}.json")


@router.delete("", summary='Delete the account, wallet and shares; body {"confirm": true}')
def delete_account(instance: InstanceDep, holder: HolderDep, body: AccountDelete) -> dict[str, Any]:
    if body.confirm is not True:
        raise ApiError(
            422, "validation_error", 'deleting cannot be undone: send {"confirm": true}', "confirm"
        )
    counts = privacy.delete_holder(instance, holder.id)
    return {"deleted": True, **counts}


def _download(data: Any, filename: str) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False).encode("utf-8"),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# ---------------------------------------------------------------- importing


async def _read_upload(request: Request) -> tuple[bytes, str | None]:
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as exc:  # whatever the multipart parser refuses
        raise ApiError(400, "bad_request", "the multipart body cannot be read", "file") from exc
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(422, "validation_error", "file is required (a multipart file field)", "file")
    raw = await upload.read()
    await form.close()
    if not raw:
        raise ApiError(400, "not_a_credential", "not a credential: the file is empty", "file")
    return raw, upload.filename


def _import_request(value: Any) -> WalletImport:
    if isinstance(value, dict) and "@context" in value:
        value = {"credential": value}  # the credential itself rather than {"credential": ...}
    if not isinstance(value, dict):
        raise ApiError(
            422,
            "validation_error",
            'send {"credential": <object or JWT string>} or {"url": "https://..."}',
        )
    try:
        body = WalletImport.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        message = f"{field}: {first['msg']}" if field else str(first["msg"])
        raise ApiError(422, "validation_error", message, field) from None
    if (body.credential is None) == (body.url is None):
        raise ApiError(
            422,
            "validation_error",
            'send exactly one of "credential" and "url"',
            "credential" if body.credential is None else "url",
        )
    return body


@router.post(
    "/credentials",
    summary="Import a credential (pasted, by URL, or uploaded); 201 new, 200 already there",
    status_code=201,
    responses={200: {"description": "the same credential was already in the wallet"}},
    openapi_extra=_IMPORT_DOC,
)
async def import_credential(
    request: Request, response: Response, instance: InstanceDep, holder: HolderDep
) -> dict[str, Any]:
    """Every credential is verified and kept, valid or not (its report says which).

    * `application/json`: `{"credential": <JSON-LD object or JWT string>}` or
      `{"url": "https://..."}` (hosts on the instance's allow list);
    * `multipart/form-data` with a file field `file`: JSON, a JWT, a baked PNG or SVG badge;
    * any other media type: the body is the credential itself.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    filename: str | None = None
    source: str | None = None
    if media == "multipart/form-data":
        raw, filename = await _read_upload(request)
        source = "upload"
    else:
        body = await request.body()
        if not body.strip():
            raise ApiError(400, "bad_request", "the request body is empty; send a credential")
        if media == "application/json":
            wanted = _import_request(parse_json_body(body))
            if wanted.url is not None:
                network = getattr(request.app.state, "outbound_network", None)
                raw = await run_in_threadpool(
                    wallet.fetch_url, instance, wanted.url, network=network
                )
                filename, source = wanted.url, "url"
            else:
                credential = wanted.credential
                raw = (
                    credential.encode("utf-8")
                    if isinstance(credential, str)
                    else json.dumps(credential, ensure_ascii=False).encode("utf-8")
                )
                source = "paste"
        else:
            raw = body
    try:
        item, created = await run_in_threadpool(
            lambda: wallet.import_bytes(instance, holder.id, raw, filename=filename, source=source)
        )
    except WalletImportError as exc:
        message = str(exc)
        if exc.field != "url" and not message.startswith("not a credential"):
            raise WalletImportError(f"not a credential: {message}", exc.field) from None
        raise
    if not created:
        response.status_code = 200
    return {**item_json(item), "created": created}


@router.post("/import-bundle", summary="Import a wallet bundle (from GET /api/v1/wallet/export)")
async def import_bundle(
    request: Request, instance: InstanceDep, holder: HolderDep
) -> dict[str, int]:
    """The bundle as the JSON body, or as a multipart file field `file`."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        raw, _ = await _read_upload(request)
    else:
        raw = await request.body()
    bundle = parse_json_body(raw)
    return await run_in_threadpool(wallet.import_bundle, instance, holder.id, bundle)


@router.get("/export", summary="The whole wallet as a bundle (re-imports losslessly)")
def export_bundle(instance: InstanceDep, holder: HolderDep) -> Response:
    bundle = wallet.export_bundle(instance, holder.id)
    return _download(bundle, f"microcred-wallet-{holder.handle}.json")


# ---------------------------------------------------------------- the portfolio


@router.get("/credentials", summary="The portfolio, filtered, with totals and a timeline")
def list_credentials(
    instance: InstanceDep,
    holder: HolderDep,
    issuer: Annotated[str | None, Query(max_length=200, description="name or id contains")] = None,
    skill: Annotated[str | None, Query(max_length=500, description="ESCO URI contains")] = None,
    eqf: Annotated[int | None, Query(ge=1, le=8, description="EQF level")] = None,
    date_from: Annotated[
        IsoDate | None, Query(alias="from", description="issued on or after, YYYY-MM-DD")
    ] = None,
    date_to: Annotated[
        IsoDate | None, Query(alias="to", description="issued on or before, YYYY-MM-DD")
    ] = None,
    status: Status | None = None,
) -> dict[str, Any]:
    items = wallet.list_items(
        instance,
        holder.id,
        issuer=issuer or None,
        skill=skill or None,
        eqf_level=eqf,
        date_from=date_from,
        date_to=date_to,
        status=status,
    )
    return {
        "credentials": [i.to_json() for i in items],
        "totals": wallet.totals(items),
        "timeline": wallet.timeline(items),
    }


@router.get(
    "/credentials/{item_id}",
    summary="One credential: its fields, last verification report and the original",
)
def get_credential(instance: InstanceDep, holder: HolderDep, item_id: str) -> dict[str, Any]:
    item = wallet.get_item(instance, holder.id, checked_id(item_id))
    return item_json(item, full=True)


@router.delete(
    "/credentials/{item_id}",
    status_code=204,
    summary="Remove a credential: share links stop showing it (one that showed only it is "
    "revoked) and the public page drops it",
)
def delete_credential(instance: InstanceDep, holder: HolderDep, item_id: str) -> Response:
    wallet.delete_item(instance, holder.id, checked_id(item_id))
    return Response(status_code=204)


@router.post("/verify", summary='Verify again: every credential, or {"ids": [...]}')
def reverify(
    instance: InstanceDep, holder: HolderDep, body: WalletReverify | None = None
) -> dict[str, Any]:
    ids = body.ids if body is not None else None
    if ids:
        require_owned(instance, holder.id, ids, "ids")
    changes = wallet.reverify(instance, holder.id, ids)
    return {
        "results": [{**c, "changed": c["before"] != c["after"]} for c in changes],
        "changed": sum(1 for c in changes if c["before"] != c["after"]),
    }


# ---------------------------------------------------------------- documents


def _link_for(
    instance: Instance, holder_id: str, item_ids: list[str], share_url: str | None
) -> tuple[str, str | None]:
    """The link a document points to, and the id of its share: ``share_url`` when it is a
    live share link of this holder that shows these credentials (422 otherwise), else the
    public verify page. A GET never creates a share: ``POST /api/v1/wallet/shares`` does."""
    if share_url is None:
        return sharing.verify_page_url(instance), None
    view = sharing.chosen_share(instance, holder_id, share_url, item_ids)
    return share_url, view.id


ShareUrl = Annotated[
    str | None,
    Query(
        max_length=2000,
        description="a share link of these credentials that the holder made "
        "(POST /api/v1/wallet/shares); without it the document points to the public verify "
        "page. Never creates a share.",
    ),
]


@router.get(
    "/credentials/{item_id}/certificate.pdf",
    summary="A PDF certificate with a QR code of a chosen share link, or of the verify page",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def certificate_pdf(
    instance: InstanceDep, holder: HolderDep, item_id: str, share_url: ShareUrl = None
) -> Response:
    from microcred.documents import certificate_pdf as make_pdf

    item = wallet.get_item(instance, holder.id, checked_id(item_id))
    url, _ = _link_for(instance, holder.id, [item.id], share_url)
    pdf = make_pdf(item.model, verification_url=url, report=item.report)
    return _pdf(pdf, "certificate.pdf")


@router.get(
    "/portfolio.pdf",
    summary="A portfolio PDF of chosen credentials (default: every valid one)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def portfolio_pdf(
    instance: InstanceDep,
    holder: HolderDep,
    ids: Annotated[
        list[str] | None,
        Query(max_length=100, description="credential ids (repeated, or comma-separated)"),
    ] = None,
    share_url: ShareUrl = None,
    qr: Annotated[
        bool, Query(description="add a QR code of share_url (a share link of them; required)")
    ] = False,
) -> Response:
    from microcred.documents import portfolio_pdf as make_pdf

    wanted = [i.strip() for value in ids or [] for i in value.split(",") if i.strip()]
    items = wallet.list_items(instance, holder.id)
    if wanted:
        require_owned(instance, holder.id, wanted, "ids")
        by_id = {i.id: i for i in items}
        chosen = [by_id[i] for i in dict.fromkeys(wanted)]
    else:
        chosen = [i for i in items if i.status == "valid"]
    url: str | None = None
    if qr and share_url is None:
        raise ApiError(
            422,
            "validation_error",
            "a QR code needs share_url, a share link of these credentials: create one with "
            "POST /api/v1/wallet/shares and pass its url",
            "share_url",
        )
    if share_url is not None and chosen:
        url, _ = _link_for(instance, holder.id, [i.id for i in chosen], share_url)
    entries: list[Mapping[str, Any]] = [
        {"award": i.model, "report": i.report, "status": i.status} for i in chosen
    ]
    return _pdf(make_pdf(holder.name, entries, share_url=url), "portfolio.pdf")


def _pdf(content: bytes, filename: str) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"}
    return Response(content, media_type="application/pdf", headers=headers)


@router.get(
    "/credentials/{item_id}/linkedin",
    summary='LinkedIn "Add to profile" link: {"url": ...}',
)
def linkedin(
    instance: InstanceDep, holder: HolderDep, item_id: str, share_url: ShareUrl = None
) -> dict[str, Any]:
    item = wallet.get_item(instance, holder.id, checked_id(item_id))
    url, share_id = _link_for(instance, holder.id, [item.id], share_url)
    try:
        link = sharing.linkedin_url(instance, holder.id, item.id, share=url)
    except ValueError as exc:  # no name or no issuer name to show on LinkedIn
        raise ApiError(422, "validation_error", str(exc), "id") from None
    return {"url": link, "cert_url": url, "share_id": share_id}
