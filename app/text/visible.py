"""What of a text a reader can see: without format characters (zero-width spaces, joiners,
the byte-order mark), the Hangul fillers that render as nothing, and space at its ends."""

from __future__ import annotations

import unicodedata

# Letters (category Lo) that draw nothing: a question made of them looks empty.
FILLERS = frozenset("\u115f\u1160\u3164\uffa0")


def invisible(char: str) -> bool:
    """A format character (Cf) or a Hangul filler."""
    return char in FILLERS or unicodedata.category(char) == "Cf"


def visible_text(text: str) -> str:
    """The text without invisible characters, stripped of white space (Zs and the rest) at
    its ends; "" when nothing in it can be seen."""
    return "".join(c for c in text if not invisible(c)).strip()
