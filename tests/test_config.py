from __future__ import annotations

from pathlib import Path

import pytest

from corpus_lint.config import ConfigError, glob_matches, glob_problem, load_settings
from tests.helpers import CLEAN_ARTICLE


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_pyproject_table_is_found_from_a_subfolder(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.corpus-lint]\ncorpus = ["articles"]\n')
    (tmp_path / "articles" / "deep").mkdir(parents=True)
    settings = load_settings(cwd=tmp_path / "articles" / "deep")
    assert settings.config_file == (tmp_path / "pyproject.toml").resolve()
    assert settings.corpus == [tmp_path.resolve() / "articles"]


def test_pyproject_without_our_table_is_passed_over(tmp_path):
    write(tmp_path / "corpus-lint.toml", 'ignore = ["TXT001"]\n')
    write(tmp_path / "sub" / "pyproject.toml", "[tool.black]\nline-length = 80\n")
    settings = load_settings(cwd=tmp_path / "sub")
    assert settings.config_file == (tmp_path / "corpus-lint.toml").resolve()
    assert settings.ignore == ["TXT001"]


@pytest.mark.parametrize("tool", ["3", '["corpus-lint"]'])
def test_a_pyproject_whose_tool_is_no_table_is_passed_over(tmp_path, tool):
    # Found by an adversarial review: `tool = 3` in a pyproject.toml above the corpus was a
    # TypeError traceback in every check; `tool = ["corpus-lint"]` an empty configuration.
    write(tmp_path / "corpus-lint.toml", 'ignore = ["TXT001"]\n')
    write(tmp_path / "sub" / "pyproject.toml", f"tool = {tool}\n")
    settings = load_settings(cwd=tmp_path / "sub")
    assert settings.config_file == (tmp_path / "corpus-lint.toml").resolve()


def test_corpus_lint_toml_wins_over_pyproject_in_the_same_folder(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.corpus-lint]\nignore = ["WS001"]\n')
    write(tmp_path / "corpus-lint.toml", 'ignore = ["WS002"]\n')
    assert load_settings(cwd=tmp_path).ignore == ["WS002"]


def test_no_configuration_gives_defaults(tmp_path):
    settings = load_settings(cwd=tmp_path)
    assert settings.config_file is None
    assert settings.select == ["ALL"] and settings.include == ["*.txt"]
    assert settings.near_duplicate.threshold == 0.8


def test_near_duplicate_table_is_read(tmp_path):
    write(
        tmp_path / "corpus-lint.toml",
        "[near-duplicate]\nthreshold = 0.7\nshingle-size = 4\nnum-perm = 64\n",
    )
    near = load_settings(cwd=tmp_path).near_duplicate
    assert (near.threshold, near.shingle_size, near.num_perm) == (0.7, 4, 64)


@pytest.mark.parametrize(
    "body, expected",
    [
        ('colour = ["ALL"]\n', "unknown key 'colour'"),
        ('select = "ALL"\n', "'select' must be a list"),
        ('include = ["[abc"]\n', "bad glob '[abc'"),
        ('exclude = ["/abs/*.txt"]\n', "bad glob"),
        ("[near-duplicate]\nthreshold = 1.5\n", "threshold must be a number"),
        ("[near-duplicate]\nbands = 3\n", "unknown key 'bands'"),
        ('per-file-ignores = { "*.txt" = "WS001" }\n', "must be a list of rule codes"),
        # Found by an adversarial review: accepted, and it ignored nothing.
        ('per-file-ignores = { "!a.txt" = ["WS001"] }\n', "a negation ('!') is not supported"),
        ('exclude = ["!keep/*.txt"]\n', "a negation ('!') is not supported"),
        ('extend = "pp/pyproject.toml"\n', "pyproject.toml has no [tool.corpus-lint] table"),
        # Found by a review: "no files matching  under the given paths" at every run.
        ("include = []\n", "'include' is empty: no file would be checked"),
    ],
)
def test_bad_values_name_the_file_and_the_key(tmp_path, body, expected):
    write(tmp_path / "pp" / "pyproject.toml", '[project]\nname = "x"\n')
    write(tmp_path / "corpus-lint.toml", body)
    with pytest.raises(ConfigError) as error:
        load_settings(cwd=tmp_path)
    assert str(tmp_path / "corpus-lint.toml") in str(error.value)
    assert expected in str(error.value)


