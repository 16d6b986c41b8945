"""Whether a credential names the wallet's holder: the learner's name in the credential
against the holder's name, tolerant of diacritics, case, punctuation and word order
("Berzina Anna" is "Anna Bērziņa"), and of a name given in part ("Anna" or a middle name
more). Written by hand: a dozen lines of Unicode normalization, no library does this check."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W\d_]+")


def name_words(name: str) -> frozenset[str]:
    """The words of a name without diacritics, case folded (NFKD, combining marks dropped)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return frozenset(_WORD.findall(plain.casefold()))


def same_person(named: str, holder: str) -> bool:
    """True when the two names agree: the same words in any order, or one the other's part."""
    a, b = name_words(named), name_words(holder)
    if not a or not b:
        return True  # nothing to compare: no warning
    return a <= b or b <= a


def someone_else(named: str | None, holder: str | None) -> str | None:
    """The name in the credential when it is not the holder's, else None."""
    if not named or not holder or same_person(named, holder):
        return None
    return named
