"""A credential in a learner's wallet, as the wallet keeps it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microcred.store.tables import WalletCredential
from microcred.verify.summary import UNDETERMINED, CredentialSummary


@dataclass(frozen=True)
class WalletItem:
    id: str
    title: str
    issuer_id: str | None
    issuer_name: str | None
    issuer_country: str | None
    issued_on: datetime | None
    valid_until: datetime | None
    ects: str | None
    hours: str | None
    eqf_level: int | None
    skills: list[str]
    status: str
    kind: str
    source: str
    credential_id: str | None
    missing: list[str]
    imported_at: datetime
    verified_at: datetime
    original: str
    report: dict[str, Any]
    model: dict[str, Any]

    @property
    def summary(self) -> CredentialSummary:
        """What the credential is about, as kept when it was imported."""
        return CredentialSummary(
            id=self.credential_id,
            title={UNDETERMINED: self.title},
            issuer_id=self.issuer_id,
            issuer_name={UNDETERMINED: self.issuer_name} if self.issuer_name else {},
            issuer_country=self.issuer_country,
            issued_on=self.issued_on,
            valid_from=self.issued_on,
            valid_until=self.valid_until,
            format=self.kind,
            missing=tuple(self.missing),
        )

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` when the credential has it (its model's multilingual title),
        else the title kept at import."""
        spec = self.model.get("spec")
        titles = spec.get("title") if isinstance(spec, dict) else None
        found = titles.get(lang) if isinstance(titles, dict) else None
        return found if isinstance(found, str) and found.strip() else self.title

    @property
    def learner_name(self) -> str | None:
        """The learner the credential names, as its model reading found it."""
        learner = self.model.get("learner")
        name = learner.get("name") if isinstance(learner, dict) else None
        return name if isinstance(name, str) and name.strip() else None

    @property
    def course_keys(self) -> set[str]:
        """What makes two credentials the same course: its credential id, its achievement
        (specification) id, and its title without case or diacritics (the same course from
        one issuer under two names, or imported in two formats)."""
        from microcred.services.wallet.names import name_words

        keys = {f"credential:{self.credential_id}"} if self.credential_id else set()
        spec = self.model.get("spec")
        spec_id = spec.get("id") if isinstance(spec, dict) else None
        if isinstance(spec_id, str) and spec_id:
            keys.add(f"spec:{spec_id}")
        titles = {self.title} if self.title != "Untitled credential" else set()
        if isinstance(spec, dict) and isinstance(spec.get("title"), dict):
            titles |= {t for t in spec["title"].values() if isinstance(t, str)}
        for title in titles:
            words = name_words(title)
            if words:  # the same title and the same workload
                keys.add(f"title:{' '.join(sorted(words))}|{self.ects}|{self.hours}")
        return keys

    def document(self) -> dict[str, Any] | str:
        try:
            value = json.loads(self.original)
        except ValueError:
            return self.original
        return value if isinstance(value, dict) else self.original

    def to_json(self, *, full: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "issuer": {
                "id": self.issuer_id,
                "name": self.issuer_name,
                "country": self.issuer_country,
            },
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "ects": self.ects,
            "hours": self.hours,
            "eqf_level": self.eqf_level,
            "skills": self.skills,
            "status": self.status,
            "kind": self.kind,
            "source": self.source,
            "credential_id": self.credential_id,
            "missing": self.missing,
            "imported_at": self.imported_at.isoformat(),
            "verified_at": self.verified_at.isoformat(),
        }
        if full:
            data.update(report=self.report, model=self.model, credential=self.document())
        return data


def to_item(row: WalletCredential) -> WalletItem:
    return WalletItem(
        row.id,
        row.title,
        row.issuer_id,
        row.issuer_name,
        row.issuer_country,
        row.issued_on,
        row.valid_until,
        row.ects,
        row.hours,
        row.eqf_level,
        list(row.skills),
        row.status,
        row.kind,
        row.source,
        row.credential_id,
        list(row.missing),
        row.imported_at,
        row.verified_at,
        row.original,
        dict(row.report),
        dict(row.model),
    )
