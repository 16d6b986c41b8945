"""What each verifier check means for a reader, in plain language, by its machine code.

The web page, the share page and ``microcred verify`` show the same texts: the English
strings here are catalogue message ids (translated where they are shown), so a reader
sees the same sentence for the same code on every surface. A new check code needs its
meaning here (``tests/verify/test_report.py`` fails on a code with no text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from microcred.i18n import N_ as _
from microcred.verify.details import translate


class Translates(Protocol):
    """What the lines need of a page or a CLI translator: the catalogue in its language."""

    def gettext(self, message: str) -> str: ...


CHECK_LABELS = {
    "parse": _("Readable"),
    "schema": _("Data model"),
    "eu_standard": _("EU micro-credential elements"),
    "proof": _("Digital signature"),
    "issuer": _("Issuer's key"),
    "issuer_certificate": _("Issuer's certificate"),
    "trust": _("Issuer on the trust list"),
    "validity": _("Period of validity"),
    "status": _("Revocation and suspension"),
    "holder": _("Holder"),
}

# What each result means for the reader, by the check's machine code (microcred.verify).
_UNREADABLE = _("The file or text is not a credential this page can read.")
_NOT_DATA_MODEL = _("The document does not follow the credential data model.")
_EU_MISSING = _("Some elements the EU standard requires are missing: compare with the list below.")
_NOT_GENUINE = _(
    "The credential was changed after it was signed, or the signature is not genuine. "
    "Do not rely on it."
)
_WRONG_ISSUER = _("The credential was not signed by the issuer it names.")
_UNTRUSTED = _(
    "The issuer is not on this verifier's trust list: check who they are before you rely on it."
)
_OUTSIDE_VALIDITY = _("The credential is outside its period of validity.")
_CERTIFICATE_UNTRUSTED = _(
    "The issuer's certificate does not come from a certification authority this verifier "
    "trusts, so who issued the credential is not confirmed. Do not rely on it."
)
_CERTIFICATE_BROKEN = _(
    "The issuer's certificate is not usable (expired, wrongly formed, or for another key), "
    "so who issued the credential is not confirmed. Do not rely on it."
)
_WITHDRAWN = _("The issuer has withdrawn this credential.")
_STATUS_UNCHECKED = _("Its revocation status could not be checked.")
MEANINGS: dict[str, str] = {
    "parse.error": _UNREADABLE,
    "parse.hosted_unavailable": _(
        "The image carries only the address of the badge, and the badge could not be "
        "fetched from there."
    ),
    "parse.json": _("The credential could be read."),
    "parse.jwt": _("The credential could be read."),
    "parse.jades": _("The credential could be read."),
    "parse.sd_jwt": _("The credential could be read."),
    "parse.cose": _("The credential could be read."),
    "schema.ok": _("The document follows the credential data model."),
    "schema.invalid": _NOT_DATA_MODEL,
    "schema.jsonld": _NOT_DATA_MODEL,
    "schema.sd_jwt_vc": _NOT_DATA_MODEL,
    "schema.ob3": _("Some optional parts of the data model are not as expected."),
    "schema.credential_schema": _(
        "The credential does not follow the schema it says it follows, so it cannot be relied on."
    ),
    "schema.credential_schema_unchecked": _(
        "The credential names a schema this verifier does not hold, so it was not checked"
        " against it."
    ),
    "eu.complete": _("Every element the EU standard requires is present."),
    "eu.missing": _EU_MISSING,
    "eu.invalid": _EU_MISSING,
    "eu.not_ob3": _EU_MISSING,
    "proof.ok": _("Nothing in the credential was changed since the issuer signed it."),
    "proof.missing": _NOT_GENUINE,
    "proof.invalid_signature": _NOT_GENUINE,
    "proof.bad_key": _NOT_GENUINE,
    "proof.unsupported": _NOT_GENUINE,
    "proof.malformed": _NOT_GENUINE,
    "proof.rejected": _NOT_GENUINE,
    "proof.purpose": _NOT_GENUINE,
    "proof.jsonld": _NOT_GENUINE,
    "proof.unknown_context": _NOT_GENUINE,
    "proof.claims_mismatch": _NOT_GENUINE,
    "proof.key_unavailable": "",
    "issuer.ok": _("The signing key belongs to the issuer named in the credential."),
    "issuer.seal": _("The signing key belongs to the issuer named in the credential."),
    "issuer.certificate": _(
        "The credential was signed with the certificate of the issuer it names."
    ),
    "issuer.mismatch": _WRONG_ISSUER,
    "issuer.missing": _WRONG_ISSUER,
    "issuer_certificate.trusted": _(
        "The issuer's certificate comes from a certification authority this verifier trusts."
    ),
    "issuer_certificate.test_ca": _(
        "The issuer's certificate comes from a test certification authority: fine for a demo "
        "or a test, but it does not confirm who the issuer is."
    ),
    "issuer_certificate.no_anchor": _(
        "This verifier has no list of trusted certification authorities, so the issuer's "
        "certificate could not be checked."
    ),
    "issuer_certificate.untrusted": _CERTIFICATE_UNTRUSTED,
    "issuer_certificate.self_signed": _CERTIFICATE_UNTRUSTED,
    "issuer_certificate.anchor_included": _CERTIFICATE_BROKEN,
    "issuer_certificate.expired": _CERTIFICATE_BROKEN,
    "issuer_certificate.not_yet_valid": _CERTIFICATE_BROKEN,
    "issuer_certificate.key_mismatch": _CERTIFICATE_BROKEN,
    "issuer_certificate.malformed": _CERTIFICATE_BROKEN,
    "trust.ok": _("The issuer is known to this verifier."),
    "trust.unknown": _UNTRUSTED,
    "trust.eu_lists_not_checked": _UNTRUSTED,
    "validity.ok": _("The credential is within its period of validity."),
    "validity.expired": _OUTSIDE_VALIDITY,
    "validity.not_yet": _OUTSIDE_VALIDITY,
    "validity.invalid": _OUTSIDE_VALIDITY,
    "status.ok": _("The issuer has neither revoked nor suspended it."),
    "status.none": _("It names no revocation list, so its issuer cannot revoke it."),
    "status.revoked": _WITHDRAWN,
    "status.suspended": _WITHDRAWN,
    # A status list that cannot be trusted says nothing about withdrawal: not checked.
    "status.list_proof": _STATUS_UNCHECKED,
    "status.malformed": _STATUS_UNCHECKED,
    "status.foreign_list": _STATUS_UNCHECKED,
    "status.purpose": _STATUS_UNCHECKED,
    "status.unavailable": _STATUS_UNCHECKED,
    "status.stale": _STATUS_UNCHECKED,
    "status.unsupported": _STATUS_UNCHECKED,
    "status.other": _STATUS_UNCHECKED,
    "status.unknown": _STATUS_UNCHECKED,
    "status.not_a_list": _STATUS_UNCHECKED,
    "status.list_signer": _STATUS_UNCHECKED,
    "status.list_key_unavailable": _STATUS_UNCHECKED,
    "status.not_yet_valid": _STATUS_UNCHECKED,
    "status.list_length": _STATUS_UNCHECKED,
    "status.range": _STATUS_UNCHECKED,
    "status.list_malformed": _STATUS_UNCHECKED,
    # IETF Token Status List (an SD-JWT VC's status.status_list): the token could not be
    # had, is malformed, is signed by another than the credential's issuer, is the token
    # of another list, or has expired
    "status.token_unavailable": _STATUS_UNCHECKED,
    "status.token_malformed": _STATUS_UNCHECKED,
    "status.token_signer": _STATUS_UNCHECKED,
    "status.token_subject": _STATUS_UNCHECKED,
    "status.token_expired": _STATUS_UNCHECKED,
}
# For a code this page does not know (a report stored before codes, a check added later):
# what the result means by check and mark.
MEANINGS_BY_RESULT: dict[tuple[str, str], str] = {
    ("parse", "fail"): _UNREADABLE,
    ("schema", "fail"): _NOT_DATA_MODEL,
    ("schema", "warn"): MEANINGS["schema.ob3"],
    ("eu_standard", "pass"): MEANINGS["eu.complete"],
    ("eu_standard", "warn"): _EU_MISSING,
    ("proof", "pass"): MEANINGS["proof.ok"],
    ("proof", "fail"): _NOT_GENUINE,
    ("issuer", "pass"): MEANINGS["issuer.ok"],
    ("issuer", "fail"): _WRONG_ISSUER,
    ("issuer_certificate", "pass"): MEANINGS["issuer_certificate.trusted"],
    ("issuer_certificate", "warn"): MEANINGS["issuer_certificate.no_anchor"],
    ("issuer_certificate", "fail"): _CERTIFICATE_UNTRUSTED,
    ("trust", "pass"): MEANINGS["trust.ok"],
    ("trust", "warn"): _UNTRUSTED,
    ("validity", "pass"): MEANINGS["validity.ok"],
    ("validity", "fail"): _OUTSIDE_VALIDITY,
    ("status", "pass"): MEANINGS["status.ok"],
    ("status", "fail"): _WITHDRAWN,
    ("status", "warn"): _STATUS_UNCHECKED,
}

MARKS = {"pass": "green", "warn": "amber", "skip": "grey", "fail": "red"}
MARK_WORDS = {
    "pass": _("Passed"),
    "warn": _("Attention"),
    "fail": _("Failed"),
    "skip": _("Not checked"),
}
# The checks of the presentation itself (the holder's signature and binding), by code.
_VP_SIGNED = _("The person who presented these credentials signed the presentation.")
_VP_REPLAYABLE = _(
    "The presentation is signed, but it was not made for this check: it may be a copy of "
    "one made for someone else."
)
_VP_NOT_GENUINE = _(
    "The presentation's signature is not genuine, or it was made for another request: do "
    "not rely on who presented it."
)
_VP_NOT_HOLDER = _(
    "The presentation was not signed by its holder, or holds a credential issued to someone else."
)
PRESENTATION_MEANINGS: dict[str, str] = {
    "proof.ok": _VP_SIGNED,
    "proof.no_challenge": _VP_REPLAYABLE,
    "proof.key_unavailable": "",
    "holder.ok": _("Every credential was issued to the person who presented it."),
    "holder.not_bound": _(
        "Some credentials are not shown to belong to the person who presented them."
    ),
    "holder.mismatch": _VP_NOT_HOLDER,
    "holder.missing": _VP_NOT_HOLDER,
    # VC DM 2.0: a presentation need not name its holder; then nothing is bound to anyone.
    "holder.none": _("The presentation does not say who presented it."),
}
PRESENTATION_MEANINGS_BY_RESULT: dict[tuple[str, str], str] = {
    ("proof", "pass"): _VP_SIGNED,
    ("proof", "warn"): _VP_REPLAYABLE,
    ("proof", "fail"): _VP_NOT_GENUINE,
    ("holder", "pass"): PRESENTATION_MEANINGS["holder.ok"],
    ("holder", "warn"): PRESENTATION_MEANINGS["holder.not_bound"],
    ("holder", "fail"): _VP_NOT_HOLDER,
}


@dataclass
class CheckLine:
    id: str
    label: str
    status: str
    mark: str
    word: str
    message: str
    meaning: str
    code: str = ""


def check_lines(
    checks: Any,
    meanings: dict[str, str],
    by_result: dict[tuple[str, str], str],
    p: Translates,
) -> list[CheckLine]:
    """The checks of a report's JSON as lines: what each means, by its code (or, for a code
    this page does not know, by check and result)."""
    lines = []
    for check in checks or []:
        if not isinstance(check, dict):
            continue
        cid, cstatus = str(check.get("id")), str(check.get("status"))
        code = str(check.get("code") or "")
        meaning = meanings[code] if code in meanings else by_result.get((cid, cstatus), "")
        lines.append(
            CheckLine(
                cid,
                p.gettext(CHECK_LABELS[cid]) if cid in CHECK_LABELS else cid,
                cstatus,
                MARKS.get(cstatus, "grey"),
                p.gettext(MARK_WORDS.get(cstatus, "Not checked")),
                translate(str(check.get("message") or ""), p),
                p.gettext(meaning) if meaning else "",
                code,
            )
        )
    return lines
