from __future__ import annotations

from corpus_lint.report.github import render
from corpus_lint.rule import Related
from tests.helpers import parse
from tests.report_samples import HOSTILE, context, diagnostic


def test_one_annotation_per_diagnostic_with_location_and_title(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = render([diagnostic("WS001", "trailing whitespace", line=3, column=5)], context())
    assert out == (
        "::warning file=corpus/a.txt,line=3,col=5,endLine=3,endColumn=9,"
        "title=WS001 ws001-name::trailing whitespace\n"
    )


def test_severities_map_to_error_warning_and_notice(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = [diagnostic(severity=s, line=n) for n, s in enumerate(["error", "warning", "info"], 1)]
    assert [name for name, _, _ in parse(render(found, context()))] == [
        "error",
        "warning",
        "notice",
    ]


def test_a_hostile_message_cannot_inject_a_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = render([diagnostic(message=HOSTILE), diagnostic(line=9)], context())
    lines = out.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("::warning file=") for line in lines)
    assert "\x1b" not in out and "\x00" not in out
    [(_, _, data), _] = parse(out)
    # What the runner shows is the message, with newlines kept and escapes made visible.
    assert data.startswith('quoted "a\n::set-output name=x::1" then\r\n%0A::error')
    assert "100% ]]>" in data and "\\x1b[31mred" in data


def test_properties_escape_colon_and_comma(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = render([diagnostic(path="odd,name:x%.txt")], context())
    assert "file=odd%2Cname%3Ax%25.txt," in out
    [(_, props, _)] = parse(out)
    assert props["file"] == "odd,name:x%.txt"


def test_a_multi_line_range_leaves_out_the_columns(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    [(_, props, _)] = parse(
        render([diagnostic(line=2, end_line=5, column=1, end_column=1)], context())
    )
    assert props["line"] == "2" and props["endLine"] == "5"
    assert "col" not in props and "endColumn" not in props


def test_related_files_are_named_in_the_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = diagnostic("DUP003", "same text as b.txt", related=(Related("corpus/b.txt", 1),))
    [(_, _, data)] = parse(render([found], context()))
    assert data == "same text as b.txt\nsee corpus/b.txt:1"


def test_file_is_relative_to_the_repository_root(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    [(_, props, _)] = parse(render([diagnostic(path="a.txt")], context()))
    assert props["file"] == "sub/a.txt"


def in_a_subfolder_of_a_repository(root, name: str, monkeypatch) -> None:
    (root / ".git").mkdir()
    (root / name).mkdir()
    monkeypatch.chdir(root / name)


def test_related_files_are_named_from_the_repository_root_from_a_subfolder(tmp_path, monkeypatch):
    # Found by a review: run in a/, the annotation of b/y.txt said "same text as x.txt" and
    # "see x.txt:1", a file the repository's root does not hold (it is a/x.txt).
    in_a_subfolder_of_a_repository(tmp_path, "a", monkeypatch)
    found = diagnostic(
        "DUP003", "same text as x.txt (after normalising)", path="../b/y.txt",
        related=(Related("x.txt", 1),),
    )  # fmt: skip
    [(_, props, data)] = parse(render([found], context()))
    assert props["file"] == "b/y.txt"
    assert data == "same text as a/x.txt (after normalising)\nsee a/x.txt:1"
    # A name inside a longer one is left alone.
    found = diagnostic("DUP003", "same text as ax.txt, not x.txt", related=(Related("x.txt", 1),))
    [(_, _, data)] = parse(render([found], context()))
    assert data.startswith("same text as ax.txt, not a/x.txt\n")


def test_related_names_are_rooted_in_one_pass(tmp_path, monkeypatch):
    # Found by a review: run in art/, the keeper a.txt became art/a.txt, then the second
    # related file's name art/a.txt (art/art/a.txt from the root) rewrote it again.
    in_a_subfolder_of_a_repository(tmp_path, "art", monkeypatch)
    found = diagnostic(
        "DUP003", "same text as a.txt, like art/a.txt", path="z.txt",
        related=(Related("a.txt", 1), Related("art/a.txt", 1)),
    )  # fmt: skip
    [(_, _, data)] = parse(render([found], context()))
    assert data.splitlines()[0] == "same text as art/a.txt, like art/art/a.txt"
