"""The wallet bundle: every credential as imported, with its stored report, exported and
imported again losslessly (moving a wallet between instances)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from microcred.formats.dates import parse_timestamp
from microcred.services.holders import find
from microcred.services.instance import Instance
from microcred.services.wallet.importing import (
    WalletImportError,
    credential_digest,
    portfolio_fields,
    read_credential,
)
from microcred.services.wallet.portfolio import list_items
from microcred.store.db import transaction
from microcred.store.tables import WalletCredential

BUNDLE_FORMAT = "microcred-wallet-bundle/1"


def export_bundle(instance: Instance, holder_ref: str) -> dict[str, Any]:
    """Every credential as imported, with its stored report: re-imports losslessly."""
    items = list_items(instance, holder_ref)
    return {
        "format": BUNDLE_FORMAT,
        "exported_at": instance.now().isoformat(),
        "credentials": [
            {
                "original": i.original,
                "kind": i.kind,
                "source": i.source,
                "status": i.status,
                "report": i.report,
                "imported_at": i.imported_at.isoformat(),
                "verified_at": i.verified_at.isoformat(),
            }
            for i in items
        ],
    }


def import_bundle(instance: Instance, holder_ref: str, bundle: Any) -> dict[str, int]:
    if (
        not isinstance(bundle, dict)
        or bundle.get("format") != BUNDLE_FORMAT
        or not isinstance(bundle.get("credentials"), list)
    ):
        raise WalletImportError(
            f"not a wallet bundle: expected {{'format': '{BUNDLE_FORMAT}', 'credentials': [...]}}",
            "file",
        )
    added = skipped = 0
    for index, entry in enumerate(bundle["credentials"]):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("original"), str)
            or not isinstance(entry.get("report"), dict)
        ):
            raise WalletImportError(
                f"credentials[{index}] is not a bundle entry (original and report)", "file"
            )
        extracted = read_credential(entry["original"].encode("utf-8"), None)
        digest = credential_digest(extracted)
        fields = portfolio_fields(extracted.credential)
        with transaction(instance.sessions) as session:
            holder = find(session, holder_ref)
            if session.scalar(
                select(WalletCredential).where(
                    WalletCredential.holder_id == holder.id, WalletCredential.digest == digest
                )
            ):
                skipped += 1
                continue
            session.add(
                WalletCredential(
                    id=str(uuid.uuid4()),
                    holder_id=holder.id,
                    digest=digest,
                    kind=str(entry.get("kind", extracted.kind)),
                    source=str(entry.get("source", extracted.source)),
                    original=entry["original"],
                    status=str(entry.get("status", entry["report"].get("status", "invalid"))),
                    report=entry["report"],
                    verified_at=parse_timestamp(entry.get("verified_at")) or instance.now(),
                    imported_at=parse_timestamp(entry.get("imported_at")) or instance.now(),
                    **fields,
                )
            )
            added += 1
    return {"added": added, "already_there": skipped}
