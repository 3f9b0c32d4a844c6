from __future__ import annotations

import json
import os

from corpus_lint import __version__
from corpus_lint.report.sarif import render
from corpus_lint.rule import Related
from tests.helpers import CLEAN_ARTICLE, validate
from tests.report_samples import HOSTILE, context, diagnostic


def sarif(diagnostics, ctx=None) -> dict:
    log = json.loads(render(diagnostics, ctx or context()))
    validate(log)
    return log


def test_output_is_valid_sarif_even_with_a_hostile_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log = sarif([diagnostic(message=HOSTILE), diagnostic("ENC005", severity="error")])
    [run] = log["runs"]
    assert log["version"] == "2.1.0"
    assert run["results"][0]["message"]["text"] == HOSTILE


def test_an_empty_run_is_valid_sarif_and_still_lists_the_rules(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ctx = context()
    [run] = sarif([], ctx)["runs"]
    assert run["results"] == []
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(ctx.rules)


def test_driver_describes_the_tool_and_every_rule(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ctx = context()
    driver = sarif([], ctx)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "corpus-lint"
    assert driver["version"] == __version__
    # No informationUri: corpus-lint has no public page (it pointed at PyPI, where it is not).
    assert "informationUri" not in driver
    for descriptor, rule in zip(driver["rules"], ctx.rules.values()):
        assert descriptor["id"] == rule.code
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"]
        assert descriptor["help"]["text"] == rule.doc
        assert descriptor["help"]["markdown"] == rule.doc
        expected = {"error": "error", "warning": "warning", "info": "note"}[rule.severity]
        assert descriptor["defaultConfiguration"]["level"] == expected


def test_result_points_at_the_rule_and_the_characters(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ctx = context()
    codes = list(ctx.rules)
    [result] = sarif([diagnostic("WS001", line=3, column=5, end_column=9)], ctx)["runs"][0][
        "results"
    ]
    assert result["ruleId"] == "WS001"
    assert result["ruleIndex"] == codes.index("WS001")
    assert result["level"] == "warning"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "corpus/a.txt", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 9}


def test_columns_are_declared_as_code_points(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert sarif([diagnostic()])["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_severities_map_to_sarif_levels(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = [
        diagnostic(severity="error", line=1),
        diagnostic(severity="warning", line=2),
        diagnostic(severity="info", line=3),
    ]
    levels = [r["level"] for r in sarif(found)["runs"][0]["results"]]
    assert levels == ["error", "warning", "note"]


def test_duplicates_carry_related_locations_with_the_similarity(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    near = diagnostic(
        "DUP004",
        "near-duplicate of corpus/b.txt",
        severity="info",
        related=(Related("corpus/b.txt", 1, 0.912),),
    )
    [result] = sarif([near])["runs"][0]["results"]
    [related] = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "corpus/b.txt"
    assert related["physicalLocation"]["region"] == {"startLine": 1}
    assert "0.91" in related["message"]["text"]


def test_uri_is_relative_to_the_repository_root_from_a_subfolder(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path / "data")
    [result] = sarif([diagnostic(path="news/a b.txt")])["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "data/news/a%20b.txt"


def test_a_file_outside_the_repository_has_its_absolute_uri(tmp_path, monkeypatch):
    # Found by an adversarial review: checked from a subfolder, a file outside the repository
    # got "../../outside/a.txt" (from the working directory) labelled %SRCROOT%-relative,
    # which names another file.
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "repo" / "sub")
    [result] = sarif([diagnostic(path="../../outside/a b.txt")])["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    expected = (tmp_path.resolve() / "outside" / "a b.txt").as_uri()
    assert location == {"uri": expected}
    # Inside the repository, the same folders give a root-relative URI.
    [result] = sarif([diagnostic(path="../news/a.txt")])["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "news/a.txt", "uriBaseId": "%SRCROOT%"}


def test_fingerprints_do_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    # Found by an adversarial review: a CI job run from a subfolder saw every finding as new.
    (tmp_path / ".git").mkdir()
    (tmp_path / "corpus").mkdir()
    monkeypatch.chdir(tmp_path)
    [root] = sarif([diagnostic(path="corpus/a.txt")])["runs"][0]["results"]
    monkeypatch.chdir(tmp_path / "corpus")
    [sub] = sarif([diagnostic(path="a.txt")])["runs"][0]["results"]
    assert root["partialFingerprints"] == sub["partialFingerprints"]
    [other] = sarif([diagnostic(path="b.txt")])["runs"][0]["results"]
    assert other["partialFingerprints"] != sub["partialFingerprints"]


def test_a_name_that_is_not_utf8_is_its_own_bytes_in_the_uri(tmp_path, monkeypatch):
    # Found by an adversarial review: "k\\xff.txt" (how the other reports write the byte) was
    # quoted as "k%5Cxff.txt", the URI of a file literally named so.
    monkeypatch.chdir(tmp_path)
    raw = os.fsdecode(b"news/k\xff.txt")
    odd, literal = sarif([diagnostic(path=raw), diagnostic(path="news/k\\xff.txt")])["runs"][0][
        "results"
    ]
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in (odd, literal)
    ]
    assert uris == ["news/k%FF.txt", "news/k%5Cxff.txt"]


def test_braces_in_a_message_are_doubled_as_sarif_reserves_them(tmp_path, monkeypatch):
    # SARIF 2.1.0, 3.11.5: "{0}" is a placeholder; a literal brace is written twice.
    monkeypatch.chdir(tmp_path)
    [result] = sarif([diagnostic(message='repeated "Results {0} of the {year}"')])["runs"][0][
        "results"
    ]
    assert result["message"]["text"] == 'repeated "Results {{0}} of the {{year}}"'


def test_fingerprints_are_unique_and_survive_lines_moving(tmp_path, cli):
    article = tmp_path / "a.txt"
    body = CLEAN_ARTICLE.replace("Source:", "Share this  \nShare this  \nSource:")
    article.write_text(body, encoding="utf-8")
    first = json.loads(
        cli("a.txt", "--select", "WS001", "--output-format", "sarif", cwd=tmp_path).out
    )
    article.write_text("Added first paragraph.\n\n" + body, encoding="utf-8")
    second = json.loads(cli("a.txt", "--select", "WS001", "--output-format", "sarif").out)

    def prints(log):
        return [
            (r["locations"][0]["physicalLocation"]["region"]["startLine"], r["partialFingerprints"])
            for r in log["runs"][0]["results"]
        ]

    before, after = prints(first), prints(second)
    assert len(before) == 2
    assert [line + 2 for line, _ in before] == [line for line, _ in after]
    assert [fp for _, fp in before] == [fp for _, fp in after]
    assert before[0][1] != before[1][1]


def test_related_files_in_messages_are_named_from_the_repository_root(tmp_path, monkeypatch):
    # Found by a review: run from a subfolder, the messages named x.txt, the URIs a/x.txt.
    (tmp_path / ".git").mkdir()
    (tmp_path / "a").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    found = diagnostic("DUP003", "same text as x.txt", related=(Related("x.txt", 1),))
    [result] = sarif([found])["runs"][0]["results"]
    assert result["message"]["text"] == "same text as a/x.txt"
    [related] = result["relatedLocations"]
    assert related["message"]["text"] == "a/x.txt:1"
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "a/x.txt"


def test_a_run_that_did_not_check_everything_says_so(tmp_path, monkeypatch):
    # Found by review rev34a: a run with an error (exit 2), or with files left out, was a
    # clean log to code scanning.
    monkeypatch.chdir(tmp_path)
    [run] = sarif([])["runs"]
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    ctx = context()
    ctx.errors = ["gone.txt: no such file or directory"]
    ctx.warnings = ["pipe.txt: not a regular file, not linted"]
    ctx.files_skipped = 1
    [run] = sarif([], ctx)["runs"]
    assert run["invocations"] == [
        {
            "executionSuccessful": False,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": "gone.txt: no such file or directory"}},
                {
                    "level": "warning",
                    "message": {"text": "pipe.txt: not a regular file, not linted"},
                },
            ],
        }
    ]
    # Found by review rev34c: a file name that is not UTF-8 made the report fail to encode.
    ctx.errors = ["gone\udcfe.txt: no such file or directory"]
    [run] = json.loads(render([], ctx).encode("utf-8"))["runs"]
    text = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    assert text == "gone\\xfe.txt: no such file or directory"