def test_pyprojects_table_pasted_into_corpus_lint_toml_is_named_with_its_line(tmp_path):
    # Found by a contract review: "unknown key 'tool' in top level", with no line.
    write(tmp_path / "corpus-lint.toml", 'corpus = ["c"]\n\n[tool.corpus-lint]\nselect = ["WS"]\n')
    with pytest.raises(ConfigError) as error:
        load_settings(cwd=tmp_path)
    assert str(error.value) == (
        f"{tmp_path / 'corpus-lint.toml'}: unknown key 'tool': corpus-lint.toml takes its "
        "settings at the top level, without [tool.corpus-lint] (which is pyproject.toml's) "
        "(line 3)"
    )


@pytest.mark.parametrize(
    "body, line",
    [
        ('select = ["WS"]\n\n[near-duplicate]\nthreshold = 0.9\nthresold = 0.5\n', 5),
        ('[tool.ruff]\nselect = ["E"]\n[tool.corpus-lint]\nselect = "WS"\n', 4),
        ("[tool.corpus-lint]\nnear-duplicate = { threshold = 2 }\n", 2),
        ('[tool.corpus-lint]\n\n[tool.corpus-lint.near-duplicate]\nkeep = ["bogus"]\n', 4),
        ('[tool.corpus-lint]\nexclude = [\n  "a",\n]\nselect = ["WS", "XX9"]\n', 5),
        ('[tool.corpus-lint]\n"per-file-ignores" = { "*.txt" = "WS001" }\n', 2),
    ],
)
def test_a_bad_value_names_its_line(tmp_path, cli, body, line):
    # Found by an adversarial review: only TOML syntax errors named a line, though the
    # documentation promises one for every error of a TOML file.
    name = "pyproject.toml" if body.startswith("[tool.") else "corpus-lint.toml"
    write(tmp_path / name, body)
    write(tmp_path / "a.txt", CLEAN_ARTICLE)
    run = cli("check", "-n", "a.txt", cwd=tmp_path)
    assert run.code == 2 and run.err.count("\n") == 1, run
    assert run.err.startswith(f"corpus-lint: error: {tmp_path / name}: ")
    assert run.err.endswith(f" (line {line})\n"), run.err


def test_a_pyproject_named_without_our_table_is_an_error_not_the_defaults(tmp_path, cli):
    # Found by an adversarial review: "[tool.corpus_lint]" misspelt, `--config pyproject.toml`
    # ran every rule and --show-settings named the file as the one in use.
    write(tmp_path / "pyproject.toml", '[tool.corpus_lint]\nselect = ["SRC"]\n')
    write(tmp_path / "a.txt", "Title\n\nBody.  \n\nSource: X\n")
    for extra in ([], ["--show-settings"]):
        run = cli("check", "-n", "--config", "pyproject.toml", "a.txt", *extra, cwd=tmp_path)
        assert run.code == 2 and run.out == ""
        assert run.err == (
            f"corpus-lint: error: {tmp_path / 'pyproject.toml'} has no [tool.corpus-lint] table\n"
        )
    # Found by discovery, such a file is another project's: skipped, the defaults used.
    assert cli("check", "-n", "a.txt").code == 1


def test_a_configuration_saved_with_a_byte_order_mark_is_read(tmp_path, cli):
    # Notepad writes one; tomllib refused it as an "Invalid statement" at line 1.
    (tmp_path / "corpus-lint.toml").write_bytes(b'\xef\xbb\xbfselect = ["WS"]\n')
    write(tmp_path / "a.txt", "Title\n\nBody.\n")  # (no source line: SRC001 not selected)
    run = cli("check", "-n", "a.txt", cwd=tmp_path)
    assert (run.code, run.out.splitlines()[-1]) == (0, "All checks passed (1 file).")
    # A rule pack too: it was an "invalid TOML" error (the two had a reader each).
    pack = '[[extend]]\ncode = "BP001"\nphrases = ["Body."]\n'
    (tmp_path / "p.toml").write_bytes(b"\xef\xbb\xbf" + pack.encode())
    run = cli(
        "check",
        "-n",
        "a.txt",
        "--select",
        "BP001",
        "--config",
        'rule-packs = ["p.toml"]',
        cwd=tmp_path,
    )
    assert run.code == 1 and "BP001" in run.out, run.out + run.err


