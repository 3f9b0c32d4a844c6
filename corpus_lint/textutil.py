"""Text helpers shared by the rules, the packs and the boilerplate miner: how phrases are
compared, how text is quoted in a message, how lines are deleted."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
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
# A cell that is a figure: "25", "21,344", "+3", "4.5%", "$1.2", "£80m", "1st", "18°C",
# "12km", a score "2-1", odds "4/5", a race time "1:32.5" or "2:03:59"; not a date
# ("01/18/08") nor a clock time ("12:30"), which comment lists and bylines hold.
_NUMBER_CELL = re.compile(
    r"\s*[-+±−]?[$£€]?\d[\d.,]*(?::\d\d\.\d+|(?::\d\d){2}|/\d+|[-–]\d+)?"
    r"(?:%|st|nd|rd|th|°[CF]?|[CF]|p|k|m|bn|km|kg|cm|mm|g|s|mph|pts?)?\s*"
)
# A Markdown table's rule under its header, "|---|:---:|", or a line of dashes: these
# characters alone, a dash among them (`_table_rule`: a regex of the same made a line of
# spaces before a letter cost seconds, its runs of spaces tried in every split).
_TABLE_RULE_CHARACTERS = "|-: \t"
# Lines passed over (blank, a Markdown rule) looking for the row beside a row: a bound, so
# that a file of rules alone is read in linear time.
_MOST_PASSED = 3


def in_table(texts: list[str], index: int) -> bool:
    """Whether the line at `index`, cells between vertical bars, is a row of a table: a row
    beside it (blank lines and a Markdown rule aside) has as many cells, and one of the two
    has a figure for a cell ("Team | Played | Points" over "Chelsea | 25 | 64"). A menu or a
    widget alone ("Share | 12") is no table; a widget's rows stacked ("Print | 0" over
    "Email | 0") are one, as "US | 2.1%" over "UK | 1.8%" is: no shape tells them apart.
    BP001 and BP005 read tables so alike."""
    cells = _cells(texts[index])
    figures = any(map(_NUMBER_CELL.fullmatch, cells))
    return any(
        len(row) == len(cells) and (figures or any(map(_NUMBER_CELL.fullmatch, row)))
        for row in (_cells(texts[other]) for other in _rows_beside(texts, index))
    )


def _rows_beside(texts: list[str], index: int) -> Iterator[int]:
    """The lines with a vertical bar right before and after the one at `index`, blank lines
    and a Markdown rule aside (`_MOST_PASSED` of them at most)."""
    for step in (-1, 1):
        other = index + step
        passed = 0
        while (
            0 <= other < len(texts)
            and passed < _MOST_PASSED
            and (not texts[other].strip() or _table_rule(texts[other]))
        ):
            other += step
            passed += 1
        if 0 <= other < len(texts) and "|" in texts[other] and not _table_rule(texts[other]):
            yield other


def _table_rule(text: str) -> bool:
    return "-" in text and not text.strip(_TABLE_RULE_CHARACTERS)


def _cells(text: str) -> list[str]:
    return text.strip().strip("|").split("|")


# An interview's labels: "Q" and "A" alone, in turn, within this many lines of each other
# (blank lines aside, and a bound on them).
_INTERVIEW_SPAN = 30


def interview_label(texts: list[str], index: int) -> bool:
    """Whether the line at `index` is an interview's "Q" or "A": a lone "Q" with a lone "A"
    in the lines after it, or a lone "A" with a lone "Q" in the lines before (blank lines
    aside), not a lone letter of chrome (a font-size button "A", "A A A")."""
    label = texts[index].strip()
    if label not in ("Q", "A"):
        return False
    other, step = ("A", 1) if label == "Q" else ("Q", -1)
    seen, at = 0, index + step
    while 0 <= at < len(texts) and seen < _INTERVIEW_SPAN and abs(at - index) < 4 * _INTERVIEW_SPAN:
        line = texts[at].strip()
        if line == other:
            return True
        if line == label:
            return False  # "A" under "A": buttons
        seen += bool(line)
        at += step
    return False


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
