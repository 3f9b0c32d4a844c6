"""Rule packs: the built-in packs load, users' packs add rules through the CLI, bad packs exit 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus_lint.checks import builtin_rules
from corpus_lint.packs import PackError, builtin_pack_dir, load_packs
from corpus_lint.textutil import normalise_phrase

BUILTIN = builtin_rules()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def project(tmp_path: Path, pack: str, article: str = "Title\n\nBody.\n") -> Path:
    """A folder with a corpus-lint.toml that loads `packs/extra.toml`, and one article."""
    write(tmp_path / "corpus-lint.toml", 'rule-packs = ["packs/extra.toml"]\n')
    write(tmp_path / "packs" / "extra.toml", pack)
    write(tmp_path / "a.txt", article)
    return tmp_path


# --- the built-in packs --------------------------------------------------------------------


def test_builtin_packs_give_data_to_the_builtin_rules():
    packs = load_packs([], BUILTIN)
    assert {p.name for p in packs.files} >= {"boilerplate.toml", "credits.toml", "sources.toml"}
    assert normalise_phrase("Print Friendly, PDF & Email") in packs.phrases("BP001")
    assert len(packs.phrases("BP001")) >= 100
    assert "* * *" in packs.phrases("BP002")
    for code in ("BP001", "BP004", "SRC001", "SRC002"):
        assert packs.patterns(code), code


def test_builtin_patterns_are_anchored_or_end_in_a_bracketed_credit():
    # Unanchored patterns could match article prose anywhere; every built-in one is tied to
    # the start of the line or to a bracketed credit that ends it.
    packs = load_packs([], BUILTIN)
    for code in ("BP001", "BP004", "SRC001", "SRC002"):
        for pattern in packs.patterns(code):
            assert pattern.pattern.startswith("^") or pattern.pattern.endswith(r"\)\s*$"), (
                code,
                pattern.pattern,
            )


def test_builtin_packs_are_valid_as_users_packs_must_be():
    # Built-in packs are not validated at run time (start-up): this test does it instead.
    import re

    from corpus_lint.families import parse_family

    packs = load_packs([], BUILTIN)
    for code, extension in packs.extensions.items():
        for pattern in extension.patterns:
            re.compile(pattern)  # raises on a pattern that does not compile
        for template in extension.families:
            parse_family(template, packs.words)
        packs.families(code)  # the automaton builds
        packs.any_pattern(code).search("")  # its alternations compile


def test_builtin_pack_folder_is_the_projects_rules_folder():
    assert builtin_pack_dir().name in ("rules", "_builtin_rules")
    assert (builtin_pack_dir() / "boilerplate.toml").is_file()


def test_any_pattern_finds_a_match_of_any_pattern_whether_joined_or_not(tmp_path):
    pack = write(
        tmp_path / "p.toml",
        '[[extend]]\ncode = "BP004"\npatterns = ["^Snap:", "(?i)^credit line$", "Pic\\\\)$"]\n',
    )
    matcher = load_packs([pack], BUILTIN).any_pattern("BP004")
    assert matcher.search("Snap: J. Doe")
    assert matcher.search("CREDIT LINE")  # a global flag keeps its meaning: searched alone
    assert matcher.search("A caption (Our Pic)")
    assert matcher.search("Photo: Reuters")  # the built-in patterns are still there
    assert not matcher.search("A sentence about a snap election.")


# --- a user's pack through the CLI ---------------------------------------------------------

NEW_RULE = """
[[rules]]
code = "X001"
name = "paywall-prompt"
message = "paywall prompt left in the text"
severity = "error"
pattern = "^Subscribe to read\\\\b"
scope = "last-lines"
lines = 2
fix = "delete-line"
"""


def test_user_pack_rule_fires_through_the_cli(tmp_path, cli):
    article = "Title\n\nSubscribe to read the rest\n\nBody.\n\nSubscribe to read more\n"
    project(tmp_path, NEW_RULE, article)
    run = cli("check", "a.txt", "--select", "X001", "--output-format", "json", cwd=tmp_path)
    assert run.code == 1
    # scope = "last-lines", lines = 2: only the prompt on the last line is reported.
    [diagnostic] = run.json()
    assert diagnostic["code"] == "X001"
    assert diagnostic["name"] == "paywall-prompt"
    assert diagnostic["severity"] == "error"
    assert (diagnostic["line"], diagnostic["column"], diagnostic["end_column"]) == (7, 1, 23)
    assert diagnostic["message"] == "paywall prompt left in the text"
    assert diagnostic["fix"]["applicability"] == "unsafe"


@pytest.mark.parametrize(("pattern", "lines"), [("^Subscribe\\\\b", 5), (".", 2)])
def test_a_fix_of_a_last_lines_rule_deletes_exactly_the_lines_reported(
    tmp_path, cli, pattern, lines
):
    # Found by an adversarial review: the window was the last N lines, so each pass of --fix
    # deleted the next line that came into it, article text never reported included (with
    # "." and 2 lines: one line reported, 18 of 24 deleted, and a second --fix emptied the
    # file). The window is now the last N lines the rule does not report.
    pack = NEW_RULE.replace("^Subscribe to read\\\\b", pattern).replace(
        "lines = 2", f"lines = {lines}"
    )
    article = "Title\n\nSubscribe and you will get a fair deal, the minister said.\nBody one.\n"
    article += "Body two.\nBody three.\nSource: Reuters\nSubscribe now\n"
    project(tmp_path, pack, article)
    run = cli("check", "a.txt", "--select", "X001", "--output-format", "json", cwd=tmp_path)
    reported = {d["line"] for d in run.json()}
    kept = [line for n, line in enumerate(article.splitlines(), 1) if n not in reported]
    fixed = cli("check", "a.txt", "--select", "X001", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert f"Fixed {len(reported)} issue" in fixed.out, fixed.out + fixed.err
    assert [line for line in (tmp_path / "a.txt").read_text().splitlines() if line] == [
        line for line in kept if line
    ]
    after = (tmp_path / "a.txt").read_text()
    again = cli("check", "a.txt", "--select", "X001", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert again.code == 0 and (tmp_path / "a.txt").read_text() == after


def test_a_pack_phrase_matches_a_line_whose_accents_are_decomposed(tmp_path, cli):
    # Found by an adversarial review: "Café Menu" (é one character) missed "Cafe\u0301 Menu"
    # (e and a combining accent), as a macOS file name or editor may write it.
    pack = '[[extend]]\ncode = "BP001"\nphrases = ["Caf\u00e9 Menu"]\n'
    project(tmp_path, pack, "Title\n\nBody.\n\nCafe\u0301 Menu\nCAF\u00c9 MENU\n")
    run = cli("check", "a.txt", "--select", "BP001", "--output-format", "json", cwd=tmp_path)
    assert [d["line"] for d in run.json()] == [5, 6]


def test_user_pack_first_lines_scope_and_phrase_rule(tmp_path, cli):
    pack = """