def test_no_rule_selected_names_what_selected_none(tmp_path, cli):
    write(tmp_path / "corpus-lint.toml", "select = []\n")
    write(tmp_path / "a.txt", CLEAN_ARTICLE)
    run = cli("check", "-n", "a.txt", cwd=tmp_path)
    said = f"(see 'select' and 'ignore' in {tmp_path / 'corpus-lint.toml'})"
    assert run.code == 2 and run.err.rstrip().endswith(said), run.err
    run = cli("check", "-n", "a.txt", "--select", "WS", "--ignore", "WS")
    assert run.code == 2 and run.err.rstrip().endswith("(see --select and --ignore)"), run.err


def test_show_settings_shows_the_executor_flag(tmp_path, cli):
    found = cli("check", "--show-settings", "--executor", "dask", cwd=tmp_path).out
    assert 'executor = "dask"' in found.splitlines()
    assert 'executor = "local"' in cli("check", "--show-settings").out.splitlines()


def test_toml_nested_too_deeply_for_the_parser_is_invalid_toml(tmp_path, cli):
    # tomllib recurses once a level: 2,000 levels were a RecursionError traceback.
    deep = "[" * 2000 + "]" * 2000
    write(tmp_path / "corpus-lint.toml", f"exclude = {deep}\n")
    write(tmp_path / "a.txt", CLEAN_ARTICLE)
    run = cli("check", "a.txt", cwd=tmp_path)
    assert (run.code, run.out, run.err.count("\n")) == (2, "", 1), run
    assert "corpus-lint.toml: invalid TOML: nested too deeply" in run.err
    (tmp_path / "corpus-lint.toml").unlink()
    run = cli("check", "a.txt", "--config", f"exclude = {deep}")
    assert (run.code, run.out, run.err.count("\n")) == (2, "", 1), run
    assert "neither a configuration file nor a TOML KEY = VALUE (nested too deeply)" in run.err


def test_invalid_toml_names_the_line(tmp_path, cli):
    write(tmp_path / "pyproject.toml", '[tool.corpus-lint]\nselect = ["ALL"\nignore = []\n')
    write(tmp_path / "a.txt", CLEAN_ARTICLE)
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.code == 2
    assert "pyproject.toml: invalid TOML" in run.err and "line 3" in run.err
    assert "Traceback" not in run.err
    assert run.err.count("\n") == 1
    # Found by a review: an error at the end of the file, and bytes that are not UTF-8 (in
    # a configuration or a pack) named no line.
    write(tmp_path / "pyproject.toml", '[tool.corpus-lint]\n# ok\nselect = ["ALL",\n')
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.err.endswith("(at end of document, line 3)\n"), run.err
    (tmp_path / "pyproject.toml").write_bytes(b'[tool.corpus-lint]\n# caf\xe9\nselect = ["ALL"]\n')
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.err.endswith(
        "pyproject.toml: not UTF-8 (byte 0xe9 on line 2); save the configuration as UTF-8\n"
    )
    write(tmp_path / "pyproject.toml", '[tool.corpus-lint]\nrule-packs = ["p.toml"]\n')
    (tmp_path / "p.toml").write_bytes(b"# packs\n# caf\xe9\n")
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.err.endswith(
        "p.toml: not UTF-8 (byte 0xe9 on line 2); save the rule pack as UTF-8\n"
    )


def test_unknown_rule_code_in_the_configuration_is_an_error(tmp_path, cli):
    write(tmp_path / "corpus-lint.toml", 'ignore = ["WS999"]\n')
    write(tmp_path / "a.txt", CLEAN_ARTICLE)
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.code == 2
    assert "corpus-lint.toml: ignore: unknown rule code or prefix 'WS999'" in run.err


