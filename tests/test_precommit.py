"""The hooks, run by the real pre-commit in throwaway git repositories.

The hook repository is a commit of the current working tree (uncommitted work included), so
pre-commit installs exactly the code under test, from PyPI dependencies like any user's
pre-commit would (this needs the network to PyPI, which CI has). PRE_COMMIT_HOME is shared by
the module, so each hook environment is built once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CLEAN_ARTICLE, PROJECT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
# The tests that run pre-commit are marked network and slow: pre-commit installs the hook
# environment with pip, from the package index (20-50 s the first time).

DIRTY_ARTICLE = CLEAN_ARTICLE.replace("Source:", "Share this article\n\nSource:")
UNTIDY_ARTICLE = CLEAN_ARTICLE.replace("ferry timetable\n", "ferry timetable   \n", 1)


def git(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )


def pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def commit(repo: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess:
    """`git add FILES && git commit`, running the installed pre-commit hook.

    The hook's output (on stderr under git commit) is in `stdout`.
    """
    git("add", *files, cwd=repo, env=env)
    return subprocess.run(
        ["git", "commit", "-m", "change"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def working_tree_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files of the project, as they are on disk now."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return sorted({name for name in listed if name and (PROJECT / name).is_file()})


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("git-home")
    (home / "gitconfig").write_text("", encoding="utf-8")
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),  # no user hooks, signing or templates
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "PRE_COMMIT_COLOR": "never",
    }


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env) -> tuple[Path, str]:
    """A git repository holding one commit of the current working tree, and that commit."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in working_tree_files():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT / name, repo / name)
    git("init", "-q", cwd=repo, env=env)
    git("add", "-A", cwd=repo, env=env)
    git("commit", "-q", "-m", "working tree under test", cwd=repo, env=env)
    rev = git("rev-parse", "HEAD", cwd=repo, env=env).stdout.strip()
    return repo, rev


