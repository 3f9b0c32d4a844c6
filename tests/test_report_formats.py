"""Every diagnostic of the seeds appears in every CI format, at the same place as in json."""

from __future__ import annotations

import contextlib
import io
import json
import os
import xml.etree.ElementTree as ET

import pytest

from corpus_lint.cli import main
from tests.helpers import PROJECT, validate
from tests.helpers import parse as parse_github

FORMATS = ("json", "sarif", "github", "gitlab", "junit")


@pytest.fixture(scope="module")
def seed_reports(tmp_path_factory) -> dict:
    """One run over the seeds writing every format to a file, plus what the terminal shows."""
    out_dir = tmp_path_factory.mktemp("reports")
    args = ["check", "--no-cache", "--no-progress"]
    for name in FORMATS:
        args += ["--output-format", f"{name}:{out_dir / name}"]
    stdout = io.StringIO()
    here = os.getcwd()
    os.chdir(PROJECT)
    try:
        with contextlib.redirect_stdout(stdout):
            code = main(args)
    finally:
        os.chdir(here)
    reports = {name: (out_dir / name).read_text(encoding="utf-8") for name in FORMATS}
    reports["terminal"] = stdout.getvalue()
    reports["exit"] = code
    return reports


def expected(reports) -> list[tuple]:
    found = [
        (d["path"], d["code"], d["line"], d["column"], d["end_line"], d["end_column"])
        for d in json.loads(reports["json"])
    ]
    assert found, "the seeds are dirty: json must report something"
    return sorted(found)


def test_the_seeds_are_reported_and_the_summary_still_reaches_the_terminal(seed_reports):
    assert seed_reports["exit"] == 1
    assert "Found " in seed_reports["terminal"]
    assert "seeds/" not in seed_reports["terminal"].split("Found ")[0]  # no diagnostic lines


def test_sarif_has_every_seed_diagnostic_at_the_same_place(seed_reports):
    log = json.loads(seed_reports["sarif"])
    validate(log)
    found = []
    for r in log["runs"][0]["results"]:
        location = r["locations"][0]["physicalLocation"]
        region = location["region"]
        found.append(
            (
                location["artifactLocation"]["uri"],
                r["ruleId"],
                region["startLine"],
                region["startColumn"],
                region["endLine"],
                region["endColumn"],
            )
        )
    assert sorted(found) == expected(seed_reports)


def test_sarif_related_locations_match_json_related(seed_reports):
    json_related = sorted(
        (d["path"], d["code"], tuple((r["path"], r["line"]) for r in d["related"]))
        for d in json.loads(seed_reports["json"])
    )
    sarif_related = sorted(
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["ruleId"],
            tuple(
                (
                    rel["physicalLocation"]["artifactLocation"]["uri"],
                    rel["physicalLocation"]["region"]["startLine"],
                )
                for rel in r.get("relatedLocations", [])
            ),
        )
        for r in json.loads(seed_reports["sarif"])["runs"][0]["results"]
    )
    assert sarif_related == json_related


def test_github_has_every_seed_diagnostic_at_the_same_place(seed_reports):
    found = []
    for _, props, _ in parse_github(seed_reports["github"]):
        line, end_line = int(props["line"]), int(props["endLine"])
        found.append(
            (
                props["file"],
                props["title"].split()[0],
                line,
                int(props.get("col", 0)),
                end_line,
                int(props.get("endColumn", 0)),
            )
        )
    want = [
        (path, code, line, column if line == end else 0, end, end_column if line == end else 0)
        for path, code, line, column, end, end_column in expected(seed_reports)
    ]
    assert sorted(found) == want


def test_gitlab_has_every_seed_diagnostic_at_the_same_place(seed_reports):
    issues = json.loads(seed_reports["gitlab"])
    found = sorted(
        (i["location"]["path"], i["check_name"], i["location"]["lines"]["begin"])
        + (i["location"]["lines"]["end"],)
        for i in issues
    )
    want = sorted((p, c, line, end) for p, c, line, _, end, _ in expected(seed_reports))
    assert found == want
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_junit_has_every_seed_diagnostic_at_the_same_place(seed_reports):
    root = ET.fromstring(seed_reports["junit"].encode("utf-8"))
    found = []
    for suite in root.findall("testsuite"):
        for case in suite.findall("testcase"):
            code, position = case.get("name").split()
            line, column = position.split(":")
            assert case.find("failure").get("type") == code
            found.append((suite.get("name"), code, int(line), int(column)))
    want = sorted((p, c, line, col) for p, c, line, col, _, _ in expected(seed_reports))
    assert sorted(found) == want


def test_json_report_is_laid_out_as_json_dumps_with_an_indent_of_two(seed_reports):
    value = json.loads(seed_reports["json"])
    assert len(value) > 1
    assert seed_reports["json"] == json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def test_json_report_of_no_diagnostics_is_an_empty_list(tmp_path):
    (tmp_path / "a.txt").write_text("A title\n\nA sentence.\n\nSource: Reuters\n")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["check", "--no-cache", "--output-format", "json", str(tmp_path / "a.txt")])
    assert (code, stdout.getvalue()) == (0, "[]\n")


