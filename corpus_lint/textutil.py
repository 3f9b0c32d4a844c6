"""Text helpers shared by the rules, the packs and the boilerplate miner: how phrases are
compared, how text is quoted in a message, how lines are deleted."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from corpus_lint.rule import Edit

if TYPE_CHECKING:
    from corpus_lint.document import Line


def normalise_phrase(text: str) -> str:
    """How phrases and lines are compared: trimmed, case-folded, runs of white space as one,
    accents composed (NFC: "Cafe\u0301" is "Café", as a macOS file name or editor may write it)."""
    folded = " ".join(text.split()).casefold()
    return folded if folded.isascii() else unicodedata.normalize("NFC", folded)


# White space as `str.split` has it: the ASCII bytes but the line breaks, and the wider ones.
_ASCII_SPACES = b" \t\x0b\x0c\x1c\x1d\x1e\x1f"
_WIDE_SPACES = re.compile("[\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


def squeeze(text: str) -> bytes:
    """The text case-folded, without any white space, in UTF-8 ("\\n" kept): texts equal after
    `normalise_phrase` are equal squeezed (not always the converse), and squeezing costs a
    few C calls for a whole text, where normalising costs a few per line."""
    if text.isascii():  # case-folding ASCII is lower-casing it, faster on bytes
        return text.encode().lower().translate(None, _ASCII_SPACES)
    folded = text.casefold()  # casefold makes no white space and takes none away
    if not unicodedata.is_normalized("NFC", folded):  # (nor does composing accents)
        folded = unicodedata.normalize("NFC", folded)
    return (
        _WIDE_SPACES.sub("", folded).encode("utf-8", "surrogatepass").translate(None, _ASCII_SPACES)
    )


# ASCII bytes: letters lower-cased, digits and "_" kept, everything else a separator (space).
_ASCII_WORDS = bytes(
    b + 32 if 65 <= b <= 90 else b if b >= 128 or chr(b).isalnum() or b == 95 else 32
    for b in range(256)
)
_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\w]+")


def word_bytes(text: str) -> bytes:
    """The text's UTF-8 bytes with every word lower-cased and every non-word byte a space:
    its words, `bytes.split()`, are exactly `re.findall(r"\\w+", nfc(text).lower())` encoded,
    accents composed (NFC) first: an NFD copy, as a macOS tool may write it, has the words of
    its original, not words split at every combining mark. The one tokenisation of a
    document (`Document.word_bytes`): DUP004's shingles and TXT001's screen.

    Bytes operations (three times faster than a regular expression): ASCII through a
    translation table, the rare non-ASCII text through a regular expression that turns
    Unicode punctuation and spaces into separators first.
    """
    if text.isascii():
        return text.encode().translate(_ASCII_WORDS)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _NON_ASCII_NON_WORD.sub(" ", text.lower()).encode().translate(_ASCII_WORDS)


def nearest_lines(texts: list[str], index: int) -> tuple[int | None, int | None]:
    """The indices of the nearest lines that are not blank before and after the one at
    `index`, None at the document's edge: the neighbours a line's role is judged by."""
    found: list[int | None] = []
    for step in (-1, 1):
        other = index + step
        while 0 <= other < len(texts) and not texts[other].strip():
            other += step
        found.append(other if 0 <= other < len(texts) else None)
    return found[0], found[1]


# The article's own structure that chrome's shapes take (BP001's menus and lone letters,
# BP005's repeated short lines): a table's rows between vertical bars, an interview's labels.
# A cell that is a number: "25", "21,344", "+3", "4.5%", "$1.2", a score "2-1"; not a date
# or a time ("01/18/08", "12:30"), which a widget's rows hold too (comments, bylines).
_NUMBER_CELL = re.compile(r"\s*[-+±−]?[$£€]?\d[\d.,]*(?:%|[-–]\d+)?\s*")
# A Markdown table's rule under its header: "|---|:---:|".
_TABLE_RULE = re.compile(r"\s*\|?(?:\s*:?-{3,}:?\s*\|)*\s*:?-{3,}:?\s*\|?\s*")


def in_table(texts: list[str], index: int) -> bool:
    """Whether the line at `index`, cells between vertical bars, is a row of a table: the row
    next to it (blank lines and a Markdown rule aside) has as many cells, and one of the two
    has a number for a cell ("Team | Played | Points" over "Chelsea | 25 | 64"). A menu or a
    share widget ("Share | 12") stands alone, or over prose or other chrome."""
    cells = _cells(texts[index])
    numbered = any(map(_NUMBER_CELL.fullmatch, cells))
    for step in (-1, 1):
        other = index + step
        while 0 <= other < len(texts) and (
            not texts[other].strip() or _TABLE_RULE.fullmatch(texts[other])
        ):
            other += step
        if 0 <= other < len(texts) and "|" in texts[other]:
            row = _cells(texts[other])
            if len(row) == len(cells) and (numbered or any(map(_NUMBER_CELL.fullmatch, row))):
                return True
    return False


def _cells(text: str) -> list[str]:
    return text.strip().strip("|").split("|")


def interview_label(texts: list[str], index: int) -> bool:
    """Whether the line at `index` is an interview's "Q" over a question or its "A" under
    one, not a lone letter of chrome (a font-size button "A")."""
    label = texts[index].strip()
    if label not in ("Q", "A"):
        return False
    before, after = nearest_lines(texts, index)
    beside = after if label == "Q" else before
    return beside is not None and texts[beside].rstrip().endswith("?")


def delete_lines(lines: list[Line], first: int, last: int) -> Edit:
    """One edit removing `lines[first..last]` (0-based, inclusive) with their line endings.

    When the removed lines sit between two blank lines (or a blank line and the file's edge),
    one of those blank lines goes too, so the removal leaves no run of blank lines behind.
    """
    before_blank = first == 0 or lines[first - 1].is_blank
    after_blank = last == len(lines) - 1 or lines[last + 1].is_blank
    if before_blank and after_blank:
        if last + 1 < len(lines):
            last += 1
        elif first > 0:
            first -= 1
    return Edit(lines[first].start, lines[last].end + len(lines[last].ending), "")


def shorten(text: str, limit: int = 60) -> str:
    """Text quoted in a message: trimmed, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