def user_repo(path: Path, env: dict[str, str], hook_repo: tuple[Path, str], hook: str) -> Path:
    """A corpus repository using one of our hooks, with pre-commit installed in it."""
    repo_path, rev = hook_repo
    path.mkdir()
    git("init", "-q", cwd=path, env=env)
    (path / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo_path.as_posix()}\n    rev: {rev}\n    hooks:\n"
        f"      - id: {hook}\n",
        encoding="utf-8",
    )
    git("add", ".pre-commit-config.yaml", cwd=path, env=env)
    git("commit", "-q", "--no-verify", "-m", "pre-commit config", cwd=path, env=env)
    done = pre_commit("install", "--install-hooks", cwd=path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return path


@pytest.mark.network
@pytest.mark.slow
def test_lint_hook_refuses_a_dirty_article_and_accepts_a_clean_one(tmp_path, env, hook_repo):
    repo = user_repo(tmp_path / "corpus", env, hook_repo, "corpus-lint")

    (repo / "clean.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    done = commit(repo, env, "clean.txt")
    assert done.returncode == 0, done.stdout
    assert "corpus-lint" in done.stdout and "Passed" in done.stdout

    (repo / "dirty.txt").write_text(DIRTY_ARTICLE, encoding="utf-8")
    done = commit(repo, env, "dirty.txt")
    assert done.returncode != 0
    assert "Failed" in done.stdout
    footer_line = DIRTY_ARTICLE.splitlines().index("Share this article") + 1
    assert f"dirty.txt:{footer_line}:1: BP001" in done.stdout  # the diagnostic itself is shown
    log = git("log", "--format=%s", cwd=repo, env=env).stdout.splitlines()
    assert len(log) == 2  # the config commit and the clean one: the dirty one was refused


@pytest.mark.network
@pytest.mark.slow
def test_lint_hook_refuses_a_utf16_article(tmp_path, env, hook_repo):
    # pre-commit's `types: [text]` passes UTF-16 files on; corpus-lint used to skip them as
    # binary, so the commit went through.
    repo = user_repo(tmp_path / "corpus", env, hook_repo, "corpus-lint")
    (repo / "wide.txt").write_bytes(b"\xff\xfe" + CLEAN_ARTICLE.encode("utf-16-le"))
    done = commit(repo, env, "wide.txt")
    assert done.returncode != 0, done.stdout
    assert "wide.txt:1:1: ENC001 UTF-16 LE, not UTF-8" in done.stdout


@pytest.mark.network
@pytest.mark.slow
def test_fix_hook_rewrites_the_file_refuses_once_then_accepts(tmp_path, env, hook_repo):
    repo = user_repo(tmp_path / "corpus", env, hook_repo, "corpus-lint-fix")
    article = repo / "untidy.txt"
    article.write_text(UNTIDY_ARTICLE, encoding="utf-8")

    done = commit(repo, env, "untidy.txt")
    assert done.returncode != 0
    assert "files were modified by this hook" in done.stdout
    assert article.read_text(encoding="utf-8") == CLEAN_ARTICLE

    done = commit(repo, env, "untidy.txt")
    assert done.returncode == 0, done.stdout
    assert git("show", "HEAD:untidy.txt", cwd=repo, env=env).stdout == CLEAN_ARTICLE


@pytest.mark.network
@pytest.mark.slow
def test_project_hook_passes_on_the_seeds_and_fails_on_a_new_issue(env, hook_repo):
    repo, _ = hook_repo
    done = pre_commit("run", "--all-files", cwd=repo, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "corpus-lint (seeds, new issues only)" in done.stdout

    seed = repo / "seeds" / "004_718e70c8ce2378b9.txt"
    seed.write_bytes(seed.read_bytes() + b"\nShare this article")
    try:
        done = pre_commit("run", "--files", "seeds/004_718e70c8ce2378b9.txt", cwd=repo, env=env)
    finally:
        git("checkout", "--", "seeds", cwd=repo, env=env)
    assert done.returncode == 1
    assert "seeds/004_718e70c8ce2378b9.txt:15:1: BP001" in done.stdout
    assert done.stdout.count(": BP001") == 1


def test_project_hook_installs_the_same_dependencies_as_the_package():
    import yaml  # comes with pre-commit

    config = yaml.safe_load((PROJECT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [hook] = config["repos"][0]["hooks"]
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    assert sorted(hook["additional_dependencies"]) == sorted(pyproject["project"]["dependencies"])


def test_hooks_file_declares_both_hooks_for_text_files():
    import yaml

    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    by_id = {hook["id"]: hook for hook in hooks}
    assert set(by_id) == {"corpus-lint", "corpus-lint-fix"}
    assert "--fix" in by_id["corpus-lint-fix"]["entry"].split()
    assert "--fix" not in by_id["corpus-lint"]["entry"].split()
    assert all(hook["types"] == ["text"] and hook["language"] == "python" for hook in hooks)


def readme_precommit_config() -> str:
    """The pre-commit configuration the README shows."""
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Use with pre-commit") :]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


@pytest.mark.network
@pytest.mark.slow
def test_the_readme_recipe_installs_with_autoupdate_and_lints(tmp_path, env, hook_repo):
    repo_path, rev = hook_repo
    config = readme_precommit_config().replace("URL-OF-THIS-REPOSITORY", repo_path.as_posix())
    repo = tmp_path / "corpus"
    repo.mkdir()
    git("init", "-q", cwd=repo, env=env)
    (repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    # The README tells to let autoupdate fill in the rev: with no tag, it takes the commit.
    done = pre_commit("autoupdate", cwd=repo, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"rev: {rev}" in (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    git("add", ".pre-commit-config.yaml", cwd=repo, env=env)
    git("commit", "-q", "--no-verify", "-m", "pre-commit config", cwd=repo, env=env)
    done = pre_commit("install", "--install-hooks", cwd=repo, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    (repo / "dirty.txt").write_text(DIRTY_ARTICLE, encoding="utf-8")
    done = commit(repo, env, "dirty.txt")
    assert done.returncode != 0 and ": BP001" in done.stdout


@pytest.mark.network
@pytest.mark.slow
def test_fix_hook_keeps_failing_while_an_issue_without_a_safe_fix_remains(tmp_path, env, hook_repo):
    repo = user_repo(tmp_path / "corpus", env, hook_repo, "corpus-lint-fix")
    article = repo / "untidy.txt"
    article.write_text(UNTIDY_ARTICLE.replace("Source:", "Share this article\n\nSource:"), "utf-8")
    first = commit(repo, env, "untidy.txt")
    second = commit(repo, env, "untidy.txt")  # staged again after the fix, as the README says
    assert first.returncode != 0 and "files were modified by this hook" in first.stdout
    assert second.returncode != 0 and ": BP001" in second.stdout  # BP001's fix is unsafe
    assert len(git("log", "--format=%s", cwd=repo, env=env).stdout.splitlines()) == 1


@pytest.mark.network
@pytest.mark.slow
def test_without_a_corpus_key_a_staged_copy_of_a_committed_article_passes(tmp_path, env, hook_repo):
    repo = user_repo(tmp_path / "corpus", env, hook_repo, "corpus-lint")
    (repo / "a.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    assert commit(repo, env, "a.txt").returncode == 0
    (repo / "copy.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    assert commit(repo, env, "copy.txt").returncode == 0  # what the README warns about
    (repo / "corpus-lint.toml").write_text('corpus = ["."]\n', encoding="utf-8")
    git("add", "corpus-lint.toml", cwd=repo, env=env)
    git("commit", "-q", "--no-verify", "-m", "corpus", cwd=repo, env=env)
    (repo / "copy2.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    done = commit(repo, env, "copy2.txt")
    assert done.returncode != 0 and "copy2.txt:1:1: DUP003" in done.stdout


@pytest.mark.network
@pytest.mark.slow
def test_a_staged_file_named_like_an_option_is_checked_as_a_file(tmp_path, env, hook_repo):
    # Found by an adversarial review: "-onew.txt" reached the command as "-o new.txt", so
    # the exact copy was never checked (the corpus was, with its report written to new.txt,
    # or over any other file so named) and the commit passed.
    repo = user_repo(tmp_path / "corpus", env, hook_repo, "corpus-lint")
    (repo / "corpus-lint.toml").write_text('corpus = ["articles"]\n', encoding="utf-8")
    (repo / "articles").mkdir()
    (repo / "articles" / "a.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    git("add", "-A", cwd=repo, env=env)
    git("commit", "-q", "--no-verify", "-m", "corpus", cwd=repo, env=env)
    (repo / "-onew.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    git("add", "--", "-onew.txt", cwd=repo, env=env)
    done = subprocess.run(["git", "commit", "-m", "copy"], cwd=repo, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    assert done.returncode != 0 and "-onew.txt:1:1: DUP003" in done.stdout, done.stdout
    assert not (repo / "new.txt").exists()
