"""The encoding rules on real files nobody here wrote: the acceptance figures of issue #16.

    python benchmarks/bench_encodings.py

Reads ../shared/corpora/encodings (the test files of chardet and charset-normalizer, in
known encodings) and ../shared/corpora/mojibake-ftfy (ftfy's test cases) in place, and
prints:

- UTF-16/32 files: how many get ENC001 with a transcode fix whose text is right, and how
  many are skipped as binary;
- the other non-UTF-8 files, whole and as 2 KB excerpts cut at line boundaries: ENC001
  found, transcode fix offered, and fixes whose text differs from decoding the bytes with
  the true encoding (must be 0); ENC001 on the utf-8, utf-8-sig and ascii controls;
- "mixes encodings" messages on the set;
- ENC003 on ftfy's cases that ftfy itself repairs, each in an article-shaped document:
  recall, and fixes equal to ftfy's expected text; reports on ftfy's negative cases.

The true encoding of a chardet test file is its folder's name (without the language);
charset-normalizer's come from its labels.json. Exit status 1 when a figure misses its
target, so the script can gate a change.
"""

from __future__ import annotations

import argparse
import codecs
import json
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from corpus_lint.checks import builtin_rules  # noqa: E402
from corpus_lint.document import Document, DocumentError  # noqa: E402
from corpus_lint.packs import load_packs  # noqa: E402
from corpus_lint.rule import Context  # noqa: E402

CORPORA = HERE.parent.parent / "shared" / "corpora"
ENCODINGS = CORPORA / "encodings"
MOJIBAKE = CORPORA / "mojibake-ftfy"
RULES = builtin_rules()
CONTEXT = Context(load_packs([], RULES))
CONTROLS = {"utf-8", "utf-8-sig", "ascii"}
# chardet's folder names that are not Python codec names.
FOLDER_CODECS = {"IBM855": "cp855", "IBM866": "cp866", "MacCyrillic": "mac_cyrillic"}
EXCERPT_BYTES = 2048


def true_codec(folder: str) -> str:
    name = FOLDER_CODECS.get(folder, folder)
    for candidate in (name, name.rpartition("-")[0]):  # "windows-1250-czech" -> "windows-1250"
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return name  # EUC-TW: no Python codec, so no fix can be checked


def labelled_files() -> list[tuple[Path, str]]:
    files = []
    for folder in sorted((ENCODINGS / "chardet").iterdir()):
        if folder.is_dir():
            files += [(path, true_codec(folder.name)) for path in sorted(folder.iterdir())]
    folder = ENCODINGS / "charset_normalizer"
    labels = json.loads((folder / "labels.json").read_text())
    files += [(folder / name, codecs.lookup(label).name) for name, label in sorted(labels.items())]
    return files


def excerpts(raw: bytes) -> list[bytes]:
    """The file cut into pieces of about EXCERPT_BYTES, at line boundaries."""
    pieces, piece = [], b""
    for line in raw.splitlines(keepends=True):
        piece += line
        if len(piece) >= EXCERPT_BYTES:
            pieces.append(piece)
            piece = b""
    return pieces + ([piece] if piece else [])


def enc001(doc: Document):
    found = list(RULES["ENC001"].check(doc, CONTEXT))
    return found[0] if found else None


class Tally(Counter):
    def line(self, name: str, total: int, target: str = "") -> str:
        share = self[name] / total if total else 0.0
        return f"{self[name]:5d} of {total:5d} ({share:6.1%}){target}"


