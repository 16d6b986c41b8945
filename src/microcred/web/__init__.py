"""The web application: server-rendered pages (Jinja2 + HTMX) in English and Latvian.

``mount(app)`` adds the pages to the API application made by ``create_app``:

* ``/``: verify a credential (public);
* ``/wallet/...``: a holder's wallet (handle + password);
* ``/console/...``: an organisation's issuer console (signed in with an API token);
* ``/authority/...``: the recognition authority's desk;
* ``/static/...``: the stylesheet, scripts and vendored HTMX.

The machine-readable documents (``/orgs/{slug}/did.json``, ``/status/...``, ``/contexts/...``)
stay JSON at their URLs; no page here uses those paths.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from microcred.web.core import HERE


def mount(app: FastAPI) -> None:
    from microcred.web import (
        authority_pages,
        claim_pages,
        console,
        verify_pages,
        wallet_pages,
        wallet_present,
        wallet_receive,
        wallet_sharing,
        wallet_signup,
    )

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="web-static")
    # A console page turns away a visitor it does not serve (sign-in page, or 403).
    app.add_exception_handler(console.TurnedAway, console.turned_away)
    for module in (
        verify_pages,
        wallet_pages,
        wallet_present,
        wallet_receive,
        wallet_sharing,
        wallet_signup,
        claim_pages,
        console,
        authority_pages,
    ):
        app.include_router(module.router)


__all__ = ["mount"]
