from __future__ import annotations

import xml.etree.ElementTree as ET

from corpus_lint.report.junit import render
from corpus_lint.rule import Related
from tests.report_samples import HOSTILE, context, diagnostic


def parse(diagnostics, files_checked: int = 2) -> ET.Element:
    return ET.fromstring(render(diagnostics, context(files_checked)).encode("utf-8"))


def test_one_suite_per_file_and_one_failure_per_diagnostic():
    root = parse(
        [
            diagnostic("WS001", path="corpus/a.txt", line=3),
            diagnostic("WS002", path="corpus/a.txt", line=9, column=4),
            diagnostic("BP001", path="corpus/b.txt", line=1, column=1),
        ]
    )
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("3", "3")
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [
        ("corpus/a.txt", "2", "2"),
        ("corpus/b.txt", "1", "1"),
    ]
    cases = suites[0].findall("testcase")
    assert [(c.get("name"), c.get("classname")) for c in cases] == [
        ("WS001 3:5", "corpus/a.txt"),
        ("WS002 9:4", "corpus/a.txt"),
    ]
    failure = cases[0].find("failure")
    assert failure.get("type") == "WS001"
    assert failure.get("message") == "trailing whitespace"
    assert failure.text.startswith("corpus/a.txt:3:5: WS001 ")


def test_a_hostile_message_gives_well_formed_xml_that_keeps_the_text():
    root = parse([diagnostic(message=HOSTILE)])
    failures = root.findall(".//failure")
    assert len(failures) == 1
    message = failures[0].get("message")
    assert "]]> </failure> <![CDATA[ & " in message
    assert "\\x1b[31mred" in message and "\\x00\\x07" in message
    assert "]]> </failure>" in failures[0].text


def test_related_files_are_listed_in_the_failure_text():
    found = diagnostic("DUP004", "near-duplicate", related=(Related("corpus/b.txt", 1, 0.9),))
    [failure] = parse([found]).findall(".//failure")
    assert failure.text.endswith("see corpus/b.txt:1 (similarity 0.90)")


def test_a_clean_run_still_has_one_passing_test():
    root = parse([], files_checked=5)
    cases = root.findall(".//testcase")
    assert len(cases) == 1
    assert cases[0].find("failure") is None
    assert "5 files" in cases[0].get("name")
    assert root.get("failures") == "0"


def test_a_run_that_did_not_check_everything_is_no_passing_test():
    # Found by review rev34a: a run with an error (exit 2), or with files left out, was one
    # passing test case.
    ctx = context(1)
    ctx.errors = ["gone.txt: no such file or directory"]
    ctx.warnings = ["pipe.txt: not a regular file, not linted"]
    ctx.files_skipped = 1
    root = ET.fromstring(render([], ctx).encode("utf-8"))
    assert [root.get(k) for k in ("tests", "failures", "errors", "skipped")] == ["2", "0", "1", "1"]
    [suite] = root.findall("testsuite")
    error, left_out = suite.findall("testcase")
    assert error.find("error").get("message") == "gone.txt: no such file or directory"
    assert left_out.find("skipped").get("message") == "1 file left out, not checked"
    assert left_out.find("skipped").text == "pipe.txt: not a regular file, not linted"
    clean = ET.fromstring(render([], context(1)).encode("utf-8"))
    assert [clean.get(k) for k in ("tests", "errors", "skipped")] == ["1", "0", "0"]
    assert clean.find("testsuite/testcase").get("name") == "corpus-lint (1 file)"
