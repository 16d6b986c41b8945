"""The learner's wallet: import credentials from any issuer, keep them, verify them again.

The parts: :mod:`.items` (the stored credential, :class:`WalletItem`), :mod:`.importing`
(reading bytes or an address into a verified item), :mod:`.portfolio` (queries, totals,
re-verification), :mod:`.bundle` (export and import of a whole wallet). Adapters use the
names exported here.
"""

from __future__ import annotations

from microcred.services.wallet.bundle import BUNDLE_FORMAT, export_bundle, import_bundle
from microcred.services.wallet.importing import (
    MAX_DOWNLOAD_BYTES,
    URL_ACCEPT,
    URL_REFUSED,
    WalletImportError,
    fetch_url,
    import_bytes,
    outbound_policy,
    summary_columns,
)
from microcred.services.wallet.items import WalletItem, to_item
from microcred.services.wallet.portfolio import (
    Removed,
    delete_item,
    get_item,
    list_items,
    reverify,
    reverify_everyone,
    same_course,
    timeline,
    totals,
)

__all__ = [
    "BUNDLE_FORMAT",
    "MAX_DOWNLOAD_BYTES",
    "URL_ACCEPT",
    "URL_REFUSED",
    "Removed",
    "WalletImportError",
    "WalletItem",
    "delete_item",
    "export_bundle",
    "fetch_url",
    "get_item",
    "import_bundle",
    "import_bytes",
    "list_items",
    "outbound_policy",
    "reverify",
    "reverify_everyone",
    "same_course",
    "summary_columns",
    "timeline",
    "to_item",
    "totals",
]
