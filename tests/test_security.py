"""SECURITY.md's promises about the file system, end to end: a `--fix` run writes only the files
it fixes, its cache folder and the reports named on the command line, and the links a corpus
folder holds are not followed, so nothing outside the corpus is read or written through them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

DIRTY = "Title  \n\n\n\nBody text.\nPrint Friendly, PDF & Email\n"
CLEAN = "Harbour council approves ferry timetable\n\nBody text.\n\nSource: Coastal Gazette\n"


def snapshot(root: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every entry under `root` (links not followed): its bytes (None for a link) and mtime."""
    found: dict[str, tuple[bytes | None, int]] = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(folder, name)
            status = path.lstat()
            if path.is_symlink():
                found[path.relative_to(root).as_posix()] = (None, status.st_mtime_ns)
            elif path.is_file():
                found[path.relative_to(root).as_posix()] = (path.read_bytes(), status.st_mtime_ns)
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with a corpus, a folder outside it, and links from the corpus to the outside."""
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus"]\n')
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "dirty.txt").write_text(DIRTY)
    (corpus / "clean.txt").write_text(CLEAN)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text(DIRTY)
    (tmp_path / "reports").mkdir()
    try:
        (corpus / "link.txt").symlink_to(outside / "victim.txt")
        (corpus / "folder-link").symlink_to(outside, target_is_directory=True)
    except OSError:
        pytest.skip("symbolic links are not available here")
    return tmp_path


@pytest.mark.parametrize("fix", [[], ["--fix", "--unsafe-fixes"]], ids=["check", "fix"])
def test_a_run_writes_only_the_fixed_files_the_cache_and_the_named_reports(fix, project, cli):
    before = snapshot(project)
    run = cli(
        "check",
        *fix,
        "--no-progress",
        "--output-format",
        "text",
        "--output-format",
        "json:reports/lint.json",
        "--output-format",
        "sarif:reports/lint.sarif",
        cwd=project,
    )
    assert run.code in (0, 1), run.err
    after = snapshot(project)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    cache = {p for p in changed if p.split("/")[0] == ".corpus_lint_cache"}
    assert cache  # the cache was written, inside its folder
    fixed = {"corpus/dirty.txt"} if fix else set()
    assert changed - cache == fixed | {"reports/lint.json", "reports/lint.sarif"}
    assert (project / "outside" / "victim.txt").read_text() == DIRTY


def test_links_in_the_corpus_are_not_followed(project, cli):
    run = cli("check", "--no-cache", "--output-format", "json", cwd=project)
    paths = {d["path"] for d in json.loads(run.out)}
    assert paths and all(p.startswith("corpus/") for p in paths)
    assert not any("link" in p or "victim" in p for p in paths)


def test_a_file_swapped_for_a_link_after_its_folder_was_listed_is_neither_read_nor_fixed(
    tmp_path,
):
    # Found by an adversarial review: the run paused after listing the folder (as a large run
    # is busy for minutes), the file was replaced by a link out of the corpus, and --fix
    # rewrote the file the link led to. The pause point makes the moment certain.
    import subprocess
    import sys
    import time

    corpus, outside, signals = tmp_path / "corpus", tmp_path / "outside", tmp_path / "signals"
    for folder in (corpus, outside, signals):
        folder.mkdir()
    (corpus / "f.txt").write_text("Source: Reuters\n\nCorpus text.  \n")
    secret = outside / "secret.txt"
    secret.write_text("Source: Reuters\n\nSecret outside text with trailing spaces   \n")
    before = secret.read_bytes()
    env = dict(os.environ, CORPUS_LINT_TEST_PAUSE=f"worker-file:{signals}")
    process = subprocess.Popen(
        [sys.executable, "-m", "corpus_lint", "check", "corpus", "--fix", "--no-cache"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (signals / "worker-file.ready").exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.01)
    (corpus / "f.txt").unlink()
    (corpus / "f.txt").symlink_to(secret)
    (signals / "worker-file.go").touch()
    out, err = process.communicate(timeout=30)
    assert process.returncode == 2, (out, err)
    assert err.splitlines() == [
        "corpus-lint: error: corpus/f.txt: a symbolic link now, not when its folder was "
        "listed; not read"
    ]
    assert "All checks passed" not in out and "Secret" not in out
    assert secret.read_bytes() == before


def test_a_fix_never_writes_through_a_link_that_was_not_one_when_read(tmp_path):
    from corpus_lint import fixes

    target, path = tmp_path / "elsewhere.txt", tmp_path / "a.txt"
    target.write_bytes(b"old")
    path.symlink_to(target)
    with pytest.raises(fixes.WriteError, match="a symbolic link now"):
        fixes.write_atomic(path, b"new", b"old", follow_link=False)
    assert target.read_bytes() == b"old" and path.is_symlink()


def test_a_configured_corpus_file_that_is_a_link_is_read_in_a_changed_files_run(tmp_path, cli):
    # Found by a review of the first version: only links named on the command line were
    # followed, so a corpus file configured as a link broke every changed-files run.
    (tmp_path / "corpus").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "t.txt").write_text(CLEAN.replace("Body text.", "Other text."))
    (tmp_path / "corpus" / "a.txt").write_text(CLEAN)
    (tmp_path / "top.txt").symlink_to(tmp_path / "outside" / "t.txt")
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus", "top.txt"]\n')
    for args in (["corpus/a.txt"], ["corpus"], []):
        run = cli("check", "--no-cache", *args, cwd=tmp_path)
        assert (run.code, run.err) == (0, ""), (args, run.err)


def test_the_dask_executors_reads_follow_only_the_links_named(tmp_path):
    # Its workers read `Source`s: one found in a folder is read without following a link.
    from corpus_lint.document import DocumentError
    from corpus_lint.sources import Source, read_source

    (tmp_path / "secret.txt").write_text("Outside text.\n")
    (tmp_path / "f.txt").symlink_to(tmp_path / "secret.txt")
    link = str(tmp_path / "f.txt")
    with pytest.raises(DocumentError, match="a symbolic link now"):
        read_source(Source(link, "f.txt", follow_link=False))
    assert read_source(Source(link, "f.txt", follow_link=True)).text == "Outside text.\n"


def test_every_test_security_md_names_is_a_test_of_the_suite():
    """Each promise there names the tests that keep it: a renamed test left it naming one that
    no longer existed."""
    import re

    root = Path(__file__).resolve().parent.parent
    named = re.findall(r"`(tests/\w+\.py)::(\w+)", (root / "SECURITY.md").read_text())
    assert len(named) > 10
    missing = [
        f"{file}::{test}"
        for file, test in named
        if not re.search(rf"^def {test}\(", (root / file).read_text(), re.M)
    ]
    assert missing == []
