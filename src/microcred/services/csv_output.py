"""Every CSV file the product writes (``errors.csv`` of bulk runs, in the CLI's output folder
and as the console's download) is written here, safe to open in a spreadsheet.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (OWASP,
"CSV Injection"), or a line feed or NUL (ASVS 1.2.10), is one a spreadsheet may run as a
formula (``=cmd|' /C calc'!A0``, ``@SUM(1)``). Such a cell is written with a leading single
quote, which spreadsheets show as text. The rule goes by the first character only, so a
negative number such as ``-5`` is written ``'-5`` too: no CSV of the product is meant to be
read back as numbers, and an exception for "numbers" is what formula payloads slip through.
Quoting and embedded quotes follow RFC 4180 (the ``csv`` module's default dialect).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


class _Text(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise(value: object) -> str:
    """The cell as text, with a leading ``'`` when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`neutralise`."""

    def __init__(self, handle: _Text) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: _Text) -> SafeWriter:
    return SafeWriter(handle)


__all__ = ["FORMULA_START", "SafeWriter", "neutralise", "writer"]
