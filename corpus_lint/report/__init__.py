"""One formatter per --output-format. Rules never print; formatters never decide anything."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from importlib import import_module

from corpus_lint.rule import Diagnostic, Rule


@dataclass
class ReportContext:
    rules: dict[str, Rule]  # every known rule, selected or not (SARIF lists them all)
    files_checked: int = 0
    # Found or named, but left out on purpose (binary, a link out of the corpus...): the
    # summary never says "All checks passed" then.
    files_skipped: int = 0
    statistics: bool = False  # text: counts per rule instead of one line per diagnostic
    quiet: bool = False  # text: diagnostics only, no summary
    notes: list[str] = field(default_factory=list)  # extra summary lines (fixes applied, ...)
    # The run's errors (paths that could not be checked, reports not written...), as stderr
    # tells them: the summary must not say all passed.
    errors: list[str] = field(default_factory=list)
    # Its warnings (files left out on purpose: not regular files, binary...), as stderr tells
    # them: the html report lists them, as a reader of the page sees no stderr.
    warnings: list[str] = field(default_factory=list)
    hidden: int = 0  # diagnostics hidden by the baseline (or just recorded in it)
    # What `--fix` and `--fix --unsafe-fixes` would fix in the files as they are now (fixes
    # that follow from others included); None: not counted, count the diagnostics' fixes.
    fixable: tuple[int, int] | None = None
    color: bool = False  # text formats: ANSI colours (only ever for a terminal)
    sources: dict[str, str] = field(default_factory=dict)  # full: texts not read from disk
    # html: (setting, value) of the configuration that produced the findings, and each checked
    # file's length in words (None when the run did not count them).
    configuration: list[tuple[str, str]] = field(default_factory=list)
    word_counts: dict[str, int] | None = None
    # The files with findings that were not checked: a changed-files run's corpus files that
    # a file checked makes redundant (shown paths).
    besides: frozenset[str] = frozenset()


Formatter = Callable[[list[Diagnostic], ReportContext], str]

# Characters that act on whatever displays a report: C0 and C1 controls and DEL (terminal
# escape sequences), line and paragraph separators (they split a record for readers that
# split lines the Unicode way), bidi and other invisible format controls (they reorder or hide
# what a reader sees; the tag characters beyond the BMP carry hidden text). That is Unicode's
# categories Cc (but tab and line breaks), Cf, Zl and Zp, as `tests/test_report_formats.py`
# checks against `unicodedata`. Every format writes them as escapes; the text and github
# formats escape more (everything `str.isprintable` rejects).
_IN_THE_BMP = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
)
ACTIVE_CHARACTERS = re.compile(
    f"[{_IN_THE_BMP}\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_ACTIVE_IN_THE_BMP = re.compile(f"[{_IN_THE_BMP}]")
_BEYOND_THE_BMP = re.compile("[\U00010000-\U0010ffff]")


def escape_active(text: str, escape: Callable[[re.Match[str]], str]) -> str:
    """`ACTIVE_CHARACTERS.sub(escape, text)`, its ranges beyond the BMP tried only on a text
    that holds such a character: they made the whole search 5 times as long (0.2 s of a warm
    check's JSON report of 100,000 files), where one range or a class of the BMP is fast."""
    text = _ACTIVE_IN_THE_BMP.sub(escape, text)
    if _BEYOND_THE_BMP.search(text) is None:
        return text
    return ACTIVE_CHARACTERS.sub(escape, text)


def json_escape(match: re.Match[str]) -> str:
    """The character matched as JSON writes it escaped: `\\uXXXX`, beyond the BMP a pair of
    surrogates (`\\u` takes four digits only)."""
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def shown_escape(match: re.Match[str]) -> str:
    """The character matched as text a person reads: `\\uXXXX`, or `\\UXXXXXXXX` beyond
    the BMP (Python's escapes)."""
    code = ord(match.group())
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# format name -> "module:function" inside corpus_lint.report, imported only when used.
FORMATS: dict[str, str] = {
    "text": "text:render",
    "concise": "text:render",  # ruff's name for the one-line text format
    "full": "text:render_full",
    "json": "json:render",
    "jsonl": "json:render_lines",
    "sarif": "sarif:render",
    "github": "github:render",
    "gitlab": "gitlab:render",
    "junit": "junit:render",
    "html": "html:render",
    "clusters": "clusters:render",
}


# Formats given the diagnostics' paths as they are, a non-UTF-8 name's bytes included (as
# lone surrogates), which make them encodable themselves: SARIF writes each name as a URI,
# percent-encoded; html and `full` read the files again by their own names; the text formats
# show every name through `text.clean`, and count files by their own names (two names may be
# written alike: "k\xff.txt", and a file named so). The others get `encodable`.
OWN_PATHS = {"sarif", "html", "text", "concise", "full"}


def similarity_note(d: Diagnostic, index: int) -> str:
    """ " (similarity 0.91)" of a related file of `d`: to `d`'s document for the first (the
    keeper of a duplicate cluster), to the keeper for the cluster's other members."""
    similarity = d.related[index].similarity
    if similarity is None:
        return ""
    return f" (similarity {similarity:.2f}{' to the keeper' if d.cluster and index else ''})"


def formatter(name: str) -> Formatter:
    module, function = FORMATS[name].split(":")
    render = getattr(import_module(f"corpus_lint.report.{module}"), function)
    if name in OWN_PATHS:
        return render
    return lambda diagnostics, ctx: render([encodable(d) for d in diagnostics], ctx)


def chunked_formatter(name: str) -> Callable[[list[Diagnostic], ReportContext], Iterator[str]]:
    """`formatter(name)`'s text in pieces, for a stream: a format whose module has a
    `<function>_chunks` writes its report as it makes it (json: not one string of the whole
    report), any other in one piece."""
    module, function = FORMATS[name].split(":")
    render = getattr(import_module(f"corpus_lint.report.{module}"), f"{function}_chunks", None)
    if render is None:
        whole = formatter(name)
        return lambda diagnostics, ctx: iter((whole(diagnostics, ctx),))
    return lambda diagnostics, ctx: render([encodable(d) for d in diagnostics], ctx)


def encodable_text(text: str) -> str:
    """Text that UTF-8 can hold: the bytes of a non-UTF-8 file name (which Python keeps as lone
    surrogates) are written as `\\xNN`, so no format fails on them or carries them raw."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no file name decodes to
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def encodable(d: Diagnostic) -> Diagnostic:
    """`d` with its paths and message made encodable (file names may be any bytes)."""
    if d.path.isascii() and d.message.isascii() and all(r.path.isascii() for r in d.related):
        return d  # most findings: nothing to check further (0.07 s of 32,000 findings)
    texts = [d.path, d.message, *(r.path for r in d.related)]
    if all(encodable_text(t) is t for t in texts):
        return d
    related = tuple(replace(r, path=encodable_text(r.path)) for r in d.related)
    return replace(
        d, path=encodable_text(d.path), message=encodable_text(d.message), related=related
    )
