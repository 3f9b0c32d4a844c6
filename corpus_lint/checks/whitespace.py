"""Whitespace rules (WS): trailing and leading spaces, final newline, line endings, blank lines."""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Iterator
from itertools import islice

from corpus_lint.checks.encoding import INVISIBLE, plural, quote
from corpus_lint.document import Document, Line
from corpus_lint.rule import SAFE, Context, Diagnostic, Edit, Rule, register

# Horizontal whitespace these rules own: space, tab and the other Unicode spaces, except the
# no-break ones (ENC006's, so no character is reported by two rules) and the controls that
# `str.isspace()` also accepts (ENC005's).
SPACES = " \t\u1680" + "".join(map(chr, range(0x2000, 0x2007))) + "\u2008\u2009\u200a\u205f\u3000"
# What an indentation is made of, as far as WS005 looks: its own spaces and ENC006's.
_INDENTATION_CHARS = frozenset(SPACES + INVISIBLE)
_INDENTATION = re.compile(f"[{re.escape(SPACES + INVISIBLE)}]+")

_ENDING_NAMES = {"\r\n": "CRLF", "\r": "CR", "\n": "LF"}


@register
class TrailingWhitespace(Rule):
    """A line ends with spaces or tabs.

    ## What it does
    Reports spaces, tabs and other Unicode spaces at the end of a line, including lines
    made of nothing else. No-break spaces are ENC006's, never this rule's.

    ## Why is this bad?
    Trailing whitespace is invisible noise: it makes identical lines differ, shows up in
    every diff, and is usually debris from scraping or copy-paste.

    ## Example
    Three trailing spaces, shown as "␣":
    ```text
    The talks resumed on Monday.␣␣␣
    ```

    Use instead:
    ```text
    The talks resumed on Monday.
    ```

    ## Fix safety
    Safe: only whitespace at the end of a line is removed; no word changes.
    """

    code = "WS001"
    name = "trailing-whitespace"
    severity = "warning"
    fix_availability = SAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        for index, text in enumerate(doc.line_texts):  # far cheaper than a regex over the text
            if not text or text[-1] not in SPACES:
                continue
            line = doc.lines[index]
            start, end = line.start + len(line.text.rstrip(SPACES)), line.end
            yield self.diagnostic(
                doc,
                start,
                end,
                f"{plural(end - start, 'whitespace character')} at the end of the line: "
                "invisible noise that makes identical lines differ",
                self.fix("Remove the trailing whitespace", Edit(start, end, "")),
            )


@register
class MissingFinalNewline(Rule):
    """The file does not end with a newline.

    ## What it does
    Reports a non-empty file whose last line has text but no line ending, at the end of
    that line. A last line of whitespace only is an excess blank line (WS004) instead.

    ## Why is this bad?
    POSIX tools treat the last line of such a file as incomplete: `cat`-ing files together
    glues one file's last line to the next file's first, `wc -l` miscounts, and every
    edit of the last line shows up twice in a diff.

    ## Example
    A file whose last bytes are the outlet's name, with no newline after it:
    ```text
    Source: Daily Mail
    ```

    Use instead: the same line, followed by a newline.

    ## Fix safety
    Safe: adds a line ending, the file's own one (LF, or CRLF or CR when every other line
    ends so), and changes no word.
    """

    code = "WS002"
    name = "missing-final-newline"
    severity = "warning"
    fix_availability = SAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        # The last line ends with a break when the text does (Document.lines).
        if doc.text.endswith(("\n", "\r")) or not doc.squeezed_lines[-1] or doc.text == "\ufeff":
            return  # (a byte-order mark alone is an empty file to be: ENC002's)
        endings = {line.ending for line in doc.lines[:-1]}
        ending = endings.pop() if len(endings) == 1 else "\n"
        end = len(doc.text)
        yield self.diagnostic(
            doc,
            end,
            end,
            "no newline at the end of the file: tools that join or count lines treat the "
            "last line as incomplete",
            self.fix("Add a final newline", Edit(end, end, ending)),
        )


@register
class LineEndings(Rule):
    """The file has CRLF (Windows) or CR (old Mac) line endings, or a mix of endings.

    ## What it does
    Reports a file with any line ending other than LF, once, at its first such ending,
    with how many lines end each way.

    ## Why is this bad?
    A corpus should have one line ending. CR characters end up inside lines for tools that
    split on LF (a stray "\\r" at the end of every title), lone CRs make whole files look
    like one line, and mixed endings make diffs unreadable.

    ## Example
    Line endings shown as escapes:
    ```text
    Title\\r\\n\\r\\nFirst paragraph.\\r\\n
    ```

    Use instead:
    ```text
    Title\\n\\nFirst paragraph.\\n
    ```

    ## Fix safety
    Safe: every line ending becomes LF; no word changes.
    """

    code = "WS003"
    name = "line-endings"
    severity = "warning"
    fix_availability = SAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        if "\r" not in doc.text:
            return
        wrong = [line for line in doc.lines if line.ending in ("\r\n", "\r")]
        counts = Counter(line.ending for line in doc.lines if line.ending)
        kinds = ", ".join(
            f"{counts[e]} {_ENDING_NAMES[e]}" for e in ("\r\n", "\r", "\n") if counts[e]
        )
        if len(counts) == 1:
            found = f"{_ENDING_NAMES[wrong[0].ending]} line endings ({kinds})"
        else:
            found = f"mixed line endings ({kinds})"
        first = wrong[0]
        yield self.diagnostic(
            doc,
            first.end,
            first.end + 1,
            f"{found}: tools that split lines on LF keep stray CR characters",
            self.fix(
                "Convert every line ending to LF",
                *(Edit(line.end, line.end + len(line.ending), "\n") for line in wrong),
            ),
        )


