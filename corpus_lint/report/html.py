"""`html`: one self-contained page a person reads: the corpus at a glance, the findings to
browse, near-duplicates side by side.

Built with Jinja2 and autoescape: every value the template prints is HTML-escaped unless it
is marked safe, and the only values marked safe are built here from escaped pieces. Document
text (lines, duplicate texts, boilerplate) and file names are untrusted: they are escaped,
the active characters (bidi and other controls) of document text shown as `\\uXXXX`, those of
file names and messages as the text report shows them (`\\t`, `\\x1b`), and the page's Content
Security Policy lets only its own script (by hash) run and loads nothing from the network.

Bounded for large corpora: the findings travel once as compact JSON (paths, rules and
messages interned) that the page's script pages through; the offending lines are read from the
files now, cut to a window around the span, up to `LINES_BUDGET_BYTES` in all; of the duplicate
clusters, only `MAX_COMPARISONS` redundant documents are shown side by side with their keeper,
the two compared and shown up to bounds (`side_by_side`).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import posixpath
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from corpus_lint import __version__
from corpus_lint.report import ReportContext, escape_active, json_escape, shown_escape
from corpus_lint.report.text import clean, fixable, nothing_found, source_lines
from corpus_lint.rule import SAFE, UNSAFE, Diagnostic

# Redundant documents shown side by side with their keeper, in all and per cluster (a scrape
# may hold thousands of copies of one page); the others are listed, up to MAX_MEMBERS_LISTED
# a cluster, and every one is among the findings.
MAX_COMPARISONS = 100
MAX_COMPARED_PER_CLUSTER = 10
MAX_MEMBERS_LISTED = 50
# Characters of each text of a pair shown (the word that reaches it is shown, up to this many).
MAX_PAIR_CHARS = 20_000
MAX_DIFF_WORDS = 20_000  # words of each text of a pair compared
KEEP_UNCHANGED_WORDS = 30  # of a long stretch a pair shares, shown at each end
SAME, CHANGED, ELIDED = "same", "changed", "elided"  # the kinds of a pair's runs
CONTEXT_CHARS = 60  # characters of the offending line kept on each side of the span
MAX_SPAN_CHARS = 200  # characters of the span itself
# The offending lines of all findings together, in the bytes they take in the page (UTF-8,
# JSON-escaped: a Chinese character is 3 bytes, `<` is 6): past it (some 15,000 findings of
# long lines), or past what the rest of the page leaves of MAX_PAGE_BYTES, findings are
# listed without their line, so the report stays under 10 MB.
LINES_BUDGET_BYTES = 5_000_000
MAX_PAGE_BYTES = 9_500_000
MAX_FOLDERS = 300  # rows of the folder table (the ones with most findings)
TOP_BOILERPLATE = 25
HISTOGRAM_BINS = 30
MAX_OUTLIERS = 10  # named on each side of the histogram
SEVERITY_ORDER = ("error", "warning", "info")
KINDS = {"DUP003": "exact duplicate", "DUP004": "near-duplicate"}
# The configuration row naming the keeper policy (`near-duplicate.keep`), when the run gives it.
KEEPER_POLICY_ROW = "keeper policy"

_TEMPLATES = Path(__file__).parent / "templates"
_WORD = re.compile(r"\S+")


def visible(text: str) -> str:
    """Document text (lines, a pair's texts) with its active characters (controls, bidi,
    separators) written as `\\uXXXX` text; tabs and line breaks kept, for its layout. File
    names, messages and the run's notes and settings are shown as the text report shows them
    (`text.clean`: a tab is `\\t`)."""
    return escape_active(text, shown_escape)


def folder_of(path: str) -> str:
    return posixpath.dirname(path) or "."


def render(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    """The page. The diagnostics' paths are the files' own names (`report.OWN_PATHS`), by
    which they are read again; each is shown through `text.clean`, which makes it encodable
    (a byte that is not UTF-8 is `\\xNN`), and so is each message."""
    import jinja2  # only when an html report is asked for

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    script = (_TEMPLATES / "report.js").read_text(encoding="utf-8")
    style = (_TEMPLATES / "report.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    texts = _TextReader(ctx)
    findings = findings_data(diagnostics)
    page = {
        "version": __version__,
        "summary": summary(diagnostics, ctx),
        "configuration": [(k, clean(v)) for k, v in ctx.configuration],
        "notes": [clean(n) for n in ctx.notes],
        "rules": rule_counts(diagnostics),
        "folders": folder_rows(diagnostics, ctx.word_counts),
        "lengths": length_histogram(ctx.word_counts),
        "words_counted": ctx.word_counts is not None,
        "boilerplate": boilerplate_lines(diagnostics),
        "clusters": duplicate_clusters(diagnostics, texts, ctx.word_counts),
        "keeper_policy": clean(dict(ctx.configuration).get(KEEPER_POLICY_ROW) or ""),
        "data": embedded_json(findings),
        "lines_left_out": len(diagnostics),  # (the page's longest: every finding left out)
        "script": jinja2.utils.markupsafe.Markup(script),  # our own file, not data
        "style": jinja2.utils.markupsafe.Markup(style),
        "script_hash": f"sha256-{digest}",
        "max_folders": MAX_FOLDERS,
        "max_diff_words": MAX_DIFF_WORDS,
        "max_pair_chars": MAX_PAIR_CHARS,
    }
    template = env.get_template("report.html.jinja")
    rest = len(template.render(**page).encode("utf-8"))  # the page without the lines
    add_lines(findings, diagnostics, texts, min(LINES_BUDGET_BYTES, MAX_PAGE_BYTES - rest))
    page["data"] = embedded_json(findings)
    page["lines_left_out"] = findings["linesLeftOut"]
    return template.render(**page)


def summary(diagnostics: list[Diagnostic], ctx: ReportContext) -> dict[str, Any]:
    severities = Counter(d.severity for d in diagnostics)
    safe, unsafe = fixable(diagnostics, ctx)  # as the text summary counts them
    return {
        # Said when nothing was found, in the text summary's words: never that every check
        # passed when a path could not be checked or no file was.
        "outcome": None if diagnostics else nothing_found(ctx),
        "errors": [clean(error) for error in ctx.errors],  # as stderr shows them
        "warnings": [clean(warning) for warning in ctx.warnings],
        "files_checked": ctx.files_checked,
        "findings": len(diagnostics),
        "files_with_findings": len({d.path for d in diagnostics}),
        "severities": [(s, severities[s]) for s in SEVERITY_ORDER if severities[s]],
        "safe": safe,
        "unsafe": unsafe,
    }


def rule_counts(diagnostics: list[Diagnostic]) -> list[dict[str, Any]]:
    """One row per rule, most findings first, with the bar's share of the largest count."""
    rows: dict[str, dict[str, Any]] = {}
    for d in diagnostics:
        row = rows.setdefault(
            d.code,
            {"code": d.code, "name": d.name, "severity": d.severity, "count": 0, "safe": 0},
        )
        row["count"] += 1
        row["safe"] += bool(d.fix and d.fix.applicability == SAFE)
        row.setdefault("unsafe", 0)
        row["unsafe"] += bool(d.fix and d.fix.applicability == UNSAFE)
    ordered = sorted(rows.values(), key=lambda r: (-r["count"], r["code"]))
    top = ordered[0]["count"] if ordered else 1
    for row in ordered:
        row["share"] = round(100 * row["count"] / top, 1)
    return ordered