def test_json_report_is_the_generic_indented_dump_of_each_diagnostic():
    """`report.json.render` writes a diagnostic out by hand (fast path); the reference is
    `json.dumps(..., indent=2)` of the list of `to_dict`s, active characters escaped."""
    from corpus_lint.report import ReportContext
    from corpus_lint.report.json import dumps, render, to_dict
    from corpus_lint.rule import SAFE, Diagnostic, Edit, Fix, Related

    odd = 'quote " back\\\\ slash \\u202e bidi \\x1b esc \\u00e9 \\U0001f600 \\n line'
    diagnostics = [
        Diagnostic("WS001", "trailing-whitespace", odd, "warning", "a b/é.txt", 3, 4, 3, 9),
        Diagnostic(
            "DUP004",
            "near-duplicate",
            "m",
            "info",
            odd,
            1,
            1,
            1,
            2**40,
            Fix((Edit(0, 1, "x"),), SAFE, odd),
            (Related("k.txt", 1, 0.83333333), Related(odd, 7), Related("z", 1, 1.0)),
        ),
    ]
    expected = dumps([to_dict(d) for d in diagnostics], indent=2) + "\n"
    assert render(diagnostics, ReportContext(rules={})) == expected
    assert json.loads(expected)[0]["message"] == odd


def test_json_report_on_stdout_is_written_a_block_of_diagnostics_at_a_time(tmp_path, monkeypatch):
    """The json report goes to stdout as it is made (`render_chunks`), never as one string of
    the whole report (with its fragments and encoding, 30 MB of the peak at 32,000 findings);
    the pieces make the text `render` gives."""
    from corpus_lint.report import json as json_report

    monkeypatch.setattr(json_report, "CHUNK_DIAGNOSTICS", 2)
    for i in range(3):  # two findings each (WS001 trailing white space)
        (tmp_path / f"{i}.txt").write_text("A title \n\nA sentence. \n\nSource: Reuters\n")

    class Writes(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.pieces: list[str] = []

        def write(self, text: str) -> int:
            self.pieces.append(text)
            return super().write(text)

    stdout = Writes()
    with contextlib.redirect_stdout(stdout):
        main(["check", "--no-cache", "--select", "WS", "--output-format", "json", str(tmp_path)])
    report = json.loads(stdout.getvalue())
    assert len(report) == 6
    assert stdout.getvalue() == json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    pieces = [p for p in stdout.pieces if p]
    assert len(pieces) == 4  # three blocks of two, then the closing bracket
    assert all(p.count('"code"') <= 2 for p in pieces)


def test_fix_counts_are_never_negative_when_an_unsafe_fix_replaces_safe_ones():
    # Found by an adversarial review: a repeated title holding three no-break spaces is 3
    # safe fixes, or 1 unsafe fix (the line deleted): the html report showed "-2" more with
    # --unsafe-fixes.
    from corpus_lint.report.text import fixable
    from tests.report_samples import context

    ctx = context()
    ctx.fixable = (3, 1)
    assert fixable([], ctx) == (3, 0)
    ctx.fixable = (3, 5)
    assert fixable([], ctx) == (3, 2)


def test_active_characters_are_the_controls_format_characters_and_separators_of_unicode():
    # A hand-made list of the BMP's left out the tag characters (U+E0020-E007F: hidden text)
    # and the other format characters beyond it, which then reached json, sarif and html raw.
    import sys
    import unicodedata

    from corpus_lint.report import ACTIVE_CHARACTERS, json_escape, shown_escape

    categories = {"Cc", "Cf", "Zl", "Zp"}
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    matched = set(ACTIVE_CHARACTERS.findall(every))
    wanted = {c for c in every if unicodedata.category(c) in categories} - set("\t\n\r")
    assert wanted <= matched
    # Besides: format characters of later Unicode versions than this Python's.
    assert {unicodedata.category(c) for c in matched - wanted} <= {"Cn"}
    tag = ACTIVE_CHARACTERS.search("a\U000e0069b")
    assert json.loads(f'"{json_escape(tag)}"') == "\U000e0069"
    assert shown_escape(tag) == "\\U000e0069"


def test_escape_active_is_the_substitution_of_every_active_character():
    # The fast path (a class of the BMP, then the whole class only on a text beyond it) gives
    # what the whole class gives, on text with and without characters beyond the BMP.
    from corpus_lint.report import ACTIVE_CHARACTERS, escape_active, json_escape

    texts = ["plain \x1b[31m text\u202e", "tag\U000e0041 and \U0001d173 \u200b", "\U0001f600 ok"]
    for text in texts:
        assert escape_active(text, json_escape) == ACTIVE_CHARACTERS.sub(json_escape, text)