def test_an_unknown_rule_code_is_blamed_on_where_it_was_set(tmp_path, cli):
    # Found by a review: one from `--config` was blamed on pyproject.toml, one from an
    # `extend`ed file on the file extending it.
    write(tmp_path / "pyproject.toml", '[tool.corpus-lint]\nselect = ["WS"]\n')
    write(tmp_path / "a.txt", CLEAN_ARTICLE)
    run = cli("check", "a.txt", "--config", 'select = ["BAD1"]', cwd=tmp_path)
    assert (run.code, run.err) == (
        2,
        "corpus-lint: error: --config 'select = [\"BAD1\"]': select: unknown rule code or "
        "prefix 'BAD1'\n",
    )
    write(tmp_path / "base.toml", '# shared\nignore = ["BAD9"]\n')
    write(tmp_path / "corpus-lint.toml", 'extend = "base.toml"\nselect = ["WS"]\n')
    run = cli("check", "a.txt", cwd=tmp_path)
    base = (tmp_path / "base.toml").resolve()
    assert run.err == (
        f"corpus-lint: error: {base}: ignore: unknown rule code or prefix 'BAD9' (line 2)\n"
    )
    per_file = 'per-file-ignores = { "a.txt" = ["WS001", "NOPE"] }\n'
    write(tmp_path / "corpus-lint.toml", f'extend = "base.toml"\n{per_file}')
    write(tmp_path / "base.toml", "")
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.err.startswith(f"corpus-lint: error: {(tmp_path / 'corpus-lint.toml').resolve()}: ")
    assert run.err.endswith("unknown rule code or prefix 'NOPE' (line 2)\n")


def test_explicit_config_file_overrides_discovery(tmp_path, cli):
    write(tmp_path / "corpus-lint.toml", 'select = ["WS002"]\n')
    write(tmp_path / "other.toml", 'select = ["WS001"]\n')
    write(tmp_path / "a.txt", "Title\n\nText with trailing space \nSource: X")
    assert {
        d["code"] for d in cli("check", "a.txt", "--output-format", "json", cwd=tmp_path).json()
    } == {"WS002"}
    run = cli("check", "a.txt", "--output-format", "json", "--config", "other.toml")
    assert {d["code"] for d in run.json()} == {"WS001"}


def test_missing_config_file_is_an_error(tmp_path, cli):
    run = cli("check", "--config", "nowhere.toml", cwd=tmp_path)
    assert run.code == 2 and "nowhere.toml: configuration file not found" in run.err


def test_a_configured_corpus_folder_that_is_not_there_is_named_so(tmp_path, cli):
    write(tmp_path / "corpus-lint.toml", 'corpus = ["gone"]\n')
    write(tmp_path / "a.txt", CLEAN_ARTICLE)
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.code == 2 and run.err == (
        f"corpus-lint: error: {tmp_path / 'gone'}: no such file or directory (a folder of the "
        "configured corpus)\n"
    )


def test_corpus_paths_are_relative_to_the_config_folder(tmp_path, cli):
    write(tmp_path / "corpus-lint.toml", 'corpus = ["articles"]\nselect = ["WS002"]\n')
    write(tmp_path / "articles" / "a.txt", "No final newline")
    (tmp_path / "elsewhere").mkdir()
    run = cli("check", "--output-format", "json", cwd=tmp_path / "elsewhere")
    assert [(d["code"], d["path"]) for d in run.json()] == [("WS002", "../articles/a.txt")]


def test_per_file_ignores_drop_codes_for_matching_files(tmp_path, cli):
    write(
        tmp_path / "corpus-lint.toml",
        'select = ["WS002"]\nper-file-ignores = { "drafts/*.txt" = ["WS"] }\n',
    )
    write(tmp_path / "drafts" / "a.txt", "No final newline")
    write(tmp_path / "final" / "a.txt", "No final newline")
    run = cli("check", ".", "--output-format", "json", cwd=tmp_path)
    assert [d["path"] for d in run.json()] == ["final/a.txt"]


def test_include_and_exclude_pick_the_files_of_a_folder(tmp_path, cli):
    write(
        tmp_path / "corpus-lint.toml",
        'select = ["WS002"]\ninclude = ["*.txt", "*.md"]\nexclude = ["old"]\n',
    )
    for name in ("a.txt", "b.md", "c.rst", "old/d.txt"):
        write(tmp_path / name, "No final newline")
    run = cli("check", ".", "--output-format", "json", cwd=tmp_path)
    assert sorted(d["path"] for d in run.json()) == ["a.txt", "b.md"]


