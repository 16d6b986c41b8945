"""The pathway evaluation's sentences (rule titles, summaries, what is missing, why a credential
does not count) in the reader's language.

The evaluator (``stacking/evaluate.py``) writes them in English: that is the wire form of an
evaluation (the API, the CLI's ``--json``, the evaluations stored with applications and
decisions) and it stays so. Pages show them through :func:`text_in`, the way the verifier's
details are (``verify/details.py``): each sentence is a template below with its values
(numbers, names, addresses) named; a sentence that matches none is shown as it is. The
sentences that carry others (what is missing, and why) have those translated too.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from microcred.i18n import N_
from microcred.verify.details import Translates

TEMPLATES: tuple[str, ...] = (
    # rule titles the evaluator gives a rule without one
    N_("Required credentials"),
    N_("At least %(n)s of %(total)s"),
    N_("At least %(ects)s ECTS and %(hours)s hours"),
    N_("At least %(ects)s ECTS"),
    N_("At least %(hours)s hours"),
    N_("Skills and learning outcomes covered"),
    # summaries
    N_("%(have)s of %(total)s required credentials present"),
    N_("%(have)s of the %(total)s listed credentials present, %(needed)s needed"),
    N_("%(have)s of %(need)s ECTS"),
    N_("%(have)s of %(need)s hours"),
    N_("%(have)s of %(total)s skills and learning outcomes covered"),
    # what is missing
    N_("missing: %(what)s (%(used)s already counts for another entry of this rule)"),
    N_("missing: %(what)s (%(why)s)"),
    N_("missing: %(what)s"),
    N_("%(n)s more needed, from: %(options)s (%(why)s)"),
    N_("%(n)s more needed, from: %(options)s"),
    N_("%(n)s more ECTS needed (has %(have)s of %(need)s)"),
    N_("%(n)s more hours needed (has %(have)s of %(need)s)"),
    N_("not covered yet: skill %(skill)s"),
    N_("not covered yet: learning outcome “%(phrase)s”"),
    # why a credential does not count
    N_("%(title)s does not count: %(why)s"),
    N_("it has been revoked by its issuer"),
    N_("it is suspended by its issuer"),
    N_("it has expired"),
    N_("it did not verify (the signature, issuer or format could not be confirmed)"),
    N_(
        "it could not be checked now (authentic, but whether its issuer withdrew it is not "
        "known); the authority decides whether it counts"
    ),
    N_("its verification status is %(status)s"),
    N_("it expired on %(date)s"),
    N_("it has no date of issue, so its recency cannot be checked"),
    N_("it is the credential this pathway awards"),
    N_("it was issued on %(date)s, more than %(years)s years ago"),
    N_("it states no EQF level (EQF %(level)s or higher needed)"),
    N_("it is at EQF level %(level)s; level %(needed)s or higher is needed"),
    N_("it is issued by %(who)s, neither an accepted issuer nor on the trust list"),
    N_("it is issued by %(who)s, not one of the accepted issuers"),
    N_("it is issued by %(who)s, not on the trust list"),
    N_("its assessment (%(kind)s) is not one of %(allowed)s"),
    N_("its supervision (%(kind)s) is not one of %(allowed)s"),
)
_NUMBERS = {"have", "need", "n", "total", "needed", "ects", "hours", "level", "years"}
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_CARRIED = {"why"}  # values that are the evaluator's sentences themselves, joined with "; "


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for template in TEMPLATES:
        parts = re.split(r"%\((\w+)\)s", template)
        pattern = "".join(
            re.escape(part)
            if n % 2 == 0
            else f"(?P<{part}>{_NUMBER if part in _NUMBERS else '.+?'})"
            for n, part in enumerate(parts)
        )
        out.append((template, re.compile(pattern, re.S)))
    return tuple(out)


def _number_in(value: str, t: Translates) -> str:
    """A number of the English sentence ("2.5") as the reader writes it ("2,5" in Latvian),
    when the translator knows numbers (``i18n.Translator.number``)."""
    number = getattr(t, "number", None)
    return str(number(Decimal(value))) if number is not None and "." in value else value


def text_in(message: str, t: Translates) -> str:
    """``message`` (one of the evaluator's sentences) in ``t``'s language, else as it is."""
    for template, pattern in _patterns():
        found = pattern.fullmatch(message)
        if found:
            values = {
                k: "; ".join(text_in(part, t) for part in v.split("; "))
                if k in _CARRIED
                else _number_in(v, t)
                if k in _NUMBERS
                else v
                for k, v in found.groupdict().items()
            }
            return t.gettext(template) % values
    for separator in ("; ", ", "):  # "3 of 3 ECTS, 40 of 75 hours"; reasons joined
        parts = message.split(separator)
        if len(parts) > 1:
            done = [text_in(part, t) for part in parts]
            if done != parts:
                return separator.join(done)
    return message


__all__ = ["TEMPLATES", "text_in"]
