"""What a run holds per file, kept small (issue #19): the check's targets are names
(strings) from the walk, not Paths, each shown exactly as its Path was; findings are slotted."""

from __future__ import annotations

import os
import pickle
import random
from pathlib import Path

from corpus_lint.files import _normal_prefix
from corpus_lint.rule import SAFE, Diagnostic, Edit, Fix, Related
from tests.helpers import CLEAN_ARTICLE


def test_a_walked_name_is_normal_as_its_path_prints():
    # A walked folder's prefix and an entry's name (never "", "." or "..", no separator).
    parts = [".", "..", "a", "b.txt", "", "/"]
    rng = random.Random(19)
    folders = ["./x", "a//b", "a/./b", "//x/y", "///a", "/", ".", "a/b/", "//", "./"]
    folders += ["/".join(rng.choice(parts) for _ in range(rng.randint(1, 5))) for _ in range(500)]
    for folder in [f for f in folders if f]:
        for name in ("a.txt", ".hidden.txt", "..b.txt"):
            expected = str(Path(os.path.join(folder, name)))
            assert _normal_prefix(folder) + name == expected, (folder, name)


def test_a_check_of_the_current_folder_shows_paths_without_a_leading_dot(tmp_path, cli):
    # The walk of "." finds "./sub/a.txt"; its Path printed "sub/a.txt", and so must the name.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("Title  \n\n" + CLEAN_ARTICLE, encoding="utf-8")
    run = cli("check", ".", "--select", "WS001", "--output-format", "json", cwd=tmp_path)
    assert [d["path"] for d in run.json()] == ["sub/a.txt"]
    run = cli("check", "./sub//", "--select", "WS001", "--output-format", "json", cwd=tmp_path)
    assert [d["path"] for d in run.json()] == [f"sub{os.sep}a.txt".replace(os.sep, "/")]


def test_a_file_reached_through_two_of_the_paths_given_is_checked_once(tmp_path, cli):
    # "." finds "./a.txt", which prints "a.txt": once normal, the two are one file.
    (tmp_path / "a.txt").write_text("Title  \n\n" + CLEAN_ARTICLE, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("Title  \n\n" + CLEAN_ARTICLE, encoding="utf-8")
    run = cli(
        "check", ".", "a.txt", "sub", "--select", "WS001", "--output-format", "json", cwd=tmp_path
    )
    assert [d["path"] for d in run.json()] == ["a.txt", "sub/b.txt"]


def test_findings_fixes_and_edits_have_no_dict_each():
    # A run holds every finding until the report: slotted, 0.97 KB each, not 1.3 KB.
    fix = Fix((Edit(1, 2, "x"),), SAFE, "Remove it")
    d = Diagnostic("WS001", "n", "m", "warning", "a.txt", 1, 2, 1, 3, fix, (Related("b.txt"),))
    for thing in (d, fix, fix.edits[0], d.related[0]):
        assert not hasattr(thing, "__dict__")
    assert pickle.loads(pickle.dumps(d)) == d  # sent by the workers