def test_globs_may_start_with_the_configuration_folder_s_dot(tmp_path, cli):
    # Found by review rev34a: "./drafts" and "./final/*.txt" matched nothing, silently.
    write(
        tmp_path / "corpus-lint.toml",
        'select = ["WS002"]\ninclude = ["./*.txt", "*.md"]\nexclude = ["./old"]\n'
        'per-file-ignores = { "./drafts/*.txt" = ["WS"] }\n',
    )
    for name in ("a.txt", "b.md", "old/d.txt", "drafts/e.txt", "final/f.txt"):
        write(tmp_path / name, "No final newline")
    run = cli("check", ".", "--output-format", "json", cwd=tmp_path)
    assert sorted(d["path"] for d in run.json()) == ["a.txt", "b.md"]  # "./*.txt": here only
    write(tmp_path / "corpus-lint.toml", 'select = ["WS002"]\nexclude = ["./old"]\n')
    run = cli("check", ".", "--output-format", "json", cwd=tmp_path)
    assert sorted(d["path"] for d in run.json()) == ["a.txt", "drafts/e.txt", "final/f.txt"]


@pytest.mark.parametrize(
    "glob, path, expected",
    [
        ("*.txt", "a/b/c.txt", True),
        ("seeds/002_*.txt", "seeds/002_x.txt", True),
        ("seeds/002_*.txt", "other/seeds/002_x.txt", False),
        ("**/drafts/*.txt", "a/b/drafts/x.txt", True),
        ("**/drafts/*.txt", "drafts/x.txt", True),
        ("a/*.txt", "a/b/c.txt", False),
        ("[0-9]*.txt", "7.txt", True),
        ("[!0-9]*.txt", "7.txt", False),
    ],
)
def test_glob_matching(glob, path, expected):
    assert glob_matches(glob, path) is expected


def test_glob_problems_are_explained():
    assert glob_problem("*.txt") is None
    assert glob_problem("") == "it is empty"
    assert "unclosed" in glob_problem("[ab")


def test_an_allow_list_path_is_read_from_the_folder_of_what_names_it(tmp_path, monkeypatch):
    # Found by an adversarial review: a base file's allow-list was looked for beside the
    # file extending it, and --config near-duplicate.allow=... beside the configuration
    # file, not in the working directory (as rule-packs and corpus are).
    entry = '[[allow]]\npaths = ["a.txt", "b.txt"]\nreason = "{}"\n'
    write(tmp_path / "base" / "allow.toml", entry.format("base"))
    write(tmp_path / "base" / "base.toml", '[near-duplicate]\nallow = "allow.toml"\n')
    write(tmp_path / "project" / "corpus-lint.toml", 'extend = "../base/base.toml"\n')
    write(tmp_path / "project" / "allow.toml", entry.format("project"))
    settings = load_settings(cwd=tmp_path / "project")
    assert [e.reason for e in settings.near_duplicate.allow] == ["base"]
    write(tmp_path / "project" / "sub" / "mine.toml", entry.format("mine"))
    settings = load_settings(
        cwd=tmp_path / "project" / "sub", overrides=['near-duplicate.allow="mine.toml"']
    )
    assert [e.reason for e in settings.near_duplicate.allow] == ["mine"]


def test_extend_in_a_config_override_is_an_error(tmp_path):
    # It was accepted, shown by --show-settings, and ignored.
    with pytest.raises(ConfigError, match="'extend' goes in a configuration file"):
        load_settings(cwd=tmp_path, overrides=['extend="base.toml"'])


def test_a_bad_allow_list_entry_names_the_line_of_its_table(tmp_path):
    # Found by review rev34a: "entry 2", where every other TOML error names its line.
    from corpus_lint.config import load_allow_list

    allow = write(
        tmp_path / "allow.toml",
        '[[allow]]\npaths = ["a.txt", "b.txt"]\nreason = "x"\n\n[[allow]]\npaths = ["a.txt"]\n'
        'reason = "y"\n',
    )
    with pytest.raises(ConfigError) as error:
        load_allow_list(allow)
    assert str(error.value) == (
        f"{allow}: [[allow]] entry 2 (line 5): 'paths' must list two or more files"
    )
