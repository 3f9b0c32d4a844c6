"""Source attribution: a document should say where it comes from (SRC001), legibly (SRC002)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from corpus_lint.document import Document
from corpus_lint.rule import UNSAFE, Context, Diagnostic, Edit, Rule, register
from corpus_lint.textutil import shorten

# Characters that cannot start or end an outlet's name: what is left of a split "Name / Site"
# or of a removed link ("Source: /Telegraph", "Source: Daily Mail |").
_BOM = "\ufeff"
# (A dot just before a letter starts a name: "Source: .NET Magazine".)
_LEADING_JUNK = re.compile(r"^(?:[/\\|:;,·•*>»\-–—_~]|\.{2,}|\.(?![^\W_]))+\s*")
_TRAILING_JUNK = re.compile(r"\s*[/\\|:;,·•*<«\-–—_~]+$")
# Quotation marks, German and Danish guillemets too ("Quelle: »Der Spiegel«, 12. März"): an
# outlet's opening mark is no stray separator where its closing mark follows, nor the closing
# one where its opening mark came first.
_QUOTES = {"»": "«", "«": "»", "„": "“", "“": "”", '"': '"', "›": "‹", "‹": "›"}
_OPENING: dict[str, list[str]] = {}  # a closing mark -> the marks that open it
for _opening, _closing in _QUOTES.items():
    _OPENING.setdefault(_closing, []).append(_opening)
_URL = re.compile(r"^(?i:https?:|www\.)")
_BARE_URL = re.compile(r"^(?i:https?:/*)?(?i:www\.?)?/*$")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def outlet_problem(outlet: str) -> tuple[str, str | None]:
    """What is wrong with an outlet's text ("" when nothing), and its repaired form, if any."""
    if not outlet:
        return "names no outlet", None
    if not _LETTER_OR_DIGIT.search(outlet):
        return f'names no outlet, only "{shorten(outlet, 20)}"', None
    if _BARE_URL.match(outlet):
        return f'has a link without an address ("{outlet}")', None
    if _URL.match(outlet):
        return "", None  # a link is an outlet; its slashes are not stray separators
    repaired = without_junk(outlet)
    if repaired == outlet:
        return "", None
    return f'has a broken outlet "{shorten(outlet, 40)}"', repaired


def without_junk(outlet: str) -> str:
    """The outlet without the stray separators at its ends (`_LEADING_JUNK`, `_TRAILING_JUNK`),
    but for the quotation marks around a name."""
    first, last = outlet[:1], outlet[-1:]
    # "»Der Spiegel«, 12. März": an opening mark whose closing one follows is no separator.
    if not (first in _QUOTES and _QUOTES[first] in outlet[1:]):
        outlet = _LEADING_JUNK.sub("", outlet)
    # "Die Zeit, »Politik«": nor a closing mark whose opening one came first.
    if not (last in _OPENING and any(mark in outlet[:-1] for mark in _OPENING[last])):
        outlet = _TRAILING_JUNK.sub("", outlet)
    return outlet


def _outlet_span(match: re.Match[str]) -> tuple[int, int]:
    """Where the outlet is in the line: the "outlet" group, or everything after the match."""
    if "outlet" in match.re.groupindex and match.start("outlet") >= 0:
        return match.start("outlet"), match.end("outlet")
    return match.end(), len(match.string)