def evaluate_encodings(failures: list[str]) -> None:
    files = labelled_files()
    unicode_files, controls, others = [], [], []
    for path, codec in files:
        if codec.startswith(("utf-16", "utf-32")):
            unicode_files.append((path, codec))
        elif codec in CONTROLS or codec in ("utf-8", "utf-8-sig"):
            controls.append((path, codec))
        else:
            others.append((path, codec))
    print(f"encodings: {len(files)} files ({ENCODINGS})")

    tally = Tally()
    for path, codec in unicode_files:
        try:
            doc = Document.read(path)
        except DocumentError:
            tally["binary"] += 1
            continue
        found = enc001(doc)
        truth = path.read_bytes().decode(codec).lstrip("\ufeff")
        if found and found.fix and doc.text.lstrip("\ufeff") == truth:
            tally["right fix"] += 1
    n = len(unicode_files)
    print(f"  UTF-16/32 files: ENC001 with a right fix {tally.line('right fix', n)}")
    print(f"                   skipped as binary       {tally.line('binary', n)}")
    if tally["right fix"] != n or tally["binary"]:
        failures.append("UTF-16/32")

    mixed = control_hits = control_binary = 0
    for path, _ in controls:
        try:
            control_hits += enc001(Document.read(path)) is not None
        except DocumentError:
            control_binary += 1  # chardet's "ascii" file of 1,070 NUL bytes
    print(
        f"  utf-8/utf-8-sig/ascii controls: ENC001 on {control_hits} of {len(controls)}"
        f" (skipped as binary: {control_binary})"
    )
    if control_hits:
        failures.append("ENC001 on a control file")

    for label, pieces in (
        ("whole files", [(path, codec, path.read_bytes()) for path, codec in others]),
        (
            f"{EXCERPT_BYTES // 1024} KB excerpts",
            [
                (path, codec, piece)
                for path, codec in others
                for piece in excerpts(path.read_bytes())
                if not _is_utf8(piece)  # an ASCII excerpt of a cp1252 file is fine as it is
            ],
        ),
    ):
        tally = Tally()
        refusals: Counter[str] = Counter()
        wrong: list[str] = []
        c1: list[str] = []  # differs from the label only where the label's codec reads C1
        refused_right: Counter[str] = Counter()
        started = time.perf_counter()
        for path, codec, raw in pieces:
            doc = Document.from_bytes(path, raw, path.name)
            found = enc001(doc)
            if found is None:
                continue
            tally["found"] += 1
            mixed += "mixes encodings" in found.message
            if found.fix is None:
                refusals[_reason(doc.refusal or "")] += 1
                # Was the refused reading the labelled one? (A refusal costs a fix there.)
                refused_right[_reason(doc.refusal or "").partition(": ")[0]] += (
                    doc.text == _truth(raw, codec)[0]
                )
                continue
            tally["fixed"] += 1
            truth, codec = _truth(raw, codec)
            if truth is None:
                tally["unverifiable"] += 1  # no Python codec for the label decodes the bytes
                continue
            if doc.text != truth:
                shown = f"{path.parent.name}/{path.name} ({codec} read as {doc.encoding})"
                if doc.text == _windows_superset(raw, codec):
                    c1.append(shown)
                else:
                    wrong.append(
                        f"{shown[:-1]}; {_why_different(truth, doc.text, codec, doc.encoding)})"
                    )
        n = len(pieces)
        elapsed = time.perf_counter() - started
        print(f"  non-UTF-8 {label}: {n} ({elapsed / max(n, 1) * 1e3:.1f} ms each)")
        print(f"    ENC001 reported            {tally.line('found', n, '   target 100%')}")
        print(f"    transcode fix offered      {tally.line('fixed', n, '   target >= 90%')}")
        print(f"    fix text != label's codec  {len(wrong) + len(c1):5d}")
        print(
            f"      of which C1 bytes        {len(c1):5d}   the label's codec reads bytes "
            "0x80-0x9F as C1 controls,\n"
            "                                       the fix as its Windows superset (as "
            "browsers read the label)"
        )
        print(f"    fix text != true decoding  {len(wrong):5d}   target 0 (C1 bytes: see README)")
        if tally["unverifiable"]:
            print(
                "    fixes not checkable (no codec for the label decodes it):",
                tally["unverifiable"],
            )
        for text, count in Counter(wrong).most_common():
            print(f"      WRONG: {text}" + (f" x{count}" if count > 1 else ""))
        for text, count in Counter(c1).most_common():
            print(f"      C1 bytes: {text}" + (f" x{count}" if count > 1 else ""))
        print(f"    no fix ({sum(refusals.values())}), why:")
        kinds: dict[str, Counter[str]] = {}
        for reason, count in refusals.items():
            kind, _, names = reason.partition(": ")
            kinds.setdefault(kind, Counter())[names] += count
        for kind, names in sorted(kinds.items(), key=lambda item: -sum(item[1].values())):
            shown = ", ".join(f"{name} {count}" for name, count in names.most_common())
            right = f" ({refused_right[kind]} of them the labelled reading)"
            print(f"      {sum(names.values()):5d}  {kind}{right}: {shown}")
        if tally["found"] != n or tally["fixed"] < 0.9 * n or wrong:
            failures.append(f"non-UTF-8 {label}")
    print(f"  'mixes encodings' messages on the set: {mixed}   target 0")
    if mixed:
        failures.append("mixes encodings")


def _truth(raw: bytes, codec: str) -> tuple[str | None, str]:
    """The labelled encoding's decoding; for a label whose codec fails on the bytes (files
    labelled GB2312 that hold GBK characters), its narrowest vendor extension that does not."""
    from corpus_lint.charsets import _extensions

    chain = next((chain for chain in _extensions() if chain[0] == codec), [codec])
    for name in chain:
        try:
            return raw.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    return None, codec


def _windows_superset(raw: bytes, codec: str) -> str | None:
    """The decoding by the Windows superset of a label whose codec reads bytes 0x80-0x9F
    as C1 controls (latin-1 -> cp1252, tis-620 -> cp874), as browsers decode such labels
    (WHATWG Encoding Standard); None for other labels or bytes."""
    from corpus_lint.charsets import _C1_CONTROL, _extensions

    try:
        if not _C1_CONTROL.search(raw.decode(codec)):
            return None
        superset = next(chain[1] for chain in _extensions() if chain[0] == codec)
        return raw.decode(superset)
    except (UnicodeDecodeError, LookupError, StopIteration):
        return None


