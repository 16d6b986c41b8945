"""Why a file, a pasted text or an address could not be imported into a wallet, in the
reader's language.

The readers of untrusted input (:mod:`microcred.formats.importing`) say it in English (the
CLI and the API show it so); the wallet's import page shows it in the holder's language:
each message is one template below with its values filled in. A message that matches no
template is shown as it is.
"""

from __future__ import annotations

from microcred.i18n import N_
from microcred.verify.details import Translates, translate_with

MESSAGES: tuple[str, ...] = (
    N_("%(what)s is empty"),
    N_("%(what)s: the input is neither JSON nor a JWT"),
    N_("%(what)s is XML or HTML, not a credential or an SVG badge"),
    N_("%(what)s is a %(kind)s file; only PNG and SVG images can carry a baked badge"),
    N_("%(what)s is %(size)s MB; imports are limited to %(limit)s MB"),
    N_("a presentation, not a credential: import the credentials it carries one by one"),
    N_("a presentation JWT, not a credential: import the credentials it carries one by one"),
    N_("not a credential: a JSON object without a type"),
    N_("not a credential: a VerifiableCredential without credentialSubject"),
    N_(
        "not a credential: type %(types)s is neither a Verifiable Credential nor an Open Badges "
        "assertion"
    ),
    N_("a JWT that carries neither a Verifiable Credential nor an Open Badges 2.0 assertion"),
    N_("a vc+jwt whose payload is not a Verifiable Credential"),
    N_("an SD-JWT whose disclosures do not match what its issuer signed"),
    N_("an SD-JWT that is not an SD-JWT VC (typ dc+sd-jwt)"),
    N_("truncated PNG: the image ends before its IEND chunk"),
    N_(
        "this Open Badges 2.0 assertion is signed, but its signature (the JWS) is not included: "
        "import the signed badge or the baked image instead"
    ),
)
# what the message names, as the readers name it
WHAT = {"the file": N_("the file"), "the text": N_("the text"), "the address": N_("the address")}


def message_in(message: str, t: Translates) -> str:
    """``message`` in ``t``'s language (as it is where no template matches)."""
    said = translate_with(message, MESSAGES, t)
    for english, msgid in WHAT.items():  # "the file" is a value of several templates
        if said != message and english in said:
            said = said.replace(english, t.gettext(msgid))
    return said


__all__ = ["MESSAGES", "message_in"]
