"""The SD-JWT VC Type Metadata of microcred's EU micro-credential type, served at its ``vct``
URL without authentication (SD-JWT VC draft -13 section 6.3.1: ``GET`` the ``vct`` URL).

The body is exactly `formats.sd_jwt_type_metadata.type_metadata_bytes`, the bytes every
credential pins with ``vct#integrity``; it changes only with the catalogues (a new version of
the type is a new path), so it is cacheable.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from microcred.api.deps import InstanceDep
from microcred.formats.sd_jwt_type_metadata import integrity, type_metadata_bytes
from microcred.formats.sd_jwt_vc import VCT_PATH

router = APIRouter(tags=["public documents"])

MAX_AGE = 24 * 3600


@router.get(
    VCT_PATH,
    summary="SD-JWT VC Type Metadata of the EU micro-credential type (version 1)",
    response_class=Response,
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}},
)
def vct_type_metadata(instance: InstanceDep) -> Response:
    body = type_metadata_bytes(instance.base_url)
    return Response(
        body,
        media_type="application/json",
        headers={
            "Cache-Control": f"public, max-age={MAX_AGE}",
            "Access-Control-Allow-Origin": "*",  # browser-based wallets read it too
            "ETag": f'"{integrity(body)}"',
        },
    )