@register
class ExcessBlankLines(Rule):
    """More than one blank line in a row, or blank lines at the start or end of the file.

    ## What it does
    Reports, as one diagnostic per run, the blank lines beyond the first in a run of blank
    lines, every blank line before the first line of text, and every blank line after the
    last one. A file of blank lines only (two or more: one line break is an empty file's own)
    is one diagnostic, an empty document. A blank line is empty or holds only whitespace.

    ## Why is this bad?
    One blank line separates paragraphs; more carry no meaning and are usually left over
    from removed boilerplate. They make paragraph splitting and duplicate detection
    inconsistent, and blank lines at the start or end of a file are pure noise.

    ## Example
    ```text
    First paragraph.


    Second paragraph.
    ```

    Use instead:
    ```text
    First paragraph.

    Second paragraph.
    ```

    ## Fix safety
    Safe: it removes the extra blank lines (one is kept between paragraphs, none at the
    start or end of the file); they hold no word.
    """

    code = "WS004"
    name = "excess-blank-lines"
    severity = "warning"
    fix_availability = SAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        blank = list(map(operator.not_, doc.squeezed_lines))  # Line.is_blank, at C speed
        if all(blank):  # no text at all: one line break is an empty file's own, not more
            if len(blank) > 1:
                yield self._empty(doc)
            return
        if not (blank[0] or blank[-1] or any(map(operator.and_, blank, islice(blank, 1, None)))):
            return  # no blank line at either end, none after another: the usual case
        lines = doc.lines
        index = 0
        while index < len(lines):
            if not blank[index]:
                index += 1
                continue
            first = index
            while index < len(lines) and blank[index]:
                index += 1
            run = lines[first:index]
            if first == 0:
                where = "at the start of the file"
                extra = run
            elif index == len(lines):
                where = "at the end of the file"
                extra = run
            else:
                where = "in a row"
                extra = run[1:]
            if not extra:
                continue
            yield self._report(doc, run, extra, where)

    def _empty(self, doc: Document) -> Diagnostic:
        lines = doc.lines
        last = lines[-1]
        return self.diagnostic(
            doc,
            lines[1].start,
            last.end,
            f"{plural(len(lines), 'blank line')} and no text: an empty document",
            self.fix(
                f"Remove {plural(len(lines) - 1, 'blank line')}",
                Edit(lines[1].start, last.end + len(last.ending), ""),
            ),
        )

    def _report(self, doc: Document, run: list[Line], extra: list[Line], where: str) -> Diagnostic:
        start, end = extra[0].start, extra[-1].end + len(extra[-1].ending)
        if where == "in a row":
            message = (
                f"{plural(len(run), 'blank line')} in a row: one separates paragraphs, "
                "the rest is noise left by removed text"
            )
        else:
            message = f"{plural(len(run), 'blank line')} {where}: noise with no meaning"
        return self.diagnostic(
            doc,
            extra[0].start,
            extra[-1].end,
            message,
            self.fix(f"Remove {plural(len(extra), 'blank line')}", Edit(start, end, "")),
        )


@register
class LeadingWhitespace(Rule):
    """A line of text is indented with spaces or tabs.

    ## What it does
    Reports the indentation (spaces, tabs, other Unicode spaces) of a line that holds text.
    Lines of whitespace only are blank lines: their whitespace is WS001's. An indentation
    that holds no-break spaces or zero-width characters is left to ENC006, which owns those
    characters: once its fix has turned them into plain spaces, this rule reports the
    indentation that remains (and `--fix`, which runs until nothing changes, removes it).

    ## Why is this bad?
    Prose in a plain-text corpus is not indented; indentation is layout debris from the
    page the text was scraped from. It makes identical lines differ and hides lines from
    anchored patterns ("^Source:").

    ## Example
    Four leading spaces, shown as "␣":
    ```text
    ␣␣␣␣Source: Xinhua
    ```

    Use instead:
    ```text
    Source: Xinhua
    ```

    ## Fix safety
    Safe: only the whitespace before the first character of the line is removed.
    """

    code = "WS005"
    name = "leading-whitespace"
    severity = "warning"
    fix_availability = SAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        for index, text in enumerate(doc.line_texts):
            if not text or text[0] not in _INDENTATION_CHARS or text.isspace():  # Line.is_blank
                continue
            line = doc.lines[index]
            indentation = _INDENTATION.match(line.text)
            start, end = line.start, line.start + indentation.end()
            if any(ch in INVISIBLE for ch in indentation.group()):
                continue  # ENC006's characters: it reports them first
            yield self.diagnostic(
                doc,
                start,
                end,
                f"line indented with {plural(end - start, 'whitespace character')} "
                f"{quote(indentation.group())}: layout debris from the page the text came from",
                self.fix("Remove the indentation", Edit(start, end, "")),
            )
