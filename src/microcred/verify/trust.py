"""The trust list: issuers this verifier recognises (by DID or URL), with name and country."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TrustedIssuer:
    id: str
    name: str
    country: str | None = None


class TrustListError(ValueError):
    pass


@dataclass(frozen=True)
class TrustList:
    issuers: Mapping[str, TrustedIssuer]

    @classmethod
    def of(cls, entries: Iterable[TrustedIssuer]) -> TrustList:
        return cls({e.id: e for e in entries})

    @classmethod
    def empty(cls) -> TrustList:
        return cls({})

    def find(self, issuer_id: str | None) -> TrustedIssuer | None:
        if not issuer_id:
            return None
        return self.issuers.get(issuer_id)

    def merged(self, other: TrustList) -> TrustList:
        return TrustList({**self.issuers, **other.issuers})

    @cached_property
    def fingerprint(self) -> str:
        """A digest of every entry: two lists with the same entries have the same one."""
        entries = sorted(
            (key, issuer.id, issuer.name, issuer.country or "")
            for key, issuer in self.issuers.items()
        )
        return hashlib.sha256(json.dumps(entries, ensure_ascii=False).encode("utf-8")).hexdigest()


def load_trust_list(path: Path) -> TrustList:
    """A JSON file: `{"issuers": [{"id": "did:...", "name": "...", "country": "LV"}]}`."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TrustListError(f"{path}: cannot read the trust list ({exc})") from None
    except json.JSONDecodeError as exc:
        raise TrustListError(f"{path}: the trust list is not valid JSON ({exc.msg})") from None
    items = data.get("issuers") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise TrustListError(f'{path}: expected {{"issuers": [{{"id": ..., "name": ...}}]}}')
    entries = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise TrustListError(
                f"{path}: issuers[{index}] needs an 'id' (the issuer's DID or URL)"
            )
        entries.append(
            TrustedIssuer(
                id=item["id"], name=str(item.get("name") or item["id"]), country=item.get("country")
            )
        )
    return TrustList.of(entries)
