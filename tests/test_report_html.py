"""`--output-format html`: the report opened in a real browser (headless Chromium), its DOM
checked against the json report of the same run; hostile documents shown as text."""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from corpus_lint.cli import main
from corpus_lint.dedup.clusters import KEEP_CRITERIA
from corpus_lint.report.html import (
    align,
    embedded_json,
    length_histogram,
    side_by_side,
)
from tests.helpers import PROJECT

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
# Chromium logs every console message, and every Content Security Policy violation, as
# `[...:INFO:CONSOLE:LINE] "message", source: URL (LINE)` on stderr with --enable-logging.
CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\] (.*)")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:  # never skipped: .ci/run installs it
        pytest.fail("headless Chromium is needed: apt-get install chromium (.ci/run does)")
    return found


def browse(page: Path) -> tuple[str, list[str]]:
    """The DOM of `page` after its scripts ran, and what the browser logged to the console."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom"]
            + [page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, CONSOLE.findall(done.stderr)


class Elements(HTMLParser):
    """Every element of a DOM dump: (tag, attributes, text inside it, for the ones asked)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[list] = []  # [tag, attributes, text parts] of the elements open now
        self.texts: list[tuple[str, dict[str, str | None], str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag not in ("br", "meta", "input", "img", "line", "rect", "link"):
            self.open.append([tag, attributes, []])

    def handle_endtag(self, tag):
        while self.open:
            opened, attributes, parts = self.open.pop()
            text = "".join(parts)
            self.texts.append((opened, attributes, text))
            if self.open:
                self.open[-1][2].append(text)
            if opened == tag:
                break

    def handle_data(self, data):
        if self.open:
            self.open[-1][2].append(data)

    def text_of(self, tag: str | None = None, **wanted: str) -> list[str]:
        """Texts of the `tag` elements whose attributes have these values (class: one of
        the element's classes), in document order of their ends."""
        found = []
        for name_, attributes, text in self.texts:
            if (tag is None or name_ == tag) and all(
                value in (attributes.get(name) or "").split()
                if name == "class"
                else attributes.get(name) == value
                for name, value in wanted.items()
            ):
                found.append(text)
        return found


def parse(dom: str) -> Elements:
    parser = Elements()
    parser.feed(dom)
    parser.close()
    return parser


def run_cli(folder: Path, args: list[str]) -> int:
    here = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return main(["check", "--no-cache", "--no-progress", *args])
    finally:
        os.chdir(here)


# --- the seeds ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds_report(tmp_path_factory) -> tuple[list[dict], Elements, list[str], str]:
    out = tmp_path_factory.mktemp("html")
    code = run_cli(
        PROJECT,
        ["--output-format", f"html:{out / 'r.html'}", "--output-format", f"json:{out / 'r.json'}"],
    )
    assert code == 1
    diagnostics = json.loads((out / "r.json").read_text(encoding="utf-8"))
    dom, console = browse(out / "r.html")
    return diagnostics, parse(dom), console, dom


def test_seeds_report_shows_the_summary_counts_in_the_browser(seeds_report):
    diagnostics, page, console, _ = seeds_report
    assert console == []
    assert page.text_of(id="files-checked") == ["5"]
    assert page.text_of(id="findings-total") == [str(len(diagnostics))]
    assert page.text_of(id="files-with-findings") == [str(len({d["path"] for d in diagnostics}))]
    warnings = sum(d["severity"] == "warning" for d in diagnostics)
    assert page.text_of(id="severity-warning") == [str(warnings)]
    per_rule = {}
    for d in diagnostics:
        per_rule[d["code"]] = per_rule.get(d["code"], 0) + 1
    for code, count in per_rule.items():
        assert page.text_of(id=f"rule-count-{code}") == [str(count)]
    # The script ran to its end (it marks the page), and the length histogram has its files.
    assert re.search(r'<html[^>]* data-ready="\d+"', seeds_report[3])
    assert "5 documents; words per document" in seeds_report[3]


@pytest.mark.parametrize("corpus", ["seeds", "latin-1"])
def test_the_fixable_counts_are_those_of_the_text_summary(corpus, cli, seeds_copy, tmp_path):
    """Found by an adversarial review: the page counted the findings that carry a safe fix
    (8 on the seeds, where `--fix` fixes 9: fixes that follow from others; 3 on a latin-1
    file, where `--fix` fixes nothing, as only the unsafe transcode may touch it)."""
    folder = seeds_copy
    if corpus == "latin-1":
        folder = tmp_path / "c"
        folder.mkdir()
        (folder / "latin1.txt").write_bytes(
            b"Caf\xe9 society   \nThe caf\xe9 is open.   \nSource: Reuters"
        )
    run = cli("check", "--no-cache", "--no-progress", folder.name, "--output-format", "html:r.html",
              cwd=tmp_path)  # fmt: skip
    assert run.code == 1
    safe = re.search(r"\[\*\] (\d+) fixable with `--fix`\.", run.out)
    unsafe = re.search(r"(\d+) more fixable with `--fix --unsafe-fixes`\.", run.out)
    summary = [int(m.group(1)) if m else 0 for m in (safe, unsafe)]
    assert summary == ([9, 14] if corpus == "seeds" else [0, 4])
    page = parse((tmp_path / "r.html").read_text(encoding="utf-8"))
    shown = [int(page.text_of(id=f"fixable-{kind}")[0]) for kind in ("safe", "unsafe")]
    assert shown == summary
    said = re.findall(r".* fixable with `--fix.*", run.out)
    # Found by review rev34a: with another report on stdout (the README's GitHub Actions
    # recipe), the page and a text report in a file fell back to counting the [*] marks.
    run = cli("check", "--no-cache", "--no-progress", folder.name, "--output-format", "github",
              "--output-format", "html:r.html", "--output-format", "text:r.txt",
              cwd=tmp_path)  # fmt: skip
    page = parse((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert [int(page.text_of(id=f"fixable-{kind}")[0]) for kind in ("safe", "unsafe")] == summary
    text = (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert re.findall(r".* fixable with `--fix.*", text) == said


def test_a_run_with_errors_or_no_file_says_so_and_never_that_every_check_passed(
    tmp_path, monkeypatch
):
    """Found by an adversarial review: a run with an error (a path that does not exist, exit
    2) and a run that checked no file both wrote "No findings: every check passed.", never
    naming the error, and said the words were not counted "because the Dask executor does
    not" (the local executor ran)."""
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "a.txt").write_text("A clean article about things.\nSource: Reuters\n")
    (tmp_path / "found").mkdir()
    (tmp_path / "found" / "a.txt").write_text("An article about things.   \nSource: Reuters\n")
    (tmp_path / "empty").mkdir()
    missing = "no<b>such\tdir"  # the message names it: escaped as on stderr, and as text
    args = ["--output-format", "html:r.html"]
    assert run_cli(tmp_path, ["clean", missing, *args]) == 2
    page = parse((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert page.text_of(id="outcome") == [
        "No diagnostics in the 1 file checked, but 1 error (see below)."
    ]
    assert page.text_of(id="errors-total") == ["1"]
    (errors,) = sections(
        (tmp_path / "r.html").read_text(encoding="utf-8"), '<div id="errors"', "</div>"
    )
    assert errors.text_of("li") == ["no<b>such\\tdir: no such file or directory"]
    assert not [tag for tag, _ in errors.elements if tag == "b"]
    assert "passed" not in (tmp_path / "r.html").read_text(encoding="utf-8")
    # With findings, the errors are there too.
    assert run_cli(tmp_path, ["found", missing, *args]) == 2
    page = parse((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert page.text_of(id="outcome") == [] and page.text_of(id="errors-total") == ["1"]
    # No file checked: said so, and why there are no lengths.
    assert run_cli(tmp_path, ["empty", *args]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert parse(html).text_of(id="outcome") == ["No files were checked."]
    assert "No file was checked: there are no lengths to show." in html
    assert "Dask" not in html and "passed" not in html
    # A clean run is the one that passed.
    assert run_cli(tmp_path, ["clean", *args]) == 0
    page = parse((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert page.text_of(id="outcome") == ["All checks passed (1 file)."]
    assert page.text_of(id="errors-total") == []
    # Standard input: its words are counted, as a file's.
    stdin = io.TextIOWrapper(io.BytesIO(b"Four words of text.\nSource: Reuters\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert run_cli(tmp_path, ["-", "--stdin-filename", "in.txt", *args]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "1 documents; words per document" in html and "Dask" not in html


def test_seeds_report_lists_every_finding_with_its_line_marked(seeds_report):
    diagnostics, page, _, _ = seeds_report
    listed = []
    for tag, attributes, _ in page.texts:
        if tag == "li" and attributes.get("class") == "finding":
            listed.append(attributes)
    places = page.text_of(**{"class": "path"})
    codes = page.text_of(**{"class": "code"})
    expected = sorted((f"{d['path']}:{d['line']}:{d['column']}", d["code"]) for d in diagnostics)
    shown = sorted(zip([p for p in places if re.search(r":\d+:\d+$", p)], codes))
    assert shown == expected
    assert len(listed) == len(diagnostics)
    messages = page.text_of(**{"class": "message"})
    assert sorted(messages) == sorted(d["message"] for d in diagnostics)
    # The offending line is shown with the reported span marked: the repeated line of DUP001.
    assert (
        "ISIS is regrouping in southern Libya with support of al-Qaeda and preparing for "
        "further attacks" in page.text_of("mark")
    )


# --- a duplicate cluster of three, and hostile text ---------------------------------------

HOSTILE = (
    "<script>document.title='PWNED';document.documentElement.dataset.pwned='script'</script>\n"
    "<img src=x onerror=\"document.documentElement.dataset.pwned='onerror'\">\n"
    "<a href=\"javascript:document.documentElement.dataset.pwned='href'\">read more</a>\n"
    '</textarea></pre></script></style><svg onload="alert(1)">  \n'
    "Bidi \u202eevil\u202c and isolate \u2067x\u2069 controls.\n"
)
HOSTILE_NAME = "<img src=x onerror=alert(1)>.txt"


def _article(replacements: dict[int, tuple[str, str]], source: bool = False) -> str:
    sentences = []
    for i in range(40):
        sentence = f"The harbour council met on day {i} to review the budget line {i * 7}."
        if i in replacements:
            old, new = replacements[i]
            sentence = sentence.replace(old, new)
        sentences.append(sentence)
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, 40, 5)]
    # The hostile lines come before the first edit, so no unchanged stretch hides them.
    text = "Harbour council reviews its budget\n\n" + HOSTILE + "\n" + "\n\n".join(paragraphs)
    return text + ("\n\nSource: Reuters\n" if source else "\n")


# The cluster: the one copy that names its source is kept (the default keeper policy starts
# with has-source); each other copy has its own edits, so its differences with the keeper
# are its edits and the source line it lacks.
CLUSTER = {
    "first.txt": ({}, True),
    HOSTILE_NAME: ({0: ("council", "senate"), 30: ("budget", "ferries")}, False),
    "third.txt": ({12: ("review", "approve")}, False),
}


def write_cluster(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name, (edits, source) in CLUSTER.items():
        (folder / name).write_text(_article(edits, source), encoding="utf-8")


@pytest.fixture(scope="module")
def cluster_report(tmp_path_factory) -> tuple[list[dict], Elements, list[str], str]:
    root = tmp_path_factory.mktemp("cluster")
    write_cluster(root / "corpus" / "outlet")
    code = run_cli(
        root,
        ["corpus", "--output-format", "html:r.html", "--output-format", "json:r.json"]
        + ["--output-format", "clusters:clusters.jsonl"],
    )
    assert code == 1
    diagnostics = json.loads((root / "r.json").read_text(encoding="utf-8"))
    (cluster,) = map(json.loads, (root / "clusters.jsonl").read_text(encoding="utf-8").splitlines())
    for d in diagnostics:  # the json format does not carry the cluster id: the clusters one does
        if d["code"] in ("DUP003", "DUP004"):
            d["cluster"] = cluster["id"]
    dom, console = browse(root / "r.html")
    return diagnostics, parse(dom), console, dom


def sections(dom: str, start: str, end: str) -> list[Elements]:
    """Each `start`...`end` piece of the DOM, parsed on its own."""
    return [parse(start + piece.split(end)[0] + end) for piece in dom.split(start)[1:]]


def test_duplicate_cluster_shows_its_keeper_kept_and_each_member_beside_it(cluster_report):
    diagnostics, page, console, dom = cluster_report
    assert console == []
    members = [d for d in diagnostics if d["code"] in ("DUP003", "DUP004")]
    assert sorted(d["code"] for d in members) == ["DUP004", "DUP004"]
    keeper = "corpus/outlet/first.txt"
    assert {d["related"][0]["path"] for d in members} == {keeper}
    # One cluster, under its id, with its keeper marked as kept, and the keeper policy named.
    (ident,) = {d["cluster"] for d in members}
    (cluster,) = sections(dom, '<article class="cluster"', "</article>")
    assert cluster.text_of(**{"class": "cluster-id"}) == [ident]
    assert cluster.text_of("h3")[0].endswith("3 documents, 1 kept and 2 redundant")
    (kept,) = cluster.text_of("p", **{"class": "keeper"})
    assert kept.startswith(f"kept {keeper} ")
    assert (
        "keeper policy, keep in [tool.corpus-lint.near-duplicate]"
        in page.text_of(id="keeper-policy")[0]
    )
    # The run's own policy (the default here), as `check` passes it.
    assert page.text_of(id="keeper-policy-value") == [
        "has-source, most-text, fewest-findings, first-path"
    ]
    (criteria,) = sections(dom, '<dl class="criteria"', "</dl>")
    assert sorted(criteria.text_of("dt")) == sorted(KEEP_CRITERIA)  # each one explained
    # Each redundant member, least similar first: its name, rule and similarity to the keeper,
    # then the keeper (marked kept) and the member side by side, only its edits and the
    # source line it lacks marked.
    shown = sections(dom, '<section class="member"', "</section>")
    expected = sorted(members, key=lambda d: d["related"][0]["similarity"])
    assert len(shown) == len(expected) == 2
    for member, d in zip(shown, expected):
        heading = member.text_of("h4")[0]
        assert heading.startswith(f"redundant {d['path']}: DUP004 near-duplicate, similarity ")
        assert member.text_of(**{"class": "similarity"}) == [f"{d['related'][0]['similarity']:.2f}"]
        # The heading, then the two columns' titles: the keeper's, the member's.
        assert member.text_of(**{"class": "path"}) == [d["path"], keeper, d["path"]]
        assert member.text_of(**{"class": "badge"}) == ["redundant", "kept", "redundant"]
        titles = member.text_of("h5")
        assert titles[0].startswith(f"kept {keeper} ") and titles[1].startswith("redundant ")
        edits, _ = CLUSTER[d["path"].rsplit("/", 1)[1]]
        assert member.text_of("del") == [old for old, _ in edits.values()] + ["Source: Reuters"]
        assert member.text_of("ins") == [new for _, new in edits.values()]
        docs = member.text_of(**{"class": "doc"})
        assert all(d.startswith("Harbour council reviews its budget") for d in docs)
        # The long stretches the two share are shortened, what differs is whole.
        assert all(re.search(r"\[… \d+ words the same …\]", d) for d in docs)
    # Why the keeper was kept, in figures a person can check: it alone names its source.
    assert "no source line (SRC001)" not in kept
    assert all("no source line (SRC001)" in m.text_of("h5")[1] for m in shown)


def test_the_keeper_policy_of_the_run_is_named(tmp_path, monkeypatch):
    """When the run passes its keeper policy (a configuration row), the page names it; when
    it does not, the page says so rather than guess."""
    from corpus_lint.report import ReportContext
    from corpus_lint.report.html import KEEPER_POLICY_ROW, render
    from corpus_lint.rule import Diagnostic, Related

    monkeypatch.chdir(tmp_path)
    write_cluster(tmp_path / "c")
    duplicate = Diagnostic(
        "DUP004", "near-duplicate", "near-duplicate of c/first.txt", "warning",
        "c/third.txt", 1, 1, 1, 2, related=(Related("c/first.txt", 1, 0.9),), cluster="0a1b2c3d",
    )  # fmt: skip
    policy = "fewest-findings, most-text, first-path"
    named = render([duplicate], ReportContext({}, configuration=[(KEEPER_POLICY_ROW, policy)]))
    assert f'<code id="keeper-policy-value">{policy}</code>' in named
    unnamed = render([duplicate], ReportContext({}))
    assert "keeper-policy-value" not in unnamed
    assert "this run did not pass its policy to the report" in unnamed


def test_hostile_documents_are_shown_as_text_and_run_nothing(cluster_report):
    diagnostics, page, console, dom = cluster_report
    # Nothing ran: no CSP violation or error was logged, and the page is as its script left it.
    assert console == []
    assert "pwned" not in dom.split("<head>")[0]
    assert re.search(r'<html[^>]* data-ready="\d+"', dom)
    assert [t for t in page.text_of("title") if "PWNED" in t] == []
    # No element or attribute came from a document: only the report's own scripts, no
    # event handler, no link but the report's own anchors, no image, textarea or foreign svg.
    tags = [tag for tag, _ in page.elements]
    assert tags.count("script") == 2
    assert not {"img", "textarea", "iframe", "object", "embed"} & set(tags)
    assert all(
        attributes.get("class") == "histogram" for tag, attributes in page.elements if tag == "svg"
    )
    assert not [a for _, attributes in page.elements for a in attributes if a.startswith("on")]
    assert all(
        (attributes.get("href") or "#").startswith("#")
        for tag, attributes in page.elements
        if tag == "a"
    )
    # ... and the hostile text is there, as text, in every text of the cluster and in a finding.
    docs = page.text_of(**{"class": "doc"})
    for text in docs:
        assert "<script>document.title='PWNED'" in text
        assert "javascript:document.documentElement" in text
        assert "</textarea></pre></script></style><svg onload=" in text
    findings = page.text_of(id="findings-list")[0]
    assert "</textarea></pre></script></style><svg" in findings  # WS001: trailing spaces
    # Bidi controls are shown as escapes, never as the characters that reorder the text.
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", dom)
    assert "Bidi \\u202eevil\\u202c and isolate \\u2067x\\u2069" in docs[0]


def test_file_names_with_controls_are_shown_as_the_text_report_shows_them(tmp_path, cli):
    """Found by an adversarial review: a tab or a newline in a file name went into the page
    raw, so `a<TAB>b.txt` and `a<LF>b.txt` both read `a b.txt`, as a third file did."""
    (tmp_path / "c").mkdir()
    for name in ("a b", "a\tb", "a\nb", "a\x1bb"):
        (tmp_path / "c" / f"{name}.txt").write_text("Hello   \nSource: Reuters\n")
    formats = ["--output-format", "text", "--output-format", "html:r.html"]
    run = cli("check", "--no-cache", "--no-progress", "c", "--select", "WS001", *formats,
              cwd=tmp_path)  # fmt: skip
    assert run.code == 1
    in_text = sorted(re.findall(r"^(.*:\d+:\d+): WS001", run.out, re.MULTILINE))
    names = ["c/a b.txt", "c/a\\tb.txt", "c/a\\nb.txt", "c/a\\x1bb.txt"]
    assert in_text == sorted(f"{name}:1:6" for name in names)
    dom, console = browse(tmp_path / "r.html")
    assert console == []
    places = [p for p in parse(dom).text_of(**{"class": "path"}) if re.search(r":\d+:\d+$", p)]
    assert sorted(places) == in_text


def test_the_console_check_sees_errors_and_blocked_injections(tmp_path):
    """The console capture the tests above rely on does see a script error and a blocked
    inline handler (so an empty console there means something)."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><meta http-equiv='Content-Security-Policy' content=\"script-src 'none'\">"
        '<img src="data:," onerror="alert(1)"><p>x</p>',
        encoding="utf-8",
    )
    _, console = browse(page)
    assert any("Content Security Policy" in line for line in console), console
    page.write_text("<!DOCTYPE html><script>console.error('broken')</script>", encoding="utf-8")
    _, console = browse(page)
    assert any("broken" in line for line in console), console


# --- the pieces, without a browser -------------------------------------------------------


def test_side_by_side_marks_replaced_added_and_dropped_words_and_keeps_line_breaks():
    columns = side_by_side("one two three\nfour five", "one 2 three\nfour five six")
    assert columns["left"] == [("one ", "same"), ("two", "changed"), (" three\nfour five", "same")]
    assert columns["right"] == [
        ("one ", "same"),
        ("2", "changed"),
        (" three\nfour five ", "same"),
        ("six", "changed"),
    ]
    assert columns["changed"] == (1, 2)


def test_embedded_json_cannot_close_its_script_element():
    text = embedded_json({"line": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"line": "</script><script>alert(1)</script> & <!--"}


def test_length_histogram_names_the_outliers():
    counts = {f"a/{i}.txt": 400 + i for i in range(100)}
    counts["a/huge.txt"] = 50_000
    counts["a/empty.txt"] = 0
    histogram = length_histogram(counts)
    assert histogram["long"] == [("a/huge.txt", 50_000)]
    assert histogram["short"] == [("a/empty.txt", 0)]
    assert histogram["bins"][-1]["beyond"] and histogram["bins"][-1]["count"] == 1
    assert sum(b["count"] for b in histogram["bins"]) == 102


@pytest.mark.parametrize("spread", [1, 7, 40, 300])
def test_length_histogram_leaves_the_axis_end_to_its_own_label(spread):
    """No tick label in the last fifth of the axis, where "N words" is printed: on the BBC
    corpus a tick "975" was drawn over "4432 words"."""
    counts = {f"a/{i}.txt": 100 + (i * spread) % 997 for i in range(500)}
    counts["a/long.txt"] = 20_000
    histogram = length_histogram(counts)
    bins = len(histogram["bins"])
    assert histogram["ticks"] and histogram["ticks"][0][0] == 0
    assert all(index < 0.8 * bins for index, _ in histogram["ticks"])


def test_side_by_side_shortens_long_unchanged_stretches_but_never_a_change():
    words = [f"w{i}" for i in range(400)]
    edited = [*words[:200], "CHANGED", *words[201:]]
    columns = side_by_side(" ".join(words), " ".join(edited))
    kinds = [kind for _, kind in columns["right"]]
    assert kinds == ["same", "elided", "same", "changed", "same", "elided", "same"]
    assert ("CHANGED", "changed") in columns["right"] and ("w200", "changed") in columns["left"]
    shown = sum(len(t.split()) for t, kind in columns["right"] if kind != "elided")
    elided = sum(int(t.split()[1]) for t, kind in columns["right"] if kind == "elided")
    assert shown + elided == 400


def _common_subsequence(a: str, b: str) -> int:
    """The length of the longest common subsequence, by dynamic programming."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def test_align_finds_a_longest_common_subsequence_and_stops_at_a_cut_texts_end():
    """Random texts over 1 to 7 letters: the blocks match, in order, as many characters as a
    longest common subsequence of the prefixes they align: the whole texts, or up to where
    the alignment first reaches the end of a text that is the start of a longer one."""
    rng = random.Random(3)
    for _ in range(3000):
        letters = rng.choice(["a", "ab", "abc", "abcdefg"])
        a = "".join(rng.choice(letters) for _ in range(rng.randrange(25)))
        b = "".join(rng.choice(letters) for _ in range(rng.randrange(25)))
        a_more, b_more = rng.random() < 0.3, rng.random() < 0.3
        blocks, (a_end, b_end) = align(a, b, a_more, b_more)
        i_end = j_end = 0
        for i, j, size in blocks:
            assert size > 0 and i >= i_end and j >= j_end and a[i : i + size] == b[j : j + size]
            i_end, j_end = i + size, j + size
        assert i_end <= a_end and j_end <= b_end
        matched = sum(size for _, _, size in blocks)
        assert matched == _common_subsequence(a[:a_end], b[:b_end])
        if not (a_more or b_more):
            assert (a_end, b_end) == (len(a), len(b))
        else:
            assert (
                (a_more and a_end == len(a))
                or (b_more and b_end == len(b))
                or ((a_end, b_end) == (len(a), len(b)))
            )


def test_a_pair_of_repetitive_texts_is_compared_in_bounded_time(tmp_path):
    """Found by an adversarial review: two copies of a table of 9,000 one-digit words, 90 of
    them changed, took 45 s to compare (difflib on few distinct words is quadratic); the run
    without the html report takes 0.6 s."""
    rng = random.Random(5)
    words = [str(rng.randrange(10)) for _ in range(9000)]
    edited = ["x" if i % 100 == 0 else w for i, w in enumerate(words)]
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "one.txt").write_text(" ".join(words) + "\nSource: Reuters\n")
    (tmp_path / "c" / "two.txt").write_text(" ".join(edited) + "\nSource: Reuters\n")
    started = time.perf_counter()
    assert run_cli(tmp_path, ["c", "--select", "DUP", "--output-format", "html:r.html"]) == 1
    assert time.perf_counter() - started < 10
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "90 words only in the kept copy, 90 only in the redundant copy." in page


def test_two_unrelated_texts_are_compared_whole_in_bounded_time():
    rng = random.Random(7)
    left, right = (" ".join(f"w{rng.randrange(10**6)}" for _ in range(2000)) for _ in "ab")
    started = time.perf_counter()
    columns = side_by_side(left, right)
    assert time.perf_counter() - started < 5
    assert min(columns["changed"]) > 1990 and columns["stopped"] is None  # (a few shared)


def test_a_pair_is_compared_whole_and_cut_at_one_place_of_both_texts(tmp_path):
    """Found by an adversarial review: each text was cut at 20,000 characters on its own
    before the comparison, so a pair differing after the cut showed no difference, and a copy
    with a longer introduction had words both copies hold marked as only in the other."""
    rng = random.Random(7)
    vocabulary = [f"{rng.choice('bcdfgklmnprst')}{rng.choice('aeiou')}{i}" for i in range(600)]
    words = [rng.choice(vocabulary) for _ in range(4500)]  # some 27,000 characters
    assert len(" ".join(words[:4200])) > 20_000
    edited = ["CHANGED" if i >= 4200 and i % 3 == 0 else w for i, w in enumerate(words)]
    late, intro = tmp_path / "late", tmp_path / "intro"
    late.mkdir()
    (late / "a.txt").write_text(" ".join(words) + "\nSource: Reuters\n")
    (late / "b.txt").write_text(" ".join(edited) + "\nSource: Reuters\n")
    intro.mkdir()
    (intro / "short.txt").write_text(" ".join(words[:4000]) + "\nSource: Reuters\n")
    (intro / "long.txt").write_text(  # the keeper: most text
        "EDITOR NOTE: this copy was refiled with a longer introduction, " * 5
        + "\n"
        + " ".join(words[:4000])
        + "\nSource: Reuters\n"
    )
    args = ["--select", "DUP", "--output-format", "html:r.html"]
    assert run_cli(late, [".", *args]) == 1
    page = (late / "r.html").read_text(encoding="utf-8")
    (member,) = sections(page, '<section class="member"', "</section>")
    changed = sum(i >= 4200 and i % 3 == 0 for i in range(4500))
    assert member.text_of("ins") == ["CHANGED"] * changed
    assert len(member.text_of("del")) == changed
    assert run_cli(intro, [".", *args]) == 1
    page = (intro / "r.html").read_text(encoding="utf-8")
    assert "50 words only in the kept copy, 0 only in the redundant copy." in page  # 10 × 5
    assert 'class="cut"' not in page  # compared and shown whole


def test_a_pair_cut_for_its_length_is_cut_at_one_place_of_both_texts(monkeypatch):
    import corpus_lint.report.html as html

    shared = " ".join(f"w{i}" for i in range(3000))
    longer = "An introduction only this copy has, of some words. " * 20 + shared
    for bound, why in (("MAX_PAIR_CHARS", "shown"), ("MAX_DIFF_WORDS", "words")):
        monkeypatch.setattr(html, bound, 500)
        columns = side_by_side(longer, shared)
        assert columns["stopped"] == why
        changed_left, changed_right = columns["changed"]
        assert changed_left > 0 and changed_right == 0  # nothing the two share marked
        if why == "shown":
            assert len("".join(text for text, _ in columns["left"])) < 500 + 20
        monkeypatch.undo()


def _findings_data(page: str) -> dict:
    return json.loads(re.search(r'id="report-data">(.*?)</script>', page).group(1))


# Long lines with a doubled word (TXT001), of text that takes 1, 3 and (JSON-escaped) 6 bytes
# a character in the page.
LONG_LINES = {
    "ascii": "alpha beta " * 50 + "of of the end.",
    "chinese": "中文新闻报道" * 40 + " of of " + "中文新闻报道" * 40,
    "markup": "<" * 200 + " of of " + ">&" * 100,
}


@pytest.mark.parametrize("text", LONG_LINES)
def test_offending_lines_stop_at_the_budget_in_bytes_and_the_page_says_so(
    text, tmp_path, monkeypatch
):
    """Many findings on long lines: the lines shown stay within the budget, counted in the
    bytes they take in the page (found by an adversarial review: it counted characters, and
    30,000 findings on Chinese lines made a 24.6 MB page, on lines of `<` 30.8 MB), the
    findings past it are still listed, and the page says how many lack their line."""
    import corpus_lint.report.html as html

    monkeypatch.setattr(html, "LINES_BUDGET_BYTES", 1000)
    (tmp_path / "c").mkdir()
    for i in range(30):  # 30 files, each a long line with a doubled word: TXT001
        (tmp_path / "c" / f"{i:02d}.txt").write_text(
            f"Title\n\n{LONG_LINES[text]}\n\nSource: Reuters\n", encoding="utf-8"
        )
    assert run_cli(tmp_path, ["c", "--select", "TXT001", "--output-format", "html:r.html"]) == 1
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    data = _findings_data(page)
    lines = [row[6] for row in data["findings"]]
    assert len(lines) == 30
    shown = [line for line in lines if line]
    # The bytes each line adds to the page (a finding without its line has `null`).
    written = [len(embedded_json(line).encode("utf-8")) - len("null") for line in shown]
    assert 1000 - max(written) < sum(written) <= 1000  # the next line would not fit
    assert data["linesLeftOut"] == 30 - len(shown) > 0
    assert f"The last {30 - len(shown)} findings are listed without their line" in page


def test_the_lines_get_what_the_rest_of_the_page_leaves_of_its_bound(tmp_path, monkeypatch):
    """However much the rest of the page takes (the findings' messages quote document text
    too), the lines shown keep the page within MAX_PAGE_BYTES."""
    import corpus_lint.report.html as html

    (tmp_path / "c").mkdir()
    for i in range(30):
        (tmp_path / "c" / f"{i:02d}.txt").write_text(
            f"Title\n\n{LONG_LINES['chinese']}\n\nSource: Reuters\n", encoding="utf-8"
        )
    args = ["c", "--select", "TXT001", "--output-format", "html:r.html"]
    assert run_cli(tmp_path, args) == 1
    whole = (tmp_path / "r.html").read_bytes()
    assert _findings_data(whole.decode("utf-8"))["linesLeftOut"] == 0
    bound = len(whole) - 2000
    monkeypatch.setattr(html, "MAX_PAGE_BYTES", bound)
    assert run_cli(tmp_path, args) == 1
    page = (tmp_path / "r.html").read_bytes()
    assert bound - 1000 < len(page) <= bound
    assert 0 < _findings_data(page.decode("utf-8"))["linesLeftOut"] < 30


@pytest.mark.parametrize("on_disk", [True, False])
def test_a_run_on_standard_input_quotes_the_lines_it_checked(on_disk, tmp_path, monkeypatch):
    """Found by an adversarial review: with `check - --stdin-filename NAME`, each finding's
    line was read from NAME on disk ("Hello world" marked as the boilerplate phrase), or was
    missing when no such file exists."""
    (tmp_path / "sd").mkdir()
    if on_disk:
        (tmp_path / "sd" / "a.txt").write_text("Hello world\nSource: Reuters\n")
    checked = b"Print Friendly, PDF & Email\nHello of of world\nSource: Reuters\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(checked)))
    args = ["-", "--stdin-filename", "sd/a.txt", "--output-format", "html:r.html"]
    assert run_cli(tmp_path, args) == 1
    data = _findings_data((tmp_path / "r.html").read_text(encoding="utf-8"))
    lines = {data["rules"][row[0]][0]: row[6] for row in data["findings"]}
    assert lines == {
        "BP001": ["", "Print Friendly, PDF & Email", ""],
        "TXT001": ["Hello ", "of of", " world"],
    }


def test_a_file_whose_name_is_not_utf8_is_read_again_by_its_own_name(tmp_path):
    """Found by an adversarial review: the report read such a file again by its escaped
    name (`bad\\xff.txt`), which does not exist, so its findings had no line and its
    duplicate pair was "One of the two files could not be read to show it."."""
    folder = tmp_path / "c"
    folder.mkdir()
    text = b"Print Friendly, PDF & Email\nThe of of cat sat on the mat today in town.\n"
    try:
        (folder / os.fsdecode(b"bad\xff.txt")).write_bytes(text + b"Source: Reuters\n")
    except OSError:  # a file system that refuses such names
        pytest.skip("this file system refuses names that are not UTF-8")
    (folder / "good.txt").write_bytes(text + b"Source: Reuters\n")
    assert run_cli(tmp_path, ["c", "--output-format", "html:r.html"]) == 1
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    data = _findings_data(page)
    lines: dict[str, list] = {}
    for row in data["findings"]:
        if data["rules"][row[0]][0] in ("BP001", "TXT001"):
            lines.setdefault(data["paths"][row[1]], []).append(row[6])
    assert lines["c/bad\\xff.txt"] == lines["c/good.txt"]
    assert ["The ", "of of", " cat sat on the mat today in town."] in lines["c/good.txt"]
    assert "could not be read" not in page
    (member,) = sections(page, '<section class="member"', "</section>")
    assert member.text_of(**{"class": "path"}) == ["c/good.txt", "c/bad\\xff.txt", "c/good.txt"]
    assert all(doc.startswith("Print Friendly") for doc in member.text_of(**{"class": "doc"}))


def test_clusters_shown_side_by_side_stop_at_the_bounds_and_the_rest_are_listed(
    tmp_path, monkeypatch
):
    """A cluster past its bound of comparisons lists its other members (rule, similarity);
    past the bound in all, no more clusters are shown, and the page says how many were."""
    import corpus_lint.report.html as html

    monkeypatch.setattr(html, "MAX_COMPARED_PER_CLUSTER", 1)
    monkeypatch.setattr(html, "MAX_COMPARISONS", 1)
    write_cluster(tmp_path / "c" / "three")
    other = tmp_path / "c" / "two"  # a second cluster: an exact copy of another story
    other.mkdir()
    story = _article({}, source=True).replace("harbour", "airport")
    for name in ("a.txt", "b.txt"):
        (other / name).write_text(story, encoding="utf-8")
    args = ["c", "--output-format", "html:r.html", "--output-format", "clusters:c.jsonl"]
    assert run_cli(tmp_path, args) == 1
    found = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text().splitlines()]
    assert sorted(c["size"] for c in found) == [2, 3]
    dom = (tmp_path / "r.html").read_text(encoding="utf-8")
    (cluster,) = sections(dom, '<article class="cluster"', "</article>")  # the near one first
    (three,) = [c for c in found if c["size"] == 3]
    assert cluster.text_of(**{"class": "cluster-id"}) == [three["id"]]
    members = sorted(three["members"], key=lambda m: m["similarity"])
    assert len(cluster.text_of("section")) == 1
    assert cluster.text_of("h4")[0].startswith(f"redundant {members[0]['path']}:")
    rows = cluster.text_of("td")
    assert rows == [members[1]["path"], "DUP004 near-duplicate", f"{members[1]['similarity']:.2f}"]
    summary = " ".join(parse(dom).text_of("p"))
    assert "2 clusters of duplicate documents, 3 redundant documents" in summary
    assert "1 redundant document is shown side by side here" in summary


def test_the_configuration_rows_name_the_repeated_line_settings(tmp_path):
    """The page's "Configuration that produced these findings" names BP005's settings as
    the run had them ([boilerplate] min-documents and max-length), not the defaults."""
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("Title\n\nText.\n\nSource: Reuters\n")
    args = ["c", "--config", "boilerplate.min-documents = 7", "--output-format", "html:r.html"]
    assert run_cli(tmp_path, args) in (0, 1)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "repeated lines (BP005)" in page
    assert "in at least 7 documents, at most 100 characters" in page


def test_a_byte_order_mark_is_no_changed_word_side_by_side(tmp_path, cli):
    # Found by a review: a copy saved with a BOM showed its first word as changed ("Ad"
    # against "\ufeffAd"), beside the one real change.
    from tests.helpers import random_article

    text = random_article(31, words=300)
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    word = text.split()[20]
    (tmp_path / "b.txt").write_text(text.replace(word, "CHANGED", 1), encoding="utf-8-sig")
    cli("check", "--no-cache", "--output-format", "html:r.html", ".", cwd=tmp_path)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    changed = set(re.findall(r"<(del|ins)>(.*?)</\1>", page))
    legend = {("del", "only in the kept copy"), ("ins", "only in the redundant copy")}
    assert changed - legend == {("del", word), ("ins", "CHANGED")}


def test_the_summary_tells_findings_by_severity_from_the_runs_errors(tmp_path, cli):
    # Found by a review: a card "Errors" counted error findings (ENC001), another "Errors"
    # the run's own errors (a path that does not exist); and "Infos".
    (tmp_path / "a.txt").write_bytes(b"Caf\xe9 story\n\nThe caf\xe9 opened.\n")
    cli("check", "--no-cache", "--output-format", "html:r.html", "a.txt", "missing", cwd=tmp_path)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    labels = re.findall(r"<dt>(.*?)</dt>", page)
    assert "Error findings" in labels and "Run errors" in labels
    assert "Errors" not in labels and "Infos" not in labels


def test_the_page_lists_the_files_the_run_left_out(tmp_path, cli):
    # Found by a review: "errc/fifo.txt: not a regular file, not linted" went to stderr only;
    # a person reading the page could not know the run had left a file out.
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("Title\n\nText.\n\nSource: AP\n")
    os.mkfifo(tmp_path / "c" / "pipe.txt")
    cli("check", "--no-cache", "--output-format", "html:r.html", "c", cwd=tmp_path)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    listed = re.search(r'<div id="warnings".*?</div>', page, re.S)
    assert listed and "c/pipe.txt: not a regular file, not linted" in listed.group()
