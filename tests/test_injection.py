"""Output that cannot be abused: hostile documents and file names, end to end, every format.

Documents scraped from the web, and the names they are saved under, may hold workflow commands
(`::error::`, `%0A::set-output`), terminal escape sequences (`ESC [31m`, OSC 8 links), XML
(`]]>`, `</failure>`), C1 controls, bidi overrides and Unicode line separators. These tests
write such documents to disk, run the real CLI in every output format, and parse what it
printed: JSON and SARIF stay valid (SARIF against the official schema), GitHub annotations stay
one per line, nothing active reaches the output raw. The formats' unit tests
(tests/test_report_*.py) do the same with crafted diagnostics; these go from document bytes.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)

# Quoted by DUP001 (the line is repeated) and, behind "Source: /", by SRC002.
HOSTILE_LINE = (  # what matters comes first: messages quote up to 60 characters
    "\x1b[31m%0A::error::x ]]></failure>\u202e\x9b\x7f\x01\u200b\U000e0069\U0001d173"
    "\x1b]8;;h\x07 "
    "\u2028 \u2029 \x85 \x0b \x0c \x1c ::set-output name=x::y end"
)
HOSTILE_DOCUMENT = (
    f"{HOSTILE_LINE}\n\n{HOSTILE_LINE}\n\n"
    "::set-output name=x::y\n"
    "%0A::error::pwned\n"
    "</failure></testcase></testsuite></testsuites>]]>\n\n"
    f"The army said said it \x1b[2J\x1b[H would leave.\n\n"
    "Source: /\x1b]8;;http://e.example/\x07Mail\u202e %0A::error::x ]]>\x9b\n"
)
# Raw characters that must never reach any output (newlines aside, where a format uses them):
# controls, invisible format characters (bidi, tags, ...) and Unicode's line separators.
ACTIVE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
FORMATS = ["text", "json", "jsonl", "sarif", "github", "gitlab", "junit", "html"]


NAMES = [
    b"b\n::error::pwned\x1b[1m.txt",
    b"caf\xe9 %0A::warning::x.txt",
    "tag\U000e0041\U000e0042.txt".encode(),  # hidden text in a name
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The hostile article, and two same-text files with hostile names (DUP003 quotes one)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "article.txt").write_bytes(HOSTILE_DOCUMENT.encode("utf-8"))
    for name in NAMES:
        try:
            with open(os.path.join(os.fsencode(folder), name), "wb") as file:
                file.write(b"Same text.\n")
        except OSError:  # a file system that refuses such names
            pass
    return folder


def run(cli, corpus: Path, fmt: str, *extra: str):
    return cli(
        "check",
        "--no-cache",
        "--no-progress",
        "--output-format",
        fmt,
        *extra,
        "corpus",
        cwd=corpus.parent,
    )


def assert_inert(out: str) -> None:
    """Nothing active reaches the output raw, and it is valid UTF-8 (no lone surrogate)."""
    out.encode("utf-8")
    assert [c for c in out if c != "\n" and unicodedata.category(c) in ACTIVE_CATEGORIES] == []


def reference(cli, corpus: Path) -> list[dict]:
    found = run(cli, corpus, "json").json()
    codes = {d["code"] for d in found}
    assert {"DUP001", "SRC002", "TXT001", "ENC005"} <= codes  # the hostile text is quoted
    return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_document_text_and_file_names_reach_no_output_raw(fmt, cli, corpus):
    result = run(cli, corpus, fmt)
    assert result.code == 1
    assert "\x1b" not in result.out
    assert_inert(result.out)
    assert_inert(result.err)


def test_json_is_valid_and_keeps_the_quoted_text_exactly(cli, corpus):
    found = reference(cli, corpus)
    [repeat] = [d for d in found if d["code"] == "DUP001"]
    assert "\x1b[31m%0A::error::x ]]></failure>\u202e\x9b" in repeat["message"]
    paths = {d["path"] for d in found}
    on_disk = set(os.listdir(os.fsencode(corpus)))
    if NAMES[0] in on_disk:
        assert "corpus/b\n::error::pwned\x1b[1m.txt" in paths  # JSON escapes it; kept exact
    if NAMES[1] in on_disk:  # bytes that are not UTF-8 are shown as \xNN, never dropped
        assert "corpus/caf\\xe9 %0A::warning::x.txt" in paths


def test_jsonl_has_one_record_per_line_however_lines_are_split(cli, corpus):
    count = len(reference(cli, corpus))
    out = run(cli, corpus, "jsonl").out
    # str.splitlines also splits at U+2028, U+0085, \x0b...: none of them may appear raw.
    assert len(out.splitlines()) == len(out.split("\n")) - 1 == count
    assert all(isinstance(json.loads(line), dict) for line in out.splitlines())


def test_sarif_is_schema_valid_with_every_result(cli, corpus):
    count = len(reference(cli, corpus))
    log = json.loads(run(cli, corpus, "sarif").out)
    jsonschema.validate(log, SCHEMA, cls=jsonschema.Draft4Validator)
    results = log["runs"][0]["results"]
    assert len(results) == count
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert all(re.fullmatch(r"[A-Za-z0-9/._~%-]+", uri) for uri in uris)


def test_gitlab_report_is_valid_json_with_every_issue(cli, corpus):
    count = len(reference(cli, corpus))
    issues = json.loads(run(cli, corpus, "gitlab").out)
    assert len(issues) == count
    assert len({i["fingerprint"] for i in issues}) == count


def test_github_annotations_are_one_command_per_line_and_nothing_else(cli, corpus):
    count = len(reference(cli, corpus))
    out = run(cli, corpus, "github").out
    lines = out.split("\n")
    assert lines.pop() == ""
    assert len(lines) == count
    for line in lines:
        assert re.match(r"::(error|warning|notice) file=[^:,]*,line=\d+,", line), line
        assert "\r" not in line
        # Only the command's own "::" separator: the message cannot open another command.
        assert line.count("::") == 2 + line.split("::", 2)[2].count("::")
    repeat = next(line for line in lines if "DUP001" in line)
    assert "%0A::error::x" not in repeat and "%250A::error::x" in repeat


def test_junit_is_well_formed_xml_with_one_failure_per_diagnostic(cli, corpus):
    count = len(reference(cli, corpus))
    root = ET.fromstring(run(cli, corpus, "junit").out.encode("utf-8"))
    failures = root.findall("./testsuite/testcase/failure")
    assert len(failures) == count
    repeat = next(f for f in failures if f.get("type") == "DUP001")
    assert "</failure>" in repeat.get("message") and "]]>" in repeat.text  # text, not markup
    assert "\\x1b[31m" in repeat.text and "\\u202e\\x9b" in repeat.text


def test_text_report_lines_each_start_with_the_path_or_the_summary(cli, corpus):
    count = len(reference(cli, corpus))
    out = run(cli, corpus, "text").out
    diagnostic_lines = [x for x in out.splitlines() if re.match(r".+:\d+:\d+: [A-Z]+\d+ ", x)]
    assert len(diagnostic_lines) == count
    assert not any(line.startswith("::") or line.startswith("%0A") for line in out.splitlines())
    assert "\\x1b[31m%0A::error::x ]]></failure>\\u202e\\x9b" in out  # shown, not obeyed


def test_warnings_about_hostile_file_names_stay_on_one_line(cli, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    try:
        (folder / "x\n::error::pwned\x1b[2J.txt").write_bytes(b"binary\x00data\n")
    except OSError:
        pytest.skip("the file system refuses newlines in names")
    result = cli("check", "--no-cache", "--no-progress", str(folder))
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("corpus-lint: warning: ")
    assert "binary file" in lines[0]
    assert_inert(result.err)


def test_fix_notes_quote_hostile_file_names_escaped(cli, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    try:
        (folder / "y\n::error::pwned\x1b[2J.txt").write_text("Title  \n\nSource: Reuters\n")
    except OSError:
        pytest.skip("the file system refuses newlines in names")
    result = cli("check", "--no-cache", "--no-progress", "--fix", "--show-fixes", str(folder))
    assert result.code == 0
    assert "\\n::error::pwned\\x1b[2J.txt: 1 × WS001" in result.out
    assert_inert(result.out)
    assert not any(line.startswith("::") for line in result.out.splitlines())


def test_diff_notes_and_names_starting_with_colons_start_no_ci_command(cli, tmp_path):
    # Found by an adversarial review: --diff --show-fixes printed names raw (a newline in one
    # put "::error" on a line of its own), and a name starting "::error" started a line of
    # the text report and of --show-files.
    names = ["y\n::error::pwned\x1b[2J.txt", "::error file=a::b.txt"]
    try:
        for name in names:
            (tmp_path / name).write_text("Title  \n\nSource: Reuters\n")
    except OSError:
        pytest.skip("the file system refuses such names")
    runs = [
        cli("check", "-n", "--diff", "--show-fixes", ".", cwd=tmp_path).err,
        cli("check", "-n", ".", cwd=tmp_path).out,
        cli("check", "--show-files", ".", cwd=tmp_path).out,
    ]
    for out in runs:
        assert_inert(out)
        assert not any(line.lstrip().startswith("::") for line in out.splitlines()), out
    assert "./::error file=a::b.txt" in runs[2]
    assert "y\\n::error::pwned\\x1b[2J.txt: 1 × WS001" in runs[0]
