"""`github`: GitHub Actions workflow commands, one annotation per diagnostic.

`::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=CODE name::message`

The runner reads a command from the start of a log line, so nothing the document says may
start a new line: the message is escaped as the runner's toolkit does (% CR LF), properties
also escape `:` and `,`, and other control characters (ANSI escapes) are shown as `\\x1b`.
GitHub accepts col/endColumn only on a one-line annotation.
"""

from __future__ import annotations

from corpus_lint.report import ReportContext, similarity_note
from corpus_lint.report.paths import from_root, repository_root, rooted_message
from corpus_lint.rule import Diagnostic

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def visible(text: str) -> str:
    """Control characters other than CR and LF (escaped later) written out as escapes."""
    return "".join(
        ch if ch.isprintable() or ch in " \r\n" else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def escape_data(text: str) -> str:
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic, root) -> str:
    properties = [("file", from_root(d.path, root)), ("line", str(d.line))]
    if d.end_line == d.line:
        properties.append(("col", str(d.column)))
    properties.append(("endLine", str(d.end_line)))
    if d.end_line == d.line:
        properties.append(("endColumn", str(d.end_column)))
    properties.append(("title", f"{d.code} {d.name}"))
    message = rooted_message(d, root)
    for index, r in enumerate(d.related):
        message += f"\nsee {from_root(r.path, root)}:{r.line}{similarity_note(d, index)}"
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS.get(d.severity, 'warning')} {props}::{escape_data(message)}"


def render(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    root = repository_root()
    return "".join(annotation(d, root) + "\n" for d in diagnostics)
