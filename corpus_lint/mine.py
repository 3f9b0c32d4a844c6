"""`corpus-lint mine-boilerplate`: a rule pack of the short lines a corpus repeats.

Chrome repeats: the same short line stands in hundreds of documents of one site, which is the
strongest sign of boilerplate there is (C4, Gopher, CCNet and datatrove all drop such lines).
This command counts, for every short line (compared as BP001 compares phrases: trimmed,
case-folded, runs of white space as one), the documents that hold it, and writes the lines
held by at least `--min-documents` documents as a TOML rule pack extending BP001, each with
its document count and an example path as a comment, for a person to review and commit.

Left out: lines BP001 already reports with the loaded packs, source lines (SRC001's
patterns: they repeat by nature and must stay), lines without a letter, and lines longer
than `--max-length` characters (paragraphs, which a quote repeated across stories may be).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections import Counter
from pathlib import Path

from corpus_lint.rule import Context

MIN_DOCUMENTS = 5  # a line in fewer documents is more often a quote than chrome
MAX_LENGTH = 100  # characters: a navigation label, a widget or a notice, not a paragraph


def add_parser(commands) -> None:
    mine = commands.add_parser(
        "mine-boilerplate",
        help="write a rule pack of the short lines the corpus repeats",
        description="Count the documents that hold each short line and write the lines held "
        "by many as a TOML rule pack extending BP001 (document counts and an example path "
        "as comments), for you to review, trim and add to `rule-packs`.",
    )
    mine.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATHS",
        help="files or folders (default: the configured corpus, else the current folder)",
    )
    mine.add_argument(
        "--min-documents",
        type=int,
        default=MIN_DOCUMENTS,
        metavar="N",
        help=f"a line must stand in at least N documents ({MIN_DOCUMENTS})",
    )
    mine.add_argument(
        "--max-length",
        type=int,
        default=MAX_LENGTH,
        metavar="CHARS",
        help=f"longest line considered, in characters ({MAX_LENGTH})",
    )
    mine.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write the pack to FILE, which must not exist (default: stdout)",
    )
    mine.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE|KEY=VALUE",
        help="configuration file, or a setting overriding it (TOML), as for `check`",
    )


def run(args: argparse.Namespace) -> int:
    from corpus_lint.commands import EXIT_CLEAN, EXIT_ERROR, UsageError, load_rules, print_error
    from corpus_lint.files import discover
    from corpus_lint.report.text import clean

    if args.min_documents < 2:
        raise UsageError("--min-documents must be 2 or more")
    if args.max_length < 1:
        raise UsageError("--max-length must be 1 or more")
    if args.output is not None and args.output.exists():
        raise UsageError(f"{args.output}: exists already; choose a new file (nothing written)")
    if args.output is not None and not args.output.resolve().parent.is_dir():
        raise UsageError(f"{args.output}: no such folder to write to (nothing written)")
    settings, packs, rules = load_rules(args.config)
    paths = args.paths or settings.corpus or [Path(".")]
    warnings: list[str] = []
    files, errors = discover(paths, settings, warnings)
    counts, examples, total = mine(files, rules["BP001"], Context(packs), args.max_length, errors)
    for warning in warnings:  # a file named twice
        print(f"corpus-lint: warning: {clean(warning)}", file=sys.stderr)
    if not total and not errors:  # a pack of nothing, which would then block the next try
        errors.append(f"no documents matching {', '.join(settings.include)} read")
    for number, error in enumerate(errors, 1):  # counts of some of the files: no pack to trust
        last = " (nothing written)" if number == len(errors) else ""
        print_error(f"{error}{last}")
    if errors:
        return EXIT_ERROR
    pack = render(counts, examples, total, args.min_documents, args.max_length)
    if args.output is None:
        sys.stdout.write(pack)
    else:
        created = False
        try:
            with open(args.output, "x", encoding="utf-8") as out:  # never over another file
                created = True
                out.write(pack)
        except OSError as exc:
            print_error(f"{args.output}: cannot write the pack: {exc.strerror or exc}")
            if created:  # a part of it: no pack to trust
                with contextlib.suppress(OSError):
                    args.output.unlink()
            return EXIT_ERROR
    found = sum(1 for n in counts.values() if n >= args.min_documents)
    print(
        f"{found} repeated line{'s' * (found != 1)} in {total} document{'s' * (total != 1)}"
        + (f" written to {args.output}" if args.output else ""),
        file=sys.stderr,
    )
    return EXIT_CLEAN


def mine(
    files: list[Path], bp001, ctx: Context, max_length: int, errors: list[str]
) -> tuple[Counter[str], dict[str, tuple[str, str]], int]:
    """(documents per normalised line, line -> (its text as first seen, example path), the
    number of documents read)."""
    # Here, not at the top: the command line's parser imports this module on every run.
    from corpus_lint.document import Document, DocumentError, display
    from corpus_lint.textutil import normalise_phrase

    is_source = ctx.packs.any_pattern("SRC001").search
    counts: Counter[str] = Counter()
    examples: dict[str, tuple[str, str]] = {}
    total = 0
    for path in files:
        try:
            doc = Document.read(path)
        except DocumentError as exc:
            if not exc.skipped:
                errors.append(str(exc))
            continue
        total += 1
        reported = {d.line for d in bp001.check(doc, ctx)}
        seen: set[str] = set()
        for line in doc.lines:
            text = line.text.strip()
            if not text or len(text) > max_length or line.number in reported:
                continue
            if not any(c.isalpha() for c in text) or is_source(line.text):
                continue
            key = normalise_phrase(text)
            if key not in seen:
                seen.add(key)
                counts[key] += 1
                examples.setdefault(key, (text, display(path)))
    return counts, examples, total


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, but for DEL, which TOML wants escaped."""
    import json  # here: the command line builds this command's parser at every start

    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def render(
    counts: Counter[str],
    examples: dict[str, tuple[str, str]],
    total: int,
    min_documents: int,
    max_length: int,
) -> str:
    repeated = sorted(
        (key for key, n in counts.items() if n >= min_documents), key=lambda k: (-counts[k], k)
    )
    out = [
        "# Rule pack mined by `corpus-lint mine-boilerplate`: the lines of at most "
        f"{max_length} characters",
        f"# that stand in at least {min_documents} of the {total} documents read, most "
        "frequent first.",
        "# Review every phrase before you commit the pack: a repeated line may be article text",
        "# (a recurring quote, a standard paragraph). Delete what is not chrome.",
        "",
    ]
    if not repeated:
        out.append("# No line is repeated that often: nothing to add.")
        return "\n".join(out) + "\n"
    import json  # (see `_toml_string`)

    out += ["[[extend]]", 'code = "BP001"', "phrases = ["]
    for key in repeated:
        text, path = examples[key]
        example = json.dumps(path)  # ASCII, one line: safe in a comment
        out.append(f"    {_toml_string(text)},  # {counts[key]} documents, e.g. {example}")
    out.append("]")
    return "\n".join(out) + "\n"
