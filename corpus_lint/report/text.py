"""`text`: one `path:line:col: CODE message` line per diagnostic, then a summary."""

from __future__ import annotations

from collections import Counter

from corpus_lint.report import ReportContext
from corpus_lint.rule import SAFE, UNSAFE, Diagnostic


def clean(text: str) -> str:
    """Document text quoted in a message must not drive the terminal: escape controls."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def line_of(d: Diagnostic) -> str:
    mark = " [*]" if d.fix and d.fix.applicability == SAFE else ""
    # File names are as hostile as document text: a name may hold a newline or an escape.
    out = f"{clean(d.path)}:{d.line}:{d.column}: {d.code}{mark} {clean(d.message)}"
    for related in d.related:
        similarity = (
            f" (similarity {related.similarity:.2f})" if related.similarity is not None else ""
        )
        out += f"\n    see {clean(related.path)}:{related.line}{similarity}"
    return out


def summary(diagnostics: list[Diagnostic], ctx: ReportContext) -> list[str]:
    if not diagnostics:
        checked = f"{ctx.files_checked} file{'s' * (ctx.files_checked != 1)}"
        if ctx.errors:  # a run that did not check everything never says it passed
            errors = f"{ctx.errors} error{'s' * (ctx.errors != 1)}"
            return [*map(clean, ctx.notes), f"No diagnostics in {checked}, but {errors}."]
        return [*map(clean, ctx.notes), f"All checks passed ({checked})."]
    counts = Counter(d.code for d in diagnostics)
    names = {d.code: d.name for d in diagnostics}
    safe = sum(1 for d in diagnostics if d.fix and d.fix.applicability == SAFE)
    unsafe = sum(1 for d in diagnostics if d.fix and d.fix.applicability == UNSAFE)
    files = len({d.path for d in diagnostics})
    lines = [
        f"Found {len(diagnostics)} diagnostic{'s' * (len(diagnostics) != 1)} in {files} "
        f"of {ctx.files_checked} file{'s' * (ctx.files_checked != 1)}:"
    ]
    width = len(str(max(counts.values())))
    for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {count:>{width}} {code:<7} {names[code]}")
    if safe:
        lines.append(f"[*] {safe} fixable with `--fix`.")
    if unsafe:
        lines.append(f"{unsafe} more fixable with `--fix --unsafe-fixes`.")
    return [*map(clean, ctx.notes), *lines]


def render(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    out: list[str] = []
    if not ctx.statistics:
        out.extend(line_of(d) for d in diagnostics)
    if not ctx.quiet:
        if out:
            out.append("")
        out.extend(summary(diagnostics, ctx))
    return "\n".join(out) + "\n" if out else ""
