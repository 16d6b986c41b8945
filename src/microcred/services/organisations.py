"""Organisations: issuers on this instance, each with its own keys and identifiers."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred import errors
from microcred.model.spec import check_country
from microcred.proofs.did import did_key_for, did_web_document
from microcred.proofs.keys import Ed25519KeyPair, KeyPair, load_key_file
from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import Organisation, OrganisationKey


class OrganisationError(errors.MicrocredError):
    """Refused by an issuer-side service (organisations, specifications, credentials, tokens,
    recognition): raised as one of the subclasses by meaning (see :mod:`microcred.errors`)."""


class NotFound(OrganisationError, errors.NotFound):
    """No such organisation, specification, credential, token, pathway or application."""


class Invalid(OrganisationError, errors.InvalidInput):
    """A value of the request is not acceptable; ``field`` names it."""


class Conflict(OrganisationError, errors.Conflict):
    """The request clashes with the current state (a slug taken, a revoked credential)."""


@dataclass(frozen=True)
class OrgView:
    """What may be shown of an organisation: never a private key."""

    id: str
    slug: str
    name: str
    country: str
    url: str | None
    did: str
    did_key: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "slug": self.slug,
            "name": self.name,
            "country": self.country,
            "url": self.url,
            "did": self.did,
            "did_key": self.did_key,
            "created_at": self.created_at.isoformat(),
        }


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:48] or "org"


def did_web_for(base_url: str, slug: str) -> str:
    parts = urlsplit(base_url)
    host = quote(parts.netloc, safe="")  # a port's ':' is percent-encoded in did:web
    path = [p for p in parts.path.split("/") if p]
    return ":".join(["did:web", host, *path, "orgs", slug])


def view(org: Organisation) -> OrgView:
    return OrgView(
        org.id, org.slug, org.name, org.country, org.url, org.did_web, org.did_key, org.created_at
    )


def find(session: Session, ref: str) -> Organisation:
    org = session.scalar(
        select(Organisation).where(
            (Organisation.slug == ref) | (Organisation.id == ref) | (Organisation.did_web == ref)
        )
    )
    if org is None:
        raise NotFound(f"no organisation '{ref}' on this instance", "org")
    return org


def create(
    instance: Instance,
    *,
    name: str,
    country: str,
    url: str | None = None,
    slug: str | None = None,
    actor: str = "cli",
) -> OrgView:
    name = name.strip()
    if not name:
        raise Invalid("the organisation needs a name", "name")
    try:
        country = check_country(country)
    except ValueError as exc:
        raise Invalid(str(exc), "country") from None
    if url is not None and not re.match(r"^https?://[^\s/]+", url):
        raise Invalid(f"'{url}' is not a web address; write it as https://...", "url")
    slug = slug or slugify(name)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,47}", slug):
        raise Invalid("the slug may use a-z, 0-9 and '-' (at most 48 characters)", "slug")
    key = Ed25519KeyPair.generate()
    now = instance.now()
    with transaction(instance.sessions) as session:
        if session.scalar(select(Organisation).where(Organisation.slug == slug)) is not None:
            raise Conflict(f"an organisation with the slug '{slug}' exists; choose another", "slug")
        org = Organisation(
            id=str(uuid.uuid4()),
            slug=slug,
            name=name,
            country=country,
            url=url,
            did_web=did_web_for(instance.base_url, slug),
            did_key=did_key_for(key),
            created_at=now,
        )
        session.add(org)
        session.flush()
        session.add(
            OrganisationKey(
                org_id=org.id,
                fragment="key-1",
                key_type=key.key_type,
                public_multibase=key.public_multibase,
                encrypted_private=key.export_private(instance.secret)["encryptedPrivateKey"],
                active=True,
                created_at=now,
            )
        )
        record(
            session,
            org.id,
            actor,
            "org.create",
            org.id,
            {"name": name, "country": country},
            at=instance.now(),
        )
        return view(org)


def list_all(instance: Instance) -> list[OrgView]:
    with transaction(instance.sessions) as session:
        return [
            view(o) for o in session.scalars(select(Organisation).order_by(Organisation.created_at))
        ]


def get(instance: Instance, ref: str) -> OrgView:
    with transaction(instance.sessions) as session:
        return view(find(session, ref))


def signing_key(instance: Instance, session: Session, org: Organisation) -> tuple[KeyPair, str]:
    """The organisation's active key, decrypted, and its verification method (did:web#key-1)."""
    row = session.scalar(
        select(OrganisationKey).where(
            OrganisationKey.org_id == org.id, OrganisationKey.active.is_(True)
        )
    )
    if row is None:
        raise Conflict(f"organisation '{org.slug}' has no active key")
    key = load_key_file(
        {
            "type": "Multikey",
            "keyType": row.key_type,
            "publicKeyMultibase": row.public_multibase,
            "encryptedPrivateKey": row.encrypted_private,
        },
        encryption_key=instance.secret,
    )
    return key, f"{org.did_web}#{row.fragment}"


def did_document(instance: Instance, ref: str) -> dict[str, Any]:
    """The did:web document of an organisation, with every key (public parts only)."""
    from microcred.proofs.keys import keypair_from_multibase

    with read_transaction(instance.sessions) as session:
        org = find(session, ref)
        rows = session.scalars(
            select(OrganisationKey).where(OrganisationKey.org_id == org.id)
        ).all()
        keys = [(r.fragment, keypair_from_multibase(r.public_multibase)) for r in rows]
        document = did_web_document(org.did_web, keys)
        document["alsoKnownAs"] = [org.did_key]
        return document


def issuer_profile(org: Organisation) -> dict[str, Any]:
    """The OB3 issuer Profile of an organisation (the signer of its credentials)."""
    import pycountry

    country = pycountry.countries.get(alpha_2=org.country)
    data: dict[str, Any] = {"id": org.did_web, "type": ["Profile"], "name": org.name}
    if org.url:
        data["url"] = org.url
    data["address"] = {
        "type": ["Address"],
        "addressCountry": country.name if country else org.country,
        "addressCountryCode": org.country,
    }
    return data
