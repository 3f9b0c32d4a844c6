"""Text duplicated inside one file: a line printed twice (DUP001), a body pasted twice (DUP002)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from corpus_lint.document import Document
from corpus_lint.rule import UNSAFE, Context, Diagnostic, Related, Rule, register
from corpus_lint.textutil import delete_lines, normalise_phrase, shorten

# A duplicated body is at least this many non-blank lines...
DUPLICATED_BODY_MIN_LINES = 3
# ...and at least this many characters (of its trimmed lines): a title, a dateline and a short
# paragraph together, so that a repeated sign-off or a pair of short quotes is not taken for a
# pasted body.
DUPLICATED_BODY_MIN_CHARS = 200
# Earlier occurrences of one line tried as the start of a copy: bounds the work on files
# where one short line recurs many times, keeping the search linear in the file's length.
MAX_OCCURRENCES_TRIED = 8

_WORD = re.compile(r"\w")
_LETTER = re.compile(r"[^\W\d_]")


def repeats_a_line(doc: Document) -> bool:
    """Whether two non-blank lines may be equal after normalise_phrase: a screen at C speed
    (`Document.squeezed_lines`) that settles most documents before any line is compared."""
    squeezed = doc.squeezed_lines
    distinct = set(squeezed)
    distinct.discard(b"")
    return len(distinct) < len(squeezed) - squeezed.count(b"")


def line_keys(doc: Document) -> list[object]:
    """For each line, a key such that two lines have equal keys when their normalised texts
    (normalise_phrase) are equal; "" for a blank line.

    Normalising every line of a long file is the costly part, so a line is normalised only
    when another line has its squeezed form (`Document.squeezed_lines`), which equal lines
    must; any other line gets a key of its own, `(index,)`.
    """
    squeezed = doc.squeezed_lines
    counts = Counter(squeezed)
    keys: list[object] = []
    for index, (line, proxy) in enumerate(zip(doc.lines, squeezed)):
        if not proxy:  # empty or white space only
            keys.append("")
        elif counts[proxy] > 1:
            keys.append(normalise_phrase(line.text))
        else:
            keys.append((index,))
    return keys


@dataclass(frozen=True)
class Copy:
    """A run of lines (0-based, inclusive) that repeats an earlier run of the same file."""

    first_start: int
    first_end: int
    start: int
    end: int


def duplicated_bodies(doc: Document) -> list[Copy]:
    """Every later copy of an earlier run of non-blank lines, in file order.

    A copy is the longest run that matches from its start, and the earliest such run is its
    first copy; a third copy is reported against the first.

    Blank lines are left out of the comparison, so two copies laid out with different blank
    lines still match. Each later line is matched against at most MAX_OCCURRENCES_TRIED earlier
    occurrences of its text, and only where a run starts, so the work stays linear-ish.
    """
    if len(doc.text) < 2 * DUPLICATED_BODY_MIN_CHARS or not repeats_a_line(doc):
        return []  # no two lines alike: the usual case, settled without a search
    keys = line_keys(doc)
    if not any(isinstance(key, str) and key for key in keys):
        return []  # lines squeezed alike, yet none equal
    rows = [i for i, key in enumerate(keys) if key != ""]  # line indexes of the non-blank lines
    if len(rows) < 2 * DUPLICATED_BODY_MIN_LINES:
        return []
    seq = [keys[i] for i in rows]
    seen: dict[object, list[int]] = {}
    copies: list[Copy] = []
    j = 0
    while j < len(seq):
        best_start, best_length = -1, 0
        for i in seen.get(seq[j], ()):
            if i > 0 and seq[i - 1] == seq[j - 1]:
                continue  # not the start of a run: the run through (i-1, j-1) was tried
            length = 0
            while j + length < len(seq) and i + length < j and seq[i + length] == seq[j + length]:
                length += 1
            if length > best_length:
                best_start, best_length = i, length
        if best_length >= DUPLICATED_BODY_MIN_LINES and (
            sum(len(doc.lines[rows[k]].text.strip()) for k in range(j, j + best_length))
            >= DUPLICATED_BODY_MIN_CHARS
        ):
            copies.append(
                Copy(
                    rows[best_start],
                    rows[best_start + best_length - 1],
                    rows[j],
                    rows[j + best_length - 1],
                )
            )
            for k in range(j, j + best_length):
                _remember(seen, seq[k], k)
            j += best_length
            continue
        _remember(seen, seq[j], j)
        j += 1
    return copies


def with_repeated_head(doc: Document, copies: list[Copy], is_source) -> list[Copy]:
    """Copies grown backwards over the lines just before them that repeat the file's head.

    A page scraped with its print view repeats its headline and source line above the second
    copy of the body, and the source line may be laid out differently ("Source: Xinhua |
    2017-06-28 | Editor: huaxia", then "Source: Xinhua 2017-06-28"). The head is the non-blank
    lines before the first copy; a line before a later copy joins that copy when it equals a
    line of the head, or when it is a source line (`is_source`) and the head has one. Blank
    lines between them are taken too, so the fix leaves one headline and one source line.
    """
    if not copies:
        return copies
    lines = doc.lines
    keys = line_keys(doc)
    grown = []
    previous_end = -1
    for copy in copies:
        head = [i for i in range(copy.first_start) if keys[i] != ""]
        head_keys = {keys[i]: i for i in head if isinstance(keys[i], str)}
        sources = [i for i in head if is_source(lines[i].text)]
        start, first_start, taken = copy.start, copy.first_start, 0
        k = copy.start - 1
        while k > max(copy.first_end, previous_end) and taken < len(head):
            if keys[k] == "":
                k -= 1
                continue
            if isinstance(keys[k], str) and keys[k] in head_keys:
                match = head_keys[keys[k]]
            elif (
                sources
                and is_source(lines[k].text)
                and _same_outlet(lines[k].text, lines[sources[0]].text)
            ):
                match = sources[0]
            else:
                break
            start, first_start, taken = k, min(first_start, match), taken + 1
            k -= 1
        grown.append(Copy(first_start, copy.first_end, start, copy.end))
        previous_end = copy.end
    return grown


# Words of a source line that name no outlet: its label, and what an editor's line adds.
_SOURCE_LABELS = frozenset(
    "source sources via by from credit credits editor editors copyright reporting "
    "and the of in on at updated published".split()
)
_WORDS = re.compile(r"[^\W\d_]{2,}")


def _same_outlet(line: str, head_line: str) -> bool:
    """Could two source lines name one outlet, however laid out ("Source: Xinhua |
    2017-06-28 | Editor: huaxia" and "Source: Xinhua 2017-06-28")? Not when both name words
    and share none ("Source: Reuters" and "Source: Associated Press"): the second is the
    attribution of another filing, not a copy of the head's."""
    words, head_words = (
        set(_WORDS.findall(x.casefold())) - _SOURCE_LABELS for x in (line, head_line)
    )
    return not (words and head_words) or not words.isdisjoint(head_words)


def _remember(seen: dict[object, list[int]], key: object, index: int) -> None:
    occurrences = seen.setdefault(key, [])
    if len(occurrences) < MAX_OCCURRENCES_TRIED:
        occurrences.append(index)


@register
class RepeatedLine(Rule):
    """A line repeated right after itself, blank lines aside.

    ## What it does
    Reports a line whose text (trimmed, case-folded, runs of white space taken as one) equals
    the previous non-blank line's, with only blank lines between them. The report is on the
    repeat; the first occurrence is given as related. Lines without a letter are left alone:
    figures repeat in lists of data (a tennis score's sets, "6-4" then "6-4"), and symbols
    are BP002's. A repeat inside the second copy of a duplicated body is left to DUP002, whose fix
    removes it with the rest of the copy.

    ## Why is this bad?
    Scrapers often pick up a page's title twice (the `<title>` and the `<h1>`), or a paragraph
    twice from a teaser and the body. The repeat skews word counts, n-gram statistics and
    near-duplicate detection, and a model trained on it learns to stutter.

    ## Example
    ```text
    ISIS is regrouping in southern Libya

    ISIS is regrouping in southern Libya

    Isil is regrouping in southern Libya with the support of al-Qaeda...
    ```

    Use instead:
    ```text
    ISIS is regrouping in southern Libya

    Isil is regrouping in southern Libya with the support of al-Qaeda...
    ```

    ## Fix safety
    Unsafe: it deletes the repeated line (and one of the blank lines around it, so no run of
    blank lines is left). Deleting text is never safe: the two lines may differ in case or
    spacing, and the repeat may be intended (a refrain in a quoted song).
    """

    code = "DUP001"
    name = "repeated-line"
    severity = "warning"
    fix_availability = UNSAFE
    excluded_from_shingles = True

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        if not repeats_a_line(doc):
            return
        lines = doc.lines
        previous: int | None = None  # index of the previous non-blank line
        previous_proxy = None
        repeats: list[tuple[int, int]] = []
        for index, proxy in enumerate(doc.squeezed_lines):
            if not proxy:  # a blank line
                continue
            text = lines[index].text
            if (
                proxy == previous_proxy
                and _LETTER.search(text)
                and normalise_phrase(text) == normalise_phrase(lines[previous].text)
            ):
                repeats.append((previous, index))
            previous, previous_proxy = index, proxy
        if not repeats:
            return
        inside_copies = [(c.start, c.end) for c in duplicated_bodies(doc)]
        for first, index in repeats:
            if any(start <= index <= end for start, end in inside_copies):
                continue
            line = lines[index]
            fix = self.fix("Delete the repeated line", delete_lines(lines, index, index))
            yield self.diagnostic(
                doc,
                line.start,
                line.end,
                f'line repeats line {first + 1} ("{shorten(line.text)}"): the same text '
                "scraped twice inflates the document and skews its statistics",
                fix,
                related=(Related(doc.display_path, first + 1),),
            )


@register
class DuplicatedBody(Rule):
    """A run of paragraphs that appears twice in the same file.

    ## What it does
    Reports the second copy of a run of at least 3 non-blank lines and 200 characters
    (`DUPLICATED_BODY_MIN_LINES`, `DUPLICATED_BODY_MIN_CHARS`) that appears earlier in the same
    file, comparing lines trimmed, case-folded and with runs of white space taken as one, and
    ignoring blank lines. The report spans the second copy; the related location is the first
    copy's first line. The longest matching run is reported, so two copies that differ in a
    line or two at the top (a different "Source:" line) are matched from where they agree; the
    lines just before the second copy that repeat the file's head (the lines before the first
    copy: a headline equal to one of them, or a source line when the head has one, however it
    is laid out, unless it names another outlet) are part of the second copy, so the fix
    leaves one headline and one source line.

    ## Why is this bad?
    A page scraped together with its print view, or an article pasted twice, doubles every
    fact and every n-gram of the document: statistics are skewed, and a model trained on it
    sees the text twice as often as it should.

    ## Example
    ```text
    Title
    TRIPOLI, June 28 (Xinhua) -- Following IS loss of a large number of leaders...
    Libya is still suffering political division...
    Back to Top Close
    TRIPOLI, June 28 (Xinhua) -- Following IS loss of a large number of leaders...
    Libya is still suffering political division...
    ```

    Use instead:
    ```text
    Title
    TRIPOLI, June 28 (Xinhua) -- Following IS loss of a large number of leaders...
    Libya is still suffering political division...
    Back to Top Close
    ```

    ## Fix safety
    Unsafe: it deletes every line of the second copy (and one blank line next to it, so no run
    of blank lines is left). Lines between the two copies are kept. The copies may differ in
    case or spacing, and whatever the second copy alone held is lost.
    """

    code = "DUP002"
    name = "duplicated-body"
    severity = "warning"
    fix_availability = UNSAFE
    excluded_from_shingles = True

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        copies = duplicated_bodies(doc)
        if not copies:
            return
        lines = doc.lines
        is_source = ctx.packs.any_pattern("SRC001").search
        for copy in with_repeated_head(doc, copies, is_source):
            first, last = lines[copy.start], lines[copy.end]
            # Quote the copy's first line with words in it, not a stray "\\" that opens it.
            quoted = next(
                (
                    lines[i].text
                    for i in range(copy.start, copy.end + 1)
                    if _WORD.search(lines[i].text)
                ),
                first.text,
            )
            fix = self.fix(
                f"Delete the second copy (lines {first.number}-{last.number})",
                delete_lines(lines, copy.start, copy.end),
            )
            yield self.diagnostic(
                doc,
                first.start,
                last.end,
                f"lines {first.number}-{last.number} repeat lines {copy.first_start + 1}-"
                f'{copy.first_end + 1} ("{shorten(quoted, 40)}"...): the body is in the '
                "file twice, which doubles its text",
                fix,
                related=(Related(doc.display_path, copy.first_start + 1),),
            )