def _why_different(truth: str, text: str, codec: str, chosen: str) -> str:
    """What kind of difference a transcode has from the labelled encoding's decoding."""
    from corpus_lint.charsets import _codec, _extensions

    if any(0x80 <= ord(ch) <= 0x9F for ch in truth):
        return "the labelled encoding decodes some bytes to C1 controls"
    if any(_codec(codec) in chain and chosen in chain for chain in _extensions()):
        return "bytes that both a standard and its vendor extension cover"
    return "a wrong reading"


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x1b" not in raw  # ISO-2022 text is 7-bit


def _reason(refusal: str) -> str:
    """The kind of refusal, with the encodings it names ("shift_jis and cp932 differ")."""
    from corpus_lint.charsets import _same_family

    if " both decode it" in refusal:
        one, _, other = refusal.split(" both decode")[0].partition(" and ")
        kind = "a standard and its extension" if _same_family(one, other) else "two candidates"
        return f"{kind} read it differently: {one}/{other}"
    for key, kind in (("garbled", "reads as garbled text"), ("control", "holds C1 controls")):
        if key in refusal:  # "decoded as koi8-r it reads as garbled text (...)"
            return f"{kind}: {refusal.split(' it ')[0].removeprefix('decoded as ')}"
    if "decode every byte" in refusal:
        return f"top guess does not decode every byte: {refusal.split()[2]}"
    return refusal[:60]


TITLE = "Harbour council approves new ferry timetable"
SOURCE = "Source: Example News"


def article(body: str) -> str:
    return f"{TITLE}\n\n{body}\n\n{SOURCE}\n"


def evaluate_mojibake(failures: list[str]) -> None:
    import ftfy

    from corpus_lint.fixes import fix_document

    print(f"mojibake: ftfy's test cases ({MOJIBAKE})")
    cases = []
    for name in ("in-the-wild.json", "synthetic.json", "language-names.json"):
        cases += json.loads((MOJIBAKE / name).read_text())
    repaired = [
        case
        for case in cases
        if ftfy.fix_encoding(case["original"]) == _expected(case) != case["original"]
    ]
    found = by_enc005 = right = 0
    missed, differ = [], []
    started = time.perf_counter()
    for case in repaired:
        doc = Document.from_bytes(Path("case.txt"), article(case["original"]).encode())
        if list(RULES["ENC003"].check(doc, CONTEXT)):
            found += 1
        elif any(d.fix and d.fix.edits[0].replacement for d in RULES["ENC005"].check(doc, CONTEXT)):
            by_enc005 += 1  # cp1252 characters read as latin-1 (C1 controls): restored
        else:
            missed.append(case["original"])
            continue
        # --fix --unsafe-fixes with the rules that repair mojibake and controls
        text = fix_document(doc, _lint_mojibake, unsafe=True).doc.text
        if text == article(_expected(case)):
            right += 1
        else:
            differ.append((case["original"], text))
    n = len(repaired)
    elapsed = time.perf_counter() - started
    print(f"  cases ftfy repairs: {n} of {len(cases)} ({elapsed / max(n, 1) * 1e3:.2f} ms each)")
    print(f"    ENC003 recall              {found:5d} of {n:5d} ({found / n:6.1%})   target >= 95%")
    print(
        f"    + ENC005 restoring cp1252  {found + by_enc005:5d} of {n:5d} "
        f"({(found + by_enc005) / n:6.1%})   (C1 controls alone are ENC005's)"
    )
    print(f"    --fix --unsafe-fixes text equal to ftfy's {right:5d} of {n:5d} ({right / n:6.1%})")
    for text in missed[:10]:
        print(f"      MISSED: {text!r}")
    for text, got in differ[:10]:
        print(f"      DIFFERS: {text!r} -> {got!r}")
    negatives = json.loads((MOJIBAKE / "negative.json").read_text())
    reported = [
        case["original"]
        for case in negatives
        if list(
            RULES["ENC003"].check(
                Document.from_bytes(Path("case.txt"), article(case["original"]).encode()),
                CONTEXT,
            )
        )
    ]
    print(f"    reports on negative cases  {len(reported):5d} of {len(negatives):5d}   target 0")
    for text in reported[:10]:
        print(f"      FALSE: {text!r}")
    if found < 0.95 * n or right < found + by_enc005 or reported:
        failures.append("ENC003")


def _lint_mojibake(doc: Document) -> list:
    return [d for code in ("ENC003", "ENC005") for d in RULES[code].check(doc, CONTEXT)]


def _expected(case: dict) -> str:
    return case.get("fixed-encoding", case["fixed"])


def main() -> int:
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()  # --help, and no stray arguments
    missing = [str(p) for p in (ENCODINGS, MOJIBAKE) if not p.is_dir()]
    if missing:
        print(f"corpora not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    failures: list[str] = []
    evaluate_encodings(failures)
    evaluate_mojibake(failures)
    print("targets missed: " + ", ".join(failures) if failures else "all targets met")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
