"""`concise` (alias `text`): one `path:line:col: CODE message` line per diagnostic, then a
summary. `full`: the same, each with the offending line under it and the span marked."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

from corpus_lint.report import ReportContext, encodable_text, similarity_note
from corpus_lint.rule import SAFE, UNSAFE, Diagnostic

# ANSI styles, used only when ReportContext.color says the output is a terminal that wants them.
BOLD, RED, CYAN, RESET = "\x1b[1m", "\x1b[1;31m", "\x1b[36m", "\x1b[0m"
# `full`: a source line wider than this (in terminal cells) is shortened around the span.
FULL_LINE_WIDTH = 100
TAB_WIDTH = 4


def clean(text: str) -> str:
    """Document text quoted in a message must not drive the terminal: escape controls. The
    bytes of a non-UTF-8 file name are written `\\xNN`, as in every report (`encodable_text`)."""
    text = encodable_text(text)
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def line_start(path: str) -> str:
    """A file name that starts a line of a report: `clean`, and "./" before a name that
    starts with a colon, which would make "::error file=...::.txt" a command to a CI log
    reader (GitHub reads any line starting with "::")."""
    shown = clean(path)
    return "./" + shown if shown.startswith(":") else shown


def _style(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{RESET}" if color else text


def line_of(d: Diagnostic, color: bool = False) -> str:
    return _head(d, color) + _related(d)


def _head(d: Diagnostic, color: bool) -> str:
    mark = " " + _style("[*]", CYAN, color) if d.fix and d.fix.applicability == SAFE else ""
    # File names are as hostile as document text: a name may hold a newline or an escape.
    where = _style(line_start(d.path), BOLD, color)
    return f"{where}:{d.line}:{d.column}: {_style(d.code, RED, color)}{mark} {clean(d.message)}"


def _related(d: Diagnostic) -> str:
    out = ""
    for index, related in enumerate(d.related):
        out += f"\n    see {clean(related.path)}:{related.line}{similarity_note(d, index)}"
    return out


def _files(count: int) -> str:
    return f"{count} file{'s' * (count != 1)}"


def statistics(diagnostics: list[Diagnostic]) -> list[str]:
    """One line per rule, most frequent first: `  3 WS001   trailing-whitespace`."""
    counts = Counter(d.code for d in diagnostics)
    names = {d.code: d.name for d in diagnostics}
    width = len(str(max(counts.values(), default=0)))
    return [
        f"  {count:>{width}} {code:<7} {names[code]}"
        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def fixable(diagnostics: list[Diagnostic], ctx: ReportContext) -> tuple[int, int]:
    """(what `--fix` fixes, what `--unsafe-fixes` fixes besides): the engine's counts when it
    made them (fixes that follow from others included; a file that is not UTF-8 is fixed only
    with the unsafe transcode), else the diagnostics that carry a fix of each kind."""
    if ctx.fixable is not None:
        safe, with_unsafe = ctx.fixable
        # Fewer with the unsafe fixes when one replaces several safe ones (a repeated line
        # deleted whole, its no-break spaces with it): none more, never a negative count.
        return safe, max(with_unsafe - safe, 0)
    safe = sum(1 for d in diagnostics if d.fix and d.fix.applicability == SAFE)
    unsafe = sum(1 for d in diagnostics if d.fix and d.fix.applicability == UNSAFE)
    return safe, unsafe


# The corpus rules whose findings name a duplicate cluster (a stale allow-list entry: none).
_DUPLICATES = ("DUP003", "DUP004")


def summary(diagnostics: list[Diagnostic], ctx: ReportContext) -> list[str]:
    """The closing lines. "All checks passed" only when files were checked, nothing was
    found and nothing failed."""
    notes = list(map(clean, ctx.notes))
    checked = _files(ctx.files_checked)
    if not diagnostics:
        return [*notes, nothing_found(ctx)]
    # A stale allow-list entry is a duplicate finding of no cluster, in the allow-list.
    allow_lists = {d.path for d in diagnostics if d.code in _DUPLICATES and d.cluster is None}
    paths = {d.path for d in diagnostics} - allow_lists
    besides = len(paths & ctx.besides)
    plural = "s" * (len(diagnostics) != 1)
    where = f"{len(paths) - besides} of {checked}"
    if besides:  # corpus files a better copy checked makes redundant
        where += f" and {_corpus_files(besides)} the files checked make redundant"
    if allow_lists:
        where += (
            " and an allow-list"
            if len(allow_lists) == 1
            else f" and {len(allow_lists)} allow-lists"
        )
    lines = [f"Found {len(diagnostics)} diagnostic{plural} in {where}:"]
    lines += statistics(diagnostics)
    lines.extend(cluster_summary(diagnostics, ctx))
    safe, unsafe = fixable(diagnostics, ctx)
    if safe:
        lines.append(f"[*] {safe} fixable with `--fix`.")
    if unsafe > 0:
        lines.append(f"{unsafe} more fixable with `--fix --unsafe-fixes`.")
    if ctx.errors:
        lines.append(f"{_errors(ctx)} (see below).")
    if ctx.files_skipped:
        lines.append(f"And {_left_out(ctx)}.")
    return [*notes, *lines]


def nothing_found(ctx: ReportContext) -> str:
    """The summary of a run with no diagnostics: "All checks passed" only when files were
    checked and nothing failed."""
    checked = _files(ctx.files_checked)
    if ctx.errors:
        return f"No diagnostics in the {checked} checked, but {_errors(ctx)} (see below)."
    if not ctx.files_checked:
        return "No files were checked."
    if ctx.files_skipped:
        return f"No diagnostics in the {checked} checked; {_left_out(ctx)}."
    if ctx.hidden:
        return f"No new diagnostics in {checked} ({ctx.hidden} in the baseline)."
    return f"All checks passed ({checked})."


def _left_out(ctx: ReportContext) -> str:
    """The files found but not checked, on purpose: a run that left one out has not passed."""
    return f"{_files(ctx.files_skipped)} left out, not checked (see the warnings)"


def _errors(ctx: ReportContext) -> str:
    return f"{len(ctx.errors)} error{'s' * (len(ctx.errors) != 1)}"


def render(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    return _render(diagnostics, ctx, lambda d: line_of(d, ctx.color))


def render_full(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    texts: dict[str, list[str] | None] = {}

    def lines_of(path: str) -> list[str] | None:
        if path not in texts:
            texts[path] = source_lines(path, ctx)
        return texts[path]

    def full(d: Diagnostic) -> str:
        lines = lines_of(d.path)
        head = _head(d, ctx.color)
        if lines is None or not 1 <= d.line <= len(lines):
            return head + _related(d)
        text = lines[d.line - 1]
        end = d.end_column if d.end_line == d.line else len(text) + 1
        shown, marker = excerpt(text, d.column, max(end, d.column + 1))
        gutter = " " * len(str(d.line))
        carets = marker.lstrip(" ")
        marker = marker[: len(marker) - len(carets)] + _style(carets, RED, ctx.color)
        return f"{head}\n{gutter} |\n{d.line} | {shown}\n{gutter} | {marker}{_related(d)}"

    return _render(diagnostics, ctx, full, between="\n\n")


def _render(diagnostics: list[Diagnostic], ctx: ReportContext, one, between: str = "\n") -> str:
    out: list[str] = []
    if not ctx.statistics and diagnostics:
        out.append(between.join(one(d) for d in diagnostics))
    elif ctx.quiet:  # the counts are what --statistics reports, quiet or not
        out.extend(statistics(diagnostics))
    if not ctx.quiet:
        if out:
            out.append("")
        out.extend(summary(diagnostics, ctx))
    return "\n".join(out) + "\n" if out else ""


def source_lines(path: str, ctx: ReportContext) -> list[str] | None:
    """The lines of a diagnostic's file as the rules saw them (decoded as they decode it, or
    the text checked when it was not read from disk: standard input's); None when it cannot
    be read now."""
    text = ctx.sources.get(path)
    if text is None:
        from corpus_lint.document import Document, DocumentError

        try:
            text = Document.read(Path(path)).text
        except (DocumentError, OSError):
            return None
    if "\r" not in text:  # split as `Document.lines` splits, without its Line records
        return text.split("\n")
    from corpus_lint.document import LINE_BREAK

    return LINE_BREAK.split(text)


def _cells(ch: str) -> tuple[str, int]:
    """How a character is shown in an excerpt, and how many terminal cells that takes."""
    if ch == "\t":
        return " " * TAB_WIDTH, TAB_WIDTH
    if not (ch.isprintable() or ch == " "):
        shown = clean(ch)
        return shown, len(shown)
    if unicodedata.combining(ch):
        return ch, 0
    return ch, 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def excerpt(text: str, column: int, end_column: int, width: int = FULL_LINE_WIDTH):
    """(the line as shown, the marker line): `^` under characters column..end_column-1
    (1-based, in characters), counted in terminal cells so wide, combining, tab and escaped
    characters keep the marker aligned; a line wider than `width` is cut around the span,
    with `…` where text was left out."""
    shown = [_cells(ch) for ch in text]
    starts = [0]
    for _, cells in shown:
        starts.append(starts[-1] + cells)
    first = min(column - 1, len(text))
    last = min(end_column - 1, len(text))
    mark_from = starts[first]
    mark_to = max(starts[last], mark_from + 1)  # an empty span (a missing newline): one ^
    left, right = 0, starts[-1]
    if right > width:
        left = max(0, min(mark_from - width // 4, right - width))
        right = left + width
        mark_to = max(min(mark_to, right), mark_from + 1)
    line = []
    for (part, cells), start in zip(shown, starts):
        if start >= left and start + cells <= right:
            line.append(part)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < starts[-1] else ""
    pad = mark_from - left + len(prefix)
    return prefix + "".join(line) + suffix, " " * pad + "^" * (mark_to - mark_from)


def _corpus_files(count: int) -> str:
    return f"{count} corpus file{'s' * (count != 1)}"


def cluster_summary(diagnostics: list[Diagnostic], ctx: ReportContext) -> list[str]:
    """Duplicate clusters: how many, how many redundant documents and their share of the
    files checked; with --statistics, clusters counted by size."""
    from corpus_lint.report.clusters import clusters

    sizes = {c["id"]: c["size"] for c in clusters(diagnostics)}
    if not sizes:
        return []
    redundant = sum(1 for d in diagnostics if d.cluster is not None)
    besides = sum(1 for d in diagnostics if d.cluster is not None and d.path in ctx.besides)
    checked = _files(ctx.files_checked)
    share = f"{(redundant - besides) / max(ctx.files_checked, 1):.1%} of the {checked} checked"
    if besides:
        share = f" ({besides} in the corpus besides the {checked} checked" + (
            f"; {share})" if besides < redundant else ")"
        )
    else:
        share = f" ({share})" if ctx.files_checked else ""
    lines = [
        f"Duplicates: {len(sizes)} cluster{'s' * (len(sizes) != 1)}, {redundant} redundant "
        f"document{'s' * (redundant != 1)}{share}."
    ]
    if ctx.statistics:
        counts = Counter(sizes.values())
        listed = ", ".join(f"size {size}: {n}" for size, n in sorted(counts.items()))
        lines.append(f"  clusters by size (documents in a cluster): {listed}")
    return lines
