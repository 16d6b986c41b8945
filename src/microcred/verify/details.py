"""The verifier's technical sentences (a check's ``message``) in the reader's language.

A report carries its checks' sentences in English: that is its wire form (the API, the CLI's
``--json``, the reports a wallet stores), and it stays so. A page shows each sentence as a
technical detail under the check's plain meaning; :func:`translate` gives it in the page's
language. Hand-written rather than carried as message ids in the report: the report's JSON
shape (and every report already stored) stays as it is. Each sentence the verifier writes
is one template below, its data (keys, DIDs, addresses, dates) as named values; a sentence
that matches no template is shown as it is, in English. ``tests/test_i18n_pseudo.py``
verifies typical credentials (valid, tampered, revoked, suspended, offline) and finds no
sentence left untranslated, so a changed sentence in the verifier shows up there.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Protocol

from microcred.i18n import N_
from microcred.verify.details_rare import RARE_TEMPLATES


class Translates(Protocol):
    def gettext(self, message: str) -> str: ...


TEMPLATES: tuple[str, ...] = (
    # parse
    N_("read a JSON-LD credential"),
    N_("read a JSON-LD presentation"),
    N_("read a VC-JOSE JWT (vc+jwt)"),
    N_("read a VC-JWT 1.1 credential (the vc claim)"),
    N_("read a credential sealed with JAdES (Europass EDC)"),
    N_("read a VC-JOSE-COSE SD-JWT (vc+sd-jwt)"),
    N_("read a VC-JOSE-COSE COSE_Sign1 (vc+cose)"),
    # schema
    N_("follows the W3C VC data model"),
    N_("follows the W3C VC data model and Open Badges 3.0"),
    N_("follows the W3C VC data model and its credentialSchema"),
    N_("follows the W3C VC data model and Open Badges 3.0 and its credentialSchema"),
    N_("follows the W3C VC data model for presentations"),
    # the EU standard
    N_("all mandatory elements of the EU standard are present"),
    N_("missing EU mandatory elements: %(elements)s"),
    N_(
        "neither an Open Badges nor a European Learning Model credential: the EU elements "
        "cannot be read from it"
    ),
    # proof
    N_("signature verified (%(suite)s) with key %(key)s"),
    N_("the credential carries no proof: nothing shows who signed it"),
    N_(
        "the signature does not match: the credential was changed after it was signed, or "
        "signed with another key"
    ),
    N_("the JWT signature does not match: the credential was changed or signed with another key"),
    N_("could not be checked: the signing key's document %(address)s is not available offline"),
    # issuer
    N_("issuer %(issuer)s resolved through its did:web document and controls the signing key"),
    N_(
        "issuer %(issuer)s resolved through did:key (the key is the identifier) and controls "
        "the signing key"
    ),
    N_("issuer %(issuer)s resolved through its controller document and controls the signing key"),
    N_("the credential names no issuer"),
    N_("signed by %(signer)s, which is not the issuer %(issuer)s"),
    N_("the issuer %(issuer)s could not be resolved offline"),
    # trust
    N_("the issuer is on the trust list: %(name)s"),
    N_("the issuer %(issuer)s is not on the trust list of this verifier"),
    # validity
    N_("valid, with no expiry date"),
    N_("valid until %(date)s"),
    N_("expired on %(date)s"),
    N_("not valid yet: valid from %(date)s"),
    # status
    N_("not revoked or suspended (checked %(purposes)s)"),
    N_("revoked by its issuer"),
    N_("suspended by its issuer"),
    N_("the credential has no status entry (its issuer cannot revoke it)"),
    N_("could not check %(purposes)s: the status list %(address)s is not available offline"),
    # checks not made
    N_("not checked: the proof did not verify"),
    N_("not checked: an earlier check could not be completed"),
    N_("not checked: the input could not be read"),
    N_("not checked: the credential does not follow the data model"),
    N_("not checked: the credential is not valid JSON-LD"),
    N_("not checked: the credential does not follow the schema it names"),
    *RARE_TEMPLATES,
)
# The words a value may hold that are words, not data: the status purposes.
VALUE_WORDS = {
    "revocation": N_("revocation"),
    "suspension": N_("suspension"),
    "message": N_("message"),
}


@cache
def _patterns(templates: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each template as a pattern of the whole sentence, its values as named groups."""
    out = []
    for template in templates:
        parts = re.split(r"%\((\w+)\)s", template)
        pattern = "".join(
            re.escape(part) if n % 2 == 0 else f"(?P<{part}>.+?)" for n, part in enumerate(parts)
        )
        out.append((template, re.compile(pattern, re.S)))
    return tuple(out)


def _value(name: str, value: str, templates: tuple[str, ...], t: Translates) -> str:
    if name == "sentence":  # one of the sentences itself (a proof of a set, a status detail)
        return translate_with(value, templates, t)
    if name == "sentences":  # several, joined with "; "
        return "; ".join(translate_with(v, templates, t) for v in value.split("; "))
    if name not in ("purposes", "purpose", "shown"):
        return value
    return ", ".join(
        t.gettext(VALUE_WORDS[w]) if w in VALUE_WORDS else w for w in value.split(", ")
    )


# the findings of one check joined with "; " (a schema check's warnings, an Open Badges 2.0
# assertion's findings of one kind)
_PARTS = re.compile(
    r"; (?=credentialSchema |validFrom |Open Badges |badge class |issued (?:by|on) |valid until "
    r"|expired on |the (?:assertion|issuer|RSA|signing key|embedded|recipient|badge) )"
)


def translate(message: str, t: Translates) -> str:
    """``message`` in ``t``'s language when it is one of the verifier's sentences, else as it is."""
    return translate_parts(message, TEMPLATES, _PARTS, t)


def translate_with(message: str, templates: tuple[str, ...], t: Translates) -> str:
    """``message`` in ``t``'s language when it is one of ``templates`` (message ids with
    ``%(name)s`` values) filled in, else as it is."""
    for template, pattern in _patterns(templates):
        found = pattern.fullmatch(message)
        if found:
            values = {k: _value(k, v, templates, t) for k, v in found.groupdict().items()}
            return t.gettext(template) % values
    return message


def translate_parts(
    message: str, templates: tuple[str, ...], parts: re.Pattern[str], t: Translates
) -> str:
    """``message`` translated whole, or else each of its problems (split by ``parts``) on its
    own, joined again with "; "."""
    whole = translate_with(message, templates, t)
    if whole != message:
        return whole
    return "; ".join(translate_with(part, templates, t) for part in parts.split(message))


__all__ = ["TEMPLATES", "translate", "translate_parts", "translate_with"]
