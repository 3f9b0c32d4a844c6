"""`junit`: JUnit XML as Jenkins and GitLab read it.

One `<testsuite>` per file with diagnostics (name = path), one failing `<testcase>` per
diagnostic; and a `corpus-lint` suite for the run itself: one `<error>` case per error of the
run (a path that could not be read), one `<skipped>` case for the files left out, and a
passing case when the run is clean (Jenkins treats a report with no test at all as a
failure to report). ElementTree escapes markup; characters XML 1.0
cannot hold at all (most control characters), and the other active characters (C1 controls,
bidi controls, line separators), are written out as escapes first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby

from corpus_lint.report import ReportContext, escape_active, similarity_note
from corpus_lint.rule import Diagnostic

# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Text XML can hold and that cannot act on a reader: active characters escaped too."""
    text = _NOT_XML.sub(_escaped, text)
    return escape_active(text, _escaped)


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def details(d: Diagnostic) -> str:
    """The failure's text: one line per diagnostic and per related file. A newline or CR in a
    file name or message is escaped, so it cannot start a line of its own (a workflow command
    such as `::error::` for a CI that echoes the report)."""
    out = f"{_one_line(d.path)}:{d.line}:{d.column}: {d.code} {d.name}: {_one_line(d.message)}"
    for index, r in enumerate(d.related):
        out += f"\nsee {_one_line(r.path)}:{r.line}{similarity_note(d, index)}"
    return xml_safe(out)


def _one_line(text: str) -> str:
    return _LINE_BREAKS.sub(_escaped, text)


_LINE_BREAKS = re.compile("[\r\n]")


def render(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    errors, skipped = len(ctx.errors), int(bool(ctx.files_skipped))
    clean = not (diagnostics or errors or skipped)
    root = ET.Element(
        "testsuites",
        name="corpus-lint",
        tests=str(len(diagnostics) + errors + skipped + clean),
        failures=str(len(diagnostics)),
        errors=str(errors),
        skipped=str(skipped),
    )
    by_path = groupby(sorted(diagnostics, key=lambda d: d.sort_key), key=lambda d: d.path)
    for path, group in by_path:
        found = list(group)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=xml_safe(path),
            tests=str(len(found)),
            failures=str(len(found)),
            errors="0",
            skipped="0",
        )
        for d in found:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{d.code} {d.line}:{d.column}",
                classname=xml_safe(d.path),
                file=xml_safe(d.path),
                line=str(d.line),
            )
            failure = ET.SubElement(case, "failure", message=xml_safe(d.message), type=d.code)
            failure.text = details(d)
    if errors or skipped or clean:
        suite = ET.SubElement(
            root,
            "testsuite",
            name="corpus-lint",
            tests=str(errors + skipped + clean),
            failures="0",
            errors=str(errors),
            skipped=str(skipped),
        )
        for number, error in enumerate(ctx.errors, 1):
            case = ET.SubElement(
                suite, "testcase", name=f"run error {number}", classname="corpus-lint"
            )
            ET.SubElement(case, "error", message=xml_safe(_one_line(error)), type="error")
        if skipped:
            files = f"{ctx.files_skipped} file{'s' * (ctx.files_skipped != 1)}"
            case = ET.SubElement(
                suite, "testcase", name=f"{files} left out", classname="corpus-lint"
            )
            left_out = ET.SubElement(case, "skipped", message=f"{files} left out, not checked")
            left_out.text = xml_safe("\n".join(_one_line(w) for w in ctx.warnings))
        if clean:
            files = f"{ctx.files_checked} file{'s' * (ctx.files_checked != 1)}"
            ET.SubElement(suite, "testcase", name=f"corpus-lint ({files})", classname="corpus-lint")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
