"""Text helpers shared by the rules, the packs and the boilerplate miner: how phrases are
compared, how text is quoted in a message, how lines are deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from corpus_lint.rule import Edit

if TYPE_CHECKING:
    from corpus_lint.document import Line


def normalise_phrase(text: str) -> str:
    """How phrases and lines are compared: trimmed, case-folded, runs of white space as one."""
    return " ".join(text.split()).casefold()


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
