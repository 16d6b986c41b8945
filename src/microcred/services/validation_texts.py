"""The model's validation messages (a specification's or an award's problems) in the
reader's language.

The model writes its problems in English (the CLI, the API and the YAML errors show them so);
the console's forms show them in the member's language: each message is one template below,
its values (what was typed, codes, numbers) filled in, and a message of several problems
joined with "; " is translated problem by problem. A message that matches no template is
shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from microcred.i18n import N_
from microcred.verify.details import Translates, translate_parts

MESSAGES: tuple[str, ...] = (
    N_("'%(value)s' is not an absolute URI; write it as https://..., did:... or urn:..."),
    N_("'%(value)s' is not a web address; write it as https://example.org/..."),
    N_(
        "'%(value)s' is not an ESCO skill URI; ESCO skills look like %(prefix)s<uuid> (find them "
        "at esco.ec.europa.eu)"
    ),
    N_(
        "'%(value)s' is not an ISO 3166-1 alpha-2 country code; use two letters such as LV, EE, "
        "LT, DE (Greece is GR)"
    ),
    N_("'%(value)s' is not a BCP 47 language tag; use e.g. 'lv', 'en'"),
    N_("'%(value)s' is not a BCP 47 language tag; use a code such as 'en', 'lv' or 'de-AT'"),
    N_("the '%(value)s' text is empty; write the text or remove the entry"),
    N_("needs at least one language entry, for example {en: '...', lv: '...'}"),
    N_("must be a number, not true/false"),
    N_("'%(value)s' is not a number"),
    N_("must be a finite number"),
    N_("%(value)s is negative; the workload cannot be below 0"),
    N_("%(value)s has more than 2 decimals; round it, e.g. %(rounded)s"),
    N_("give the notional workload as `ects` and/or `hours`"),
    N_("type `other` needs a `description` saying how learners are assessed"),
    N_("type `other` needs a `description` of the quality assurance"),
    N_("give `months` (validity after issue) or `until` (a fixed date)"),
    N_("'%(value)s' is not allowed; use one of: %(codes)s"),
    N_("%(value)s is not an EQF level; use a whole number from 1 to 8"),
    N_("'%(value)s' is not an EQF level; use a whole number from 1 to 8"),
    N_("needs at least one learning outcome: `- text: {en: ...}`"),
    N_("'%(value)s' is not an element of the standard; did you mean '%(close)s'?"),
    N_("'%(value)s' is not an element of the standard; remove it or check the spelling"),
    # a missing element: what to add (model/validation.py MISSING_HINTS), itself translated
    N_("is required: add %(sentence)s"),
    N_("is required: one of: %(codes)s"),
    N_("this element"),
    N_("the title (Annex I element 2), e.g. `title: {en: Data analysis, lv: Datu analīze}`"),
    N_("the awarding body (element 4) with `name` and `country`"),
    N_("the organisation's name, e.g. `name: {en: Riga Technical College}`"),
    N_("the country of the awarding body (element 3), e.g. `country: LV`"),
    N_("the learning outcomes (element 6): a list of `- text: {en: ...}`"),
    N_("the notional workload (element 7), e.g. `workload: {ects: 5}` or `{hours: 40}`"),
    N_("the type of assessment (element 9), e.g. `assessment: {type: written_examination}`"),
    N_("the form of participation (element 10): one of %(codes)s"),
    N_(
        "the type of quality assurance (element 11), e.g. `quality_assurance: {type: institutional_qa}`"
    ),
    N_("the learner (element 1) with `name` and `identifier`"),
    N_("the learner's full name"),
    N_("a DID, mailto:e-mail or other URI identifying the learner"),
    N_("the date of issue (element 5), e.g. `issued_on: 2026-06-30`"),
    N_("the specification the award is issued from"),
    N_("a specification must be a mapping of elements (YAML keys)"),
    N_("an award must be a mapping of elements"),
    # pydantic's type errors, as model/validation.py words them
    N_("must be a mapping (`key: value` entries)"),
    N_("must be a list (`- ...` entries)"),
    N_("must be text"),
    N_("'%(value)s' is not a whole number"),
    N_("must be true or false"),
    N_("'%(value)s' is not a date; write it as YYYY-MM-DD, e.g. 2026-06-30"),
    N_("is required: %(hint)s"),
    N_("'%(value)s' is not a valid e-mail address; write it as mailto:name@example.org"),
    N_(
        "'%(value)s' is not an e-mail address, a DID or a URI; write name@example.org, did:... "
        "or https://..."
    ),
)
# the problems of one message ("a; b"): split where the next problem starts with a quote,
# a number or a word the templates start with
_PROBLEMS = re.compile(r"; (?=['\d]|the '|needs |must |give |type )")


def message_in(message: str, t: Translates) -> str:
    """``message`` in ``t``'s language (as it is where no template matches)."""
    return translate_parts(message, MESSAGES, _PROBLEMS, t)


class _Gettext:
    def __init__(self, gettext: Callable[[str], str]) -> None:
        self.gettext = gettext


def message_with(message: str, gettext: Callable[[str], str]) -> str:
    """:func:`message_in` for a caller that has a ``gettext`` function."""
    return message_in(message, _Gettext(gettext))


__all__ = ["MESSAGES", "message_in", "message_with"]
