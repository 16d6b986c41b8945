"""A credential claimed on its claim page goes into the wallet the moment the learner has
one: "Add to my microcred wallet" sends a learner without a wallet to sign up (or sign in)
with ``next=/claim/<secret>`` and ``claim=1``; the sign-up or sign-in post then adds the
credential itself, so nobody has to click Add a second time. Both are CSRF-checked posts."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import FormData

from microcred.services import delivery
from microcred.services.delivery import ClaimInvalid, ClaimTaken
from microcred.web.core import flash, instance_of, page, redirect

CLAIM_PATH = re.compile(r"^/claim/([A-Za-z0-9_-]{20,200})$")


def claim_query(secret: str) -> str:
    """The query of the sign-up and sign-in pages that come back and add the credential."""
    return f"next=/claim/{secret}&claim=1"


async def claim_after_sign_in(
    request: Request, holder_id: str, nxt: str, form: FormData
) -> Response | None:
    """After signing up or in from a claim page: the credential added and its page, or the
    claim page when it cannot be added (expired, or in another wallet: the page says so);
    None when the learner did not come to claim."""
    match = CLAIM_PATH.match(nxt)
    if form.get("claim") != "1" or match is None:
        return None
    try:
        _, item = await run_in_threadpool(
            delivery.claim, instance_of(request), match.group(1), holder_id
        )
    except (ClaimInvalid, ClaimTaken):
        return redirect(request, nxt)
    flash(request, page(request).gettext("The credential is in your wallet."))
    return redirect(request, f"/wallet/credentials/{item.id}")
