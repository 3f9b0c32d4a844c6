from __future__ import annotations

import json

from corpus_lint.report.gitlab import render
from tests.report_samples import HOSTILE, context, diagnostic

FIELDS = {"description", "check_name", "fingerprint", "severity", "location"}


def test_each_diagnostic_is_a_code_quality_issue(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    [issue] = json.loads(render([diagnostic("WS001", "trailing whitespace")], context()))
    assert set(issue) == FIELDS
    assert issue["check_name"] == "WS001"
    assert issue["description"] == "WS001 trailing whitespace"
    assert issue["severity"] == "minor"
    assert issue["location"] == {"path": "corpus/a.txt", "lines": {"begin": 3, "end": 3}}
    assert len(issue["fingerprint"]) == 32


def test_severities_map_to_code_quality_levels(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = [diagnostic(severity=s, line=n) for n, s in enumerate(["error", "warning", "info"], 1)]
    issues = json.loads(render(found, context()))
    assert [i["severity"] for i in issues] == ["major", "minor", "info"]


def test_fingerprints_differ_for_identical_looking_diagnostics(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    twins = [diagnostic(line=3), diagnostic(line=7), diagnostic(line=3, code="WS005")]
    prints = [i["fingerprint"] for i in json.loads(render(twins, context()))]
    assert len(set(prints)) == 3


def test_fingerprint_does_not_depend_on_the_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    [a] = json.loads(render([diagnostic(line=3)], context()))
    [b] = json.loads(render([diagnostic(line=30)], context()))
    assert a["fingerprint"] == b["fingerprint"]


def test_paths_and_fingerprints_are_the_repository_roots_from_any_folder(tmp_path, monkeypatch):
    # Found by an adversarial review: the fingerprint hashed the path from the working
    # directory, and a file outside the repository kept that path, which the root does not
    # resolve to.
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "corpus").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    [root] = json.loads(render([diagnostic(path="corpus/a.txt")], context()))
    monkeypatch.chdir(tmp_path / "repo" / "corpus")
    [sub] = json.loads(render([diagnostic(path="a.txt")], context()))
    assert root["location"]["path"] == sub["location"]["path"] == "corpus/a.txt"
    assert root["fingerprint"] == sub["fingerprint"]
    [outside] = json.loads(render([diagnostic(path="../../outside/a.txt")], context()))
    assert outside["location"]["path"] == "../outside/a.txt"


def test_a_hostile_message_survives_as_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    [issue] = json.loads(render([diagnostic(message=HOSTILE)], context()))
    assert issue["description"] == "WS001 " + HOSTILE


def test_a_clean_run_is_an_empty_array(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert json.loads(render([], context())) == []


def test_related_files_in_descriptions_are_named_from_the_repository_root(tmp_path, monkeypatch):
    from corpus_lint.rule import Related

    (tmp_path / ".git").mkdir()
    (tmp_path / "a").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    found = diagnostic("DUP003", "same text as x.txt", related=(Related("x.txt", 1),))
    [issue] = json.loads(render([found], context()))
    assert issue["description"] == "DUP003 same text as a/x.txt"
    monkeypatch.chdir(tmp_path)  # the same issue, whatever the folder
    moved = diagnostic("DUP003", "same text as a/x.txt", path="a/corpus/a.txt",
                       related=(Related("a/x.txt", 1),))  # fmt: skip
    assert json.loads(render([moved], context())) == [issue]