@register
class MissingSource(Rule):
    """A document without a source-attribution line.

    ## What it does
    Reports a document in which no line matches a source-line pattern of the rule packs (the
    SRC001 and SRC002 patterns; built in: `rules/sources.toml`). Accepted as attribution:
    "Source: Daily Mail" (and "Sources:", and the label in 35 languages: "Quelle: dpa",
    "Fuente: EFE", "Источник: ТАСС", "来源：新华社"), "Via Reuters", "Originally published in ...",
    "This article first appeared on ...", a wire trailer "Reporting by ...", and a wire
    dateline naming the agency, "TRIPOLI, June 28 (Xinhua) -- ...". A byline ("By Jane Doe")
    is not: it names a writer, not where the text comes from. A broken source line
    ("Source: /Telegraph") counts as present: SRC002 reports it. Blank documents are skipped.
    The report is on line 1, column 1.

    ## Why is this bad?
    Without its source a document cannot be traced, licensed, weighted by outlet or removed
    on request; corpora that mix outlets need the attribution on every document.

    ## Example
    ```text
    ISIS Thrown out of Syria & Iraq Is on the Terror-Path in Libya

    The Islamic State, thrown out the Libyan town of Sirte last fall...
    ```

    Use instead:
    ```text
    ISIS Thrown out of Syria & Iraq Is on the Terror-Path in Libya

    The Islamic State, thrown out the Libyan town of Sirte last fall...

    Source: Middle East Forum
    ```

    ## Fix safety
    No fix: only the person who collected the document knows its source.
    """

    code = "SRC001"
    name = "missing-source"
    pack_fields = frozenset({"patterns"})
    severity = "warning"

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        search = ctx.packs.any_pattern(self.code, "SRC002").searcher(doc.text)
        blank = True
        for text in reversed(doc.line_texts):  # a source line is usually last: found at once
            text = text.lstrip(_BOM)  # (ENC002's: the first line's text starts after it)
            if not text or text.isspace():
                continue
            blank = False
            if search(text):
                return
        if blank:
            return
        yield self.diagnostic(
            doc,
            0,
            0,
            'no source-attribution line (expected a line such as "Source: Daily Mail", '
            '"Via Reuters" or a wire dateline "CITY (Reuters) -"): the document cannot be '
            "traced to its outlet",
        )


@register
class MalformedSource(Rule):
    """A source line whose outlet is empty or broken.

    ## What it does
    Reports a source line (a line matching an SRC002 pattern of the rule packs; built in:
    `Source:` and `Sources:` lines, and their labels in other languages) whose outlet, the
    text after the label, is empty ("Source:"), has no letter or digit ("Source: -"), is a
    link without an address ("Source: http://"), or starts or ends with a stray separator
    ("Source: /Telegraph", "Source: Daily Mail |"), or repeats the label ("Source: Source:
    Reuters").

    ## Why is this bad?
    Tools that read the attribution (to weight, license or filter documents by outlet) take
    "/Telegraph" and "Telegraph" for two outlets, and an empty outlet for none at all.

    ## Example
    ```text
    Source: /Telegraph
    ```

    Use instead:
    ```text
    Source: Telegraph
    ```

    ## Fix safety
    Unsafe: it rewrites the outlet without the stray separators ("Source: /Telegraph" becomes
    "Source: Telegraph"); the separator may have been part of a longer name that the scraper
    cut. When there is nothing to salvage (no outlet, or a bare "http://"), there is no fix.
    """

    code = "SRC002"
    name = "malformed-source"
    pack_fields = frozenset({"patterns"})
    severity = "warning"
    fix_availability = UNSAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        patterns = ctx.packs.any_pattern(self.code)
        if not patterns:
            return
        search = patterns.searcher(doc.text)  # the match's span and its "outlet" group only
        for index, text in enumerate(doc.line_texts):
            bom = len(text) - len(text.lstrip(_BOM))  # (ENC002's)
            if bom:
                text = text[bom:]
            if not text or text.isspace():
                continue
            match = search(text)
            if match is None:
                continue
            start, end = _outlet_span(match)
            raw = text[start:end]
            outlet = raw.strip()
            again = (":" in outlet or "：" in outlet) and patterns.search(outlet)
            if again:  # the label repeated ("Source: Source: Reuters", "Quelle: Quelle: dpa")
                problem = f'has a broken outlet "{shorten(outlet, 40)}"'
                repaired = without_junk(outlet[_outlet_span(again)[0] :].strip()) or None
            else:
                problem, repaired = outlet_problem(outlet)
            if not problem:
                continue
            line = doc.lines[index]
            fix = None
            if repaired:
                # From the label's colon to the end of the outlet becomes one space and the
                # repaired outlet: "Source:/Telegraph" -> "Source: Telegraph".
                outlet_end = start + len(raw.rstrip())
                at = line.start + bom
                fix = self.fix(
                    f'Rewrite the outlet as "{repaired}"',
                    Edit(at + start, at + outlet_end, " " + repaired),
                )
            yield self.diagnostic(
                doc,
                line.start,
                line.end,
                f'source line "{shorten(text.strip(), 50)}" {problem}: the attribution '
                "cannot be read reliably",
                fix,
            )