[[rules]]
code = "X002"
name = "site-banner"
message = "site banner above the title"
phrases = ["Ferry News Online"]
scope = "first-lines"
lines = 1
"""
    project(tmp_path, pack, "ferry news  ONLINE\nTitle\nFerry News Online\n")
    run = cli("check", "a.txt", "--select", "X002", "--output-format", "json", cwd=tmp_path)
    assert [(d["code"], d["line"]) for d in run.json()] == [("X002", 1)]
    assert run.json()[0]["fix"] is None


def test_user_pack_document_scope_phrase_rule_reads_every_line(tmp_path, cli):
    # Found by review rev34a: a phrase rule with scope = "document" read only the last 5
    # lines (as "last-lines"), so a phrase at the top passed as "All checks passed".
    pack = """
[[rules]]
code = "X002"
name = "subscribe-prompt"
message = "subscribe prompt"
phrases = ["Subscribe now"]
scope = "document"
fix = "delete-line"
"""
    body = "".join(f"Paragraph {i} of the article.\n" for i in range(20))
    project(tmp_path, pack, f"Subscribe now\nTitle\n\n{body}\nSubscribe now\n")
    run = cli("check", "a.txt", "--select", "X002", "--output-format", "json", cwd=tmp_path)
    assert [d["line"] for d in run.json()] == [1, 25]
    run = cli("check", "a.txt", "--select", "X002", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert run.code == 0, run.err
    assert (tmp_path / "a.txt").read_text() == f"Title\n\n{body}\n"


def test_user_pack_rule_fix_deletes_the_line(tmp_path, cli):
    project(tmp_path, NEW_RULE, "Title\n\nBody.\nSubscribe to read more\n")
    run = cli("check", "a.txt", "--select", "X001", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert run.code == 0, run.err
    assert (tmp_path / "a.txt").read_text() == "Title\n\nBody.\n"


def test_user_pack_rule_is_explained_and_listed(tmp_path, cli):
    project(tmp_path, NEW_RULE)
    run = cli("rule", "X001", cwd=tmp_path)
    assert run.code == 0
    assert "`^Subscribe to read\\b`" in run.out and "in the last 2 lines" in run.out
    run = cli("rules", cwd=tmp_path)
    assert re.search(r"^X001 .* paywall-prompt", run.out, re.MULTILINE)


def test_user_pack_extends_a_builtin_rule(tmp_path, cli):
    pack = '[[extend]]\ncode = "BP001"\nphrases = ["Ferry News Home"]\n'
    project(tmp_path, pack, "Title\n\nBody.\n\nFerry News Home\n")
    run = cli("check", "a.txt", "--select", "BP001", "--output-format", "json", cwd=tmp_path)
    assert [(d["code"], d["line"]) for d in run.json()] == [("BP001", 5)]


# --- bad packs: exit 2, one line naming the file and the rule ------------------------------

BAD_PACKS = {
    "unknown field": (
        '[[rules]]\ncode = "X001"\nname = "n"\nmessage = "m"\npattern = "x"\ncolour = "red"\n',
        "[[rules]] #1 (X001): unknown field 'colour'",
    ),
    "duplicate code": (
        '[[rules]]\ncode = "X001"\nname = "a"\nmessage = "m"\npattern = "x"\n\n'
        '[[rules]]\ncode = "X001"\nname = "b"\nmessage = "m"\npattern = "y"\n',
        "[[rules]] #2 (X001): code X001 is already defined by another rule",
    ),
    "built-in code": (
        '[[rules]]\ncode = "BP001"\nname = "mine"\nmessage = "m"\npattern = "x"\n',
        "[[rules]] #1 (BP001): code BP001 is already defined by another rule",
    ),
    "bad pattern": (
        '[[rules]]\ncode = "X001"\nname = "n"\nmessage = "m"\npattern = "(unclosed"\n',
        "[[rules]] #1 (X001): pattern '(unclosed' does not compile",
    ),
    "bad extend pattern": (
        '[[extend]]\ncode = "BP004"\npatterns = ["[a-"]\n',
        "[[extend]] #1 (BP004): pattern '[a-' does not compile",
    ),
    "family with an unknown word list": (
        '[[extend]]\ncode = "BP001"\nfamilies = ["{colours} button"]\n',
        "[[extend]] #1 (BP001): family '{colours} button': no word list named 'colours'",
    ),
    "family not closed": (
        '[[extend]]\ncode = "BP001"\nfamilies = ["print [this"]\n',
        "family 'print [this': '[' is not closed by ']'",
    ),
    "family that spells an empty line": (
        '[[extend]]\ncode = "BP001"\nfamilies = ["[print]"]\n',
        "family '[print]': can spell an empty line",
    ),
    "family nested too deeply": (  # deep enough for the matcher, run in a worker, to crash
        '[[extend]]\ncode = "BP001"\nfamilies = ["' + "[" * 600 + "x" + "]" * 600 + ' end"]\n',
        "groups nested more than 20 deep",
    ),
    "pattern nested too deeply": (
        '[[rules]]\ncode = "X001"\nname = "n"\nmessage = "m"\npattern = "'
        + "(" * 3000
        + "a"
        + ")" * 3000
        + '"\n',
        "[[rules]] #1 (X001): pattern '((((",
    ),
    "TOML nested too deeply": ("x = " + "[" * 2000 + "]" * 2000 + "\n", "invalid TOML: nested"),
    "word list defined twice": (
        '[words]\nshare = ["x"]\n',
        "[words] share: the word list 'share' is already defined",
    ),
    "invalid TOML": ('[[rules]]\ncode = "X001\n', "invalid TOML"),
    "unknown extend code": (
        '[[extend]]\ncode = "ZZ999"\nphrases = ["x"]\n',
        "[[extend]] #1 (ZZ999): code ZZ999 names no rule",
    ),
    "extend without data": (
        '[[extend]]\ncode = "BP001"\n',
        "[[extend]] #1 (BP001): give 'phrases', 'families' or 'patterns'",
    ),
    # Found by an adversarial review: these loaded, and did nothing.
    "extend of a rule that reads no pack": (
        '[[extend]]\ncode = "WS001"\nphrases = ["x"]\n',
        "WS001 reads no phrases (it takes nothing from rule packs)",
    ),
    "extend with a field the rule does not read": (
        '[[extend]]\ncode = "BP002"\npatterns = ["x"]\n',
        "BP002 reads no patterns (it takes only phrases)",
    ),
    # Found by review rev34a: a window size outside a window scope was silently unused, and
    # a document-wide match was offered a line deletion it never got.
    "lines outside first/last-lines": (
        '[[rules]]\ncode = "X001"\nname = "n"\nmessage = "m"\npattern = "x"\nlines = 3\n',
        '[[rules]] #1 (X001): \'lines\' is for scope = "first-lines" or "last-lines"',
    ),
    "delete-line of a document-wide pattern": (
        '[[rules]]\ncode = "X001"\nname = "n"\nmessage = "m"\npattern = "(?m)^x$"\n'
        'scope = "document"\nfix = "delete-line"\n',
        'fix = "delete-line" needs a line: a pattern with scope = "document"',
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_PACKS))
def test_bad_pack_exits_2_with_one_line_naming_the_file_and_rule(case, tmp_path, cli):
    pack, expected = BAD_PACKS[case]
    project(tmp_path, pack)
    run = cli("check", "a.txt", "--no-progress", cwd=tmp_path)
    assert run.code == 2
    assert run.out == ""
    message = run.err.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("corpus-lint: error: ")
    assert "extra.toml" in message
    assert expected in message


def test_bad_pack_names_the_line_of_its_table(tmp_path, cli):
    # Found by review rev34a: "[[rules]] #2", and the user counted tables in a long pack.
    pack = (
        '[[rules]]\ncode = "X001"\nname = "a"\nmessage = "m"\npattern = "ok"\n\n'
        '[[rules]]\ncode = "X002"\nname = "b"\nmessage = "m"\npattern = "(unclosed"\n'
    )
    project(tmp_path, pack)
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.code == 2 and run.err.rstrip().endswith("(line 7)"), run.err
    project(tmp_path, '[[extend]]\ncode = "ZZ999"\nphrases = ["x"]\n')
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.code == 2 and run.err.rstrip().endswith("(line 1)"), run.err


def test_bad_pack_fails_the_rules_listing_too(tmp_path, cli):
    project(tmp_path, BAD_PACKS["unknown extend code"][0])
    run = cli("rules", cwd=tmp_path)
    assert run.code == 2 and "ZZ999" in run.err


def test_missing_pack_file_is_reported(tmp_path, cli):
    write(tmp_path / "corpus-lint.toml", 'rule-packs = ["packs/nowhere.toml"]\n')
    write(tmp_path / "a.txt", "Title\n")
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.code == 2 and "nowhere.toml: rule pack not found" in run.err


def test_packs_load_in_order_so_a_later_pack_may_extend_an_earlier_packs_rule(tmp_path):
    first = write(tmp_path / "a.toml", NEW_RULE)
    second = write(tmp_path / "b.toml", '[[extend]]\ncode = "X001"\nphrases = ["x"]\n')
    packs = load_packs([first, second], BUILTIN)
    assert packs.phrases("X001") == {"x"}
    with pytest.raises(PackError, match="b.toml"):
        load_packs([second, first], BUILTIN)


def test_user_family_uses_its_own_and_the_builtin_word_lists(tmp_path, cli):
    pack = (
        '[words]\nferry-button = ["timetable", "fares"]\n\n'
        '[[extend]]\ncode = "BP001"\nfamilies = ["(view|see) [the] {ferry-button} [{network}]"]\n'
    )
    article = (
        "Title\n\nView the timetable\n\nSee fares Facebook | Print\n\n"
        "You can view the timetable at the harbour office.\n"
    )
    project(tmp_path, pack, article)
    run = cli("check", "a.txt", "--select", "BP001", "--output-format", "json", cwd=tmp_path)
    assert [d["line"] for d in run.json()] == [3, 5]


def test_user_rule_with_families(tmp_path, cli):
    pack = (
        '[[rules]]\ncode = "X003"\nname = "ferry-widget"\nmessage = "ferry widget"\n'
        'families = ["(book|buy) [a] (ticket|tickets) [now]"]\nfix = "delete-line"\n'
    )
    project(tmp_path, pack, "Title\n\nBook tickets now!\n\nHe could not buy a ticket.\n")
    run = cli("check", "a.txt", "--select", "X003", "--output-format", "json", cwd=tmp_path)
    assert [d["line"] for d in run.json()] == [3]


def test_the_readmes_pack_works_as_shown(tmp_path, cli):
    # Found by a review: the README's example defined a word list of the built-in pack's
    # name, so copying it made every command fail.
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Rule packs") :]
    pack = section[
        section.index("```toml\n") + 8 : section.index("```\n", section.index("```toml"))
    ]
    article = "Title\n\nBody.\n\nShare this story via WhatsApp\n\nSubscribe to read more\n"
    project(tmp_path, pack, article)
    run = cli("check", "a.txt", "--select", "X001,BP001", "--output-format", "json", cwd=tmp_path)
    found = [(d["code"], d["line"]) for d in run.json()]
    assert ("BP001", 5) in found and ("X001", 7) in found, run.err


def test_families_are_linear_where_a_regex_would_backtrack():
    # As a regex, ^(?:a|a a)+$ on 39 "a"s then "b" tries every split of the a's: ~10**8 ways.
    import time

    from corpus_lint.families import FamilyMatcher

    matcher = FamilyMatcher(["(a|a a)", "[a] a [a]"], {})
    line = " ".join(["a"] * 39 + ["b"])
    started = time.perf_counter()
    assert not matcher.matches(line)
    assert matcher.matches(" ".join(["a"] * 39))
    assert time.perf_counter() - started < 0.5