def folder_rows(diagnostics: list[Diagnostic], word_counts: dict[str, int] | None) -> dict:
    """Findings per folder, with the folder's file count when the run counted its files."""
    findings = Counter(folder_of(d.path) for d in diagnostics)
    files = Counter(folder_of(p) for p in word_counts) if word_counts else Counter()
    folders = set(findings) | set(files)
    rows = [
        {
            "folder": clean(folder),
            "findings": findings[folder],
            "files": files.get(folder),
            "rate": round(100 * findings[folder] / files[folder], 1) if files[folder] else None,
        }
        for folder in folders
    ]
    rows.sort(key=lambda r: (-r["findings"], r["folder"]))
    top = rows[0]["findings"] if rows and rows[0]["findings"] else 1
    for row in rows:
        row["share"] = round(100 * row["findings"] / top, 1)
    return {"rows": rows[:MAX_FOLDERS], "total": len(rows), "counted": word_counts is not None}


def length_histogram(word_counts: dict[str, int] | None) -> dict[str, Any] | None:
    """Document lengths in words: bins up to the upper outlier fence (Q3 + 3 IQR, Tukey's
    "far out"), one more bin for everything beyond it, and the outliers named."""
    if not word_counts:
        return None
    lengths = sorted(word_counts.values())
    n = len(lengths)
    q1, median, q3 = (lengths[min(n - 1, int(n * q))] for q in (0.25, 0.5, 0.75))
    low_fence = q1 - 3 * (q3 - q1)
    high_fence = q3 + 3 * (q3 - q1)
    top = min(lengths[-1], max(high_fence, 1))
    width = max(1, -(-(top + 1) // HISTOGRAM_BINS))  # ceil: bins of whole words
    counts = [0] * HISTOGRAM_BINS
    beyond = 0
    for length in lengths:
        if length > top:
            beyond += 1
        else:
            counts[min(length // width, HISTOGRAM_BINS - 1)] += 1
    bins = [
        {"low": i * width, "high": (i + 1) * width - 1, "count": c, "beyond": False}
        for i, c in enumerate(counts)
    ]
    while len(bins) > 1 and bins[-1]["count"] == 0:
        bins.pop()
    if beyond:
        bins.append({"low": top + 1, "high": lengths[-1], "count": beyond, "beyond": True})
    step = -(-len(bins) // 6)  # about six labels on the axis
    # None in the last fifth of the axis, where the end's label ("4432 words") stands.
    ticks = [
        (i, b["low"])
        for i, b in enumerate(bins)
        if i % step == 0 and not b["beyond"] and i < 0.8 * len(bins)
    ]
    tallest = max(b["count"] for b in bins) or 1
    for b in bins:
        b["share"] = b["count"] / tallest
    by_length = sorted(word_counts.items(), key=lambda kv: (kv[1], kv[0]))
    long = [(clean(p), w) for p, w in reversed(by_length) if w > high_fence]
    short = [(clean(p), w) for p, w in by_length if w < low_fence or w == 0]
    return {
        "files": n,
        "min": lengths[0],
        "median": median,
        "max": lengths[-1],
        "q1": q1,
        "q3": q3,
        "high_fence": high_fence,
        "bins": bins,
        "ticks": ticks,
        "long": long[:MAX_OUTLIERS],
        "long_total": len(long),
        "short": short[:MAX_OUTLIERS],
        "short_total": len(short),
    }


def boilerplate_lines(diagnostics: list[Diagnostic]) -> list[dict[str, Any]]:
    """The boilerplate lines (BP*) reported most often, with how many documents hold each."""
    documents: dict[str, set[str]] = defaultdict(set)
    codes: dict[str, Counter[str]] = defaultdict(Counter)
    for d in diagnostics:
        if d.code.startswith("BP") and d.snippet.strip():
            line = " ".join(d.snippet.split())[:MAX_SPAN_CHARS]
            documents[line].add(d.path)
            codes[line][d.code] += 1
    ranked = sorted(documents.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:TOP_BOILERPLATE]
    return [
        {"line": visible(line), "documents": len(paths), "code": codes[line].most_common(1)[0][0]}
        for line, paths in ranked
    ]


class _TextReader:
    """The lines of the files named by diagnostics, as the rules saw them (`source_lines`:
    standard input's text for a run on it, else the file read now), each file read once (the
    last few kept)."""

    def __init__(self, ctx: ReportContext) -> None:
        self._ctx = ctx
        self._cache: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[path] = source_lines(path, self._ctx)
        return self._cache[path]


def line_context(d: Diagnostic, lines: list[str] | None) -> tuple[str, str, str] | None:
    """(before, span, after) of the offending line, cut to a window around the span; None
    when the file no longer has that line."""
    if lines is None or not 1 <= d.line <= len(lines):
        return None
    text = lines[d.line - 1]
    start = min(d.column - 1, len(text))
    end = d.end_column - 1 if d.end_line == d.line else len(text)
    end = max(start, min(end, len(text)))
    before = text[max(0, start - CONTEXT_CHARS) : start]
    if start > CONTEXT_CHARS:
        before = "…" + before
    span = text[start:end]
    if len(span) > MAX_SPAN_CHARS:
        span = span[:MAX_SPAN_CHARS] + "…"
    after = text[end : end + CONTEXT_CHARS]
    if len(text) > end + CONTEXT_CHARS:
        after += "…"
    return visible(before), visible(span), visible(after)


def findings_data(diagnostics: list[Diagnostic]) -> dict[str, Any]:
    """The findings as compact JSON the page's script pages through: paths, folders, rules
    and messages are listed once and referred to by index; their lines (`add_lines`) not yet."""
    tables: dict[str, dict[Any, int]] = {"paths": {}, "folders": {}, "rules": {}, "messages": {}}

    def index(table: str, value: Any) -> int:
        return tables[table].setdefault(value, len(tables[table]))

    rows = []
    path_folder: dict[int, int] = {}
    for d in diagnostics:
        path = index("paths", clean(d.path))
        path_folder[path] = index("folders", clean(folder_of(d.path)))
        rule = index("rules", (d.code, d.name, d.severity))
        fix = 0 if d.fix is None else 1 if d.fix.applicability == SAFE else 2
        message = index("messages", clean(d.message))
        rows.append([rule, path, d.line, d.column, message, fix, None])
    return {
        "paths": list(tables["paths"]),
        "pathFolder": [path_folder[i] for i in range(len(tables["paths"]))],
        "folders": list(tables["folders"]),
        "rules": [list(r) for r in tables["rules"]],
        "messages": list(tables["messages"]),
        "findings": rows,
        "linesLeftOut": len(rows),
    }


def add_lines(
    findings: dict[str, Any], diagnostics: list[Diagnostic], texts: _TextReader, budget: int
) -> None:
    """Each finding's offending line (`line_context`), in order, while the lines take at most
    `budget` bytes in the page (as `embedded_json` writes them, UTF-8); the findings after
    the first line that does not fit are left without theirs, and counted."""
    left_out = len(diagnostics)
    for row, d in zip(findings["findings"], diagnostics):  # sorted by path: each file read once
        context = line_context(d, texts.lines(d.path))
        budget -= len(embedded_json(context).encode("utf-8")) - len("null")
        if budget < 0:
            break
        row[6] = context
        left_out -= 1
    findings["linesLeftOut"] = left_out


def embedded_json(value: Any) -> str:
    """JSON safe inside `<script type="application/json">`: no `<`, `>` or `&` can end the
    element or start markup (they are written as `\\u003c`...), and the raw file holds no
    active character (the strings decoded are the same)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return escape_active(text, json_escape)


def duplicate_clusters(
    diagnostics: list[Diagnostic], texts: _TextReader, word_counts: dict[str, int] | None
) -> dict[str, Any]:
    """The duplicate clusters of the DUP003/DUP004 diagnostics (as `--output-format clusters`
    reads them): each with its keeper and its redundant members, each member side by side
    with the keeper, the differing words marked. Clusters holding a near-duplicate first,
    least similar first (where a person's judgement is most needed), exact copies last;
    members least similar first. At most `MAX_COMPARED_PER_CLUSTER` members of a cluster
    and `MAX_COMPARISONS` in all are shown side by side, the others listed."""
    from corpus_lint.report.clusters import clusters as read_clusters

    found = read_clusters(diagnostics)
    no_source = {d.path for d in diagnostics if d.code == "SRC001"}

    def facts(path: str) -> dict[str, Any]:
        words = word_counts.get(path) if word_counts else None
        return {"path": clean(path), "words": words, "no_source": path in no_source}

    for cluster in found:
        for member in cluster["members"]:
            member["similarity"] = 1.0 if member["similarity"] is None else member["similarity"]
        cluster["members"].sort(key=lambda m: (m["similarity"], m["path"]))
    found.sort(
        key=lambda c: (
            c["members"][0]["similarity"] >= 1.0,
            c["members"][0]["similarity"],
            c["keeper"],
        )
    )
    shown, budget = [], MAX_COMPARISONS
    for cluster in found:
        if budget <= 0:
            break
        keeper_text = _full_text(texts, cluster["keeper"])
        members = []
        for number, member in enumerate(cluster["members"][:MAX_MEMBERS_LISTED]):
            compared = number < min(MAX_COMPARED_PER_CLUSTER, budget)
            columns = None
            if compared:
                text = _full_text(texts, member["path"])
                if keeper_text is not None and text is not None:
                    columns = side_by_side(keeper_text, text)
            members.append(
                {
                    **facts(member["path"]),
                    "code": member["code"],
                    "kind": KINDS.get(member["code"], "duplicate (its rule not selected)"),
                    "similarity": member["similarity"],
                    "compared": compared,
                    "columns": columns,
                }
            )
        compared = sum(m["compared"] for m in members)
        budget -= compared
        shown.append(
            {
                "id": cluster["id"],
                "size": cluster["size"],
                "keeper": facts(cluster["keeper"]),
                "compared": [m for m in members if m["compared"]],
                "listed": [m for m in members if not m["compared"]],
                "unlisted": len(cluster["members"]) - len(members),
            }
        )
    return {
        "shown": shown,
        "total": len(found),
        "redundant": sum(len(c["members"]) for c in found),
        "compared": MAX_COMPARISONS - budget,
    }


def _full_text(texts: _TextReader, path: str) -> str | None:
    """A document's text for the side-by-side view, without a byte-order mark: an encoding's
    mark (ENC002's), no word of the text, which showed as the first word changed."""
    lines = texts.lines(path)
    return None if lines is None else "\n".join(lines).removeprefix("\ufeff")


def side_by_side(left: str, right: str) -> dict[str, Any]:
    """Both texts as runs of (text, kind): the words aligned (`align`), so a word replaced,
    added or dropped is "changed" and line breaks stay as they were; the middle of a long
    stretch the two share is "elided" on both sides alike, so what differs shows without
    scrolling through what does not. Both are cut at one place of the alignment, never each
    on its own (a longer introduction would mark shared words as differing): where the
    comparison stops (a text's first `MAX_DIFF_WORDS` words used up), or where either shows
    `MAX_PAIR_CHARS` characters; "stopped" says why."""
    a, b = _tokens(left), _tokens(right)
    more = len(a) > MAX_DIFF_WORDS, len(b) > MAX_DIFF_WORDS
    a, b = a[:MAX_DIFF_WORDS], b[:MAX_DIFF_WORDS]
    codes: dict[str, str] = {}  # each distinct word as one character: runs compare as strings
    a_codes, b_codes = ("".join(codes.setdefault(w, chr(len(codes))) for _, w in t) for t in (a, b))
    blocks, ends = align(a_codes, b_codes, *more)
    cut = any(end == MAX_DIFF_WORDS and longer for end, longer in zip(ends, more))
    stop = "words" if cut else None
    kinds_a, kinds_b = [CHANGED] * ends[0], [CHANGED] * ends[1]
    for i, j, size in blocks:
        kinds_a[i : i + size] = kinds_b[j : j + size] = [SAME] * size
        if size > 3 * KEEP_UNCHANGED_WORDS:
            hidden = size - 2 * KEEP_UNCHANGED_WORDS
            start = KEEP_UNCHANGED_WORDS
            kinds_a[i + start : i + start + hidden] = [ELIDED] * hidden
            kinds_b[j + start : j + start + hidden] = [ELIDED] * hidden
    shown = _shown(a, kinds_a, b, kinds_b, blocks, ends)
    if shown != ends:
        stop = "shown"
    a, kinds_a = a[: shown[0]], kinds_a[: shown[0]]
    b, kinds_b = b[: shown[1]], kinds_b[: shown[1]]
    return {
        "left": _runs(a, kinds_a),
        "right": _runs(b, kinds_b),
        "stopped": stop,
        "changed": (kinds_a.count(CHANGED), kinds_b.count(CHANGED)),
    }


def _shown(a, kinds_a, b, kinds_b, blocks, ends) -> tuple[int, int]:
    """How many words of each text are shown: all that were compared, or up to where either
    text has shown `MAX_PAIR_CHARS` characters (an elided word shows none), at a place where
    the two are aligned: the end of the differing words before a shared stretch, or a word of
    that stretch, the same one on both sides."""
    used = [0, 0]

    def take(side: int, token: tuple[str, str], kind: str) -> None:
        used[side] += 0 if kind == ELIDED else len(token[0]) + len(token[1])

    i = j = 0
    for i_same, j_same, size in [*blocks, (*ends, 0)]:
        while i < i_same and used[0] < MAX_PAIR_CHARS:  # the words only in one text
            take(0, a[i], kinds_a[i])
            i += 1
        while j < j_same and used[1] < MAX_PAIR_CHARS:
            take(1, b[j], kinds_b[j])
            j += 1
        if i < i_same or j < j_same:
            return i, j
        for _ in range(size):  # the words both texts hold
            if max(used) >= MAX_PAIR_CHARS:
                return i, j
            take(0, a[i], kinds_a[i])
            take(1, b[j], kinds_b[j])
            i, j = i + 1, j + 1
    return i, j


def align(
    a: str, b: str, a_more: bool = False, b_more: bool = False
) -> tuple[list[tuple[int, int, int]], tuple[int, int]]:
    """A longest common subsequence of `a` and `b` as matching blocks (i, j, size), from
    rapidfuzz's Indel alignment (bit-parallel, in C++: two texts of 20,000 words in about
    0.15 s, whatever they hold; difflib's SequenceMatcher took 45 s on two texts of 9,000
    one-digit words). `a_more` (`b_more`): `a` (`b`) is the start of a longer text, so the
    alignment ends where it first reaches its end. Returns the blocks and the ends (a_end,
    b_end) of the prefixes they align."""
    from rapidfuzz.distance import Indel

    n, m = len(a), len(b)
    blocks: list[tuple[int, int, int]] = []
    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            blocks.append((op.src_start, op.dest_start, op.src_end - op.src_start))
        if (a_more and op.src_end == n) or (b_more and op.dest_end == m):
            return blocks, (op.src_end, op.dest_end)
    return blocks, (n, m)


def _tokens(text: str) -> list[tuple[str, str]]:
    """(the white space before it, the word) for each of the first `MAX_DIFF_WORDS` + 1
    words (one more tells that the text goes on)."""
    tokens, last = [], 0
    for match in itertools.islice(_WORD.finditer(text), MAX_DIFF_WORDS + 1):
        tokens.append((text[last : match.start()], match.group()))
        last = match.end()
    return tokens


def _runs(tokens: list[tuple[str, str]], kinds: list[str]) -> list[tuple[str, str]]:
    """Consecutive words of a kind as one (text, kind) run, active characters visible; the
    white space between two changed words is part of their run, other white space is "same";
    an elided run is its word count."""
    runs: list[list] = []
    for index, ((space, word), kind) in enumerate(zip(tokens, kinds)):
        previous = kinds[index - 1] if index else SAME
        space_kind = kind if kind == previous else SAME
        space = space[:MAX_PAIR_CHARS]
        word = word if len(word) <= MAX_PAIR_CHARS else word[:MAX_PAIR_CHARS] + "…"
        for text, part_kind, words in ((space, space_kind, 0), (word, kind, 1)):
            if not text:
                continue
            if runs and runs[-1][1] == part_kind:
                runs[-1][0] += text
                runs[-1][2] += words
            else:
                runs.append([text, part_kind, words])
    return [
        (f"[… {words} words the same …]" if kind == ELIDED else visible(text), kind)
        for text, kind, words in runs
    ]
