"""ENC001's transcode fixes on texts nobody tuned the rules on: a check that they generalise.

    python benchmarks/bench_encodings_unseen.py [--rebuild] [--only ENC,...]

Builds article-like texts (3-6 KB) per language from real translated prose on this machine
(gettext .mo catalogues under /usr/share/locale, man pages under /usr/share/man/<lang>),
encodes each in the legacy encodings the language uses (paragraphs that do not encode
losslessly in that encoding are left out), writes them to the temp folder
(corpus-lint-encodings-unseen/corpus/<codec>/),
then evaluates whole texts and 2 KB excerpts (cut at line boundaries, as
bench_encodings.py does) with the builtin rules exactly as the benchmark calls them.

Truth = decoding the bytes with the encoding they were written in (equal to the source
text, except Vietnamese in cp1258 where the source is partly decomposed before encoding).
The texts are this machine's: the figures hold for the catalogues and man pages installed
(on Debian 12 with its man pages in 30 languages: 1,234 texts, 3,188 excerpts).

Last, English articles naming 1-4 people of 25 countries ("Zoë Müller", "Ana Kovač"), in
eight Western and Central European code pages: how many get the right fix, none, a wrong one.
"""

from __future__ import annotations

import argparse
import gettext
import gzip
import json
import re
import sys
import tempfile
import textwrap
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import bench_encodings as B  # noqa: E402  (reads ../shared only when its evaluations run)
from ftfy.badness import is_bad  # noqa: E402

from corpus_lint.charsets import decode  # noqa: E402
from corpus_lint.document import Document  # noqa: E402

OUT = Path(tempfile.gettempdir()) / "corpus-lint-encodings-unseen"
CORPUS = OUT / "corpus"
DOCS_PER_PAIR = 12
SIZES = (3000, 4500, 6000)

WEST = ["cp1252", "latin_1", "iso8859_15", "mac_roman"]
CENTRAL = ["cp1250", "iso8859_2"]
LANGS: dict[str, tuple[list[str], list[str]]] = {
    # language: (locale dirs / man dirs, encodings)
    "de": (["de"], WEST),
    "fr": (["fr"], WEST),
    "es": (["es"], WEST),
    "it": (["it"], WEST),
    "pt": (["pt", "pt_BR"], WEST),
    "nl": (["nl"], WEST),
    "sv": (["sv"], WEST),
    "da": (["da"], WEST),
    "fi": (["fi"], WEST),
    "ca": (["ca"], WEST),
    "nb": (["nb"], WEST),
    "pl": (["pl"], CENTRAL),
    "cs": (["cs"], CENTRAL),
    "hu": (["hu"], CENTRAL),
    "sk": (["sk"], CENTRAL),
    "sl": (["sl"], CENTRAL),
    "hr": (["hr"], CENTRAL),
    "ro": (["ro"], CENTRAL),
    "ru": (["ru"], ["cp1251", "koi8_r", "iso8859_5", "cp866", "mac_cyrillic", "cp855"]),
    "uk": (["uk"], ["cp1251", "koi8_u", "mac_cyrillic"]),
    "bg": (["bg"], ["cp1251", "iso8859_5", "cp866", "mac_cyrillic", "cp855"]),
    "be": (["be"], ["cp1251"]),
    "el": (["el"], ["cp1253", "iso8859_7"]),
    "tr": (["tr"], ["cp1254", "iso8859_9"]),
    "he": (["he"], ["cp1255", "iso8859_8"]),
    "ar": (["ar"], ["cp1256", "iso8859_6"]),
    "fa": (["fa"], ["cp1256"]),
    "lt": (["lt"], ["cp1257", "iso8859_13"]),
    "lv": (["lv"], ["cp1257", "iso8859_13"]),
    "et": (["et"], ["cp1257", "iso8859_15"]),
    "vi": (["vi"], ["cp1258"]),
    "ja": (["ja"], ["shift_jis", "cp932", "euc_jp", "iso2022_jp"]),
    "zh_CN": (["zh_CN"], ["gb2312", "gbk", "gb18030"]),
    "zh_TW": (["zh_TW", "zh_HK"], ["big5", "cp950"]),
    "ko": (["ko"], ["euc_kr", "cp949", "johab", "iso2022_kr"]),
    "th": (["th"], ["tis_620", "cp874"]),
}
CJK = {"ja", "zh_CN", "zh_TW", "ko", "th"}


# ---------------------------------------------------------------- sources


def mo_paragraphs(path: Path) -> list[str]:
    try:
        with open(path, "rb") as f:
            cat = gettext.GNUTranslations(f)._catalog
    except Exception:
        return []
    out = []
    for key, value in cat.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if not msgid or not isinstance(value, str) or value == msgid:
            continue
        text = value.replace("_", "").strip()
        if len(text) < 25 or text.count("%") > 2 or "<" in text and ">" in text:
            continue
        out.append(" ".join(text.split()))
    return out


_ESCAPES = [
    (re.compile(r"\\f(\(..|\[[^\]]*\]|.)"), ""),
    (re.compile(r"\\\((em|\*\*)"), "—"),
    (re.compile(r"\\\(en"), "–"),
    (re.compile(r"\\\(aq"), "'"),
    (re.compile(r"\\\(dq"), '"'),
    (re.compile(r"\\\(lq"), "“"),
    (re.compile(r"\\\(rq"), "”"),
    (re.compile(r"\\\(Fo"), "«"),
    (re.compile(r"\\\(Fc"), "»"),
    (re.compile(r"\\\(.."), ""),
    (re.compile(r"\\\[[^\]]*\]"), ""),
    (re.compile(r"\\\*(\(..|\[[^\]]*\]|.)"), ""),
    (re.compile(r"\\s[-+]?\d"), ""),
    (re.compile(r"\\[-e]"), lambda m: "-" if m.group(0) == "\\-" else "\\"),
    (re.compile(r"\\[&%|^c]"), ""),
    (re.compile(r"\\[ ~0]"), " "),
    (re.compile(r"\\(.)"), r"\1"),
]


def _unroff(line: str) -> str:
    for pattern, repl in _ESCAPES:
        line = pattern.sub(repl, line)
    return line


def man_paragraphs(path: Path) -> list[str]:
    try:
        src = gzip.open(path).read().decode("utf-8") if path.suffix == ".gz" else path.read_text()
    except Exception:
        return []
    paras, cur, nofill = [], [], False

    def flush():
        if cur:
            text = " ".join(" ".join(cur).split())
            if len(text) >= 40:
                paras.append(text)
            cur.clear()

    for line in src.splitlines():
        if line.startswith(('.\\"', "'\\\"", '.\\"')):
            continue
        if line.startswith((".", "'")):
            macro, _, args = line[1:].partition(" ")
            if macro in ("nf", "EX"):
                flush()
                nofill = True
            elif macro in ("fi", "EE"):
                nofill = False
            elif macro in ("SH", "SS"):
                flush()
                head = _unroff(args.replace('"', "")).strip()
                if head:
                    paras.append(head)
            elif macro in ("PP", "P", "LP", "sp", "TP", "IP", "br", "RS", "RE"):
                flush()
            elif macro in ("B", "I", "BR", "IR", "RB", "RI", "BI", "IB", "SM") and not nofill:
                parts = re.findall(r'"[^"]*"|\S+', args)
                joined = ("" if len(macro) == 2 else " ").join(p.strip('"') for p in parts)
                cur.append(_unroff(joined))
            continue
        if nofill:
            continue
        cur.append(_unroff(line))
    flush()
    return paras


def sources(lang_dirs: list[str]) -> list[tuple[str, list[str]]]:
    out = []
    for d in lang_dirs:
        for mo in sorted(Path(f"/usr/share/locale/{d}/LC_MESSAGES").glob("*.mo")):
            paras = mo_paragraphs(mo)
            if paras:
                out.append((str(mo), paras))
        for man in sorted(Path(f"/usr/share/man/{d}").glob("man*/*")):
            paras = man_paragraphs(man)
            if paras:
                out.append((str(man), paras))
    return out


# ---------------------------------------------------------------- encoding


def cp1258_form(text: str) -> str:
    """Vietnamese as cp1258 holds it: precomposed where it can, else base + combining tone."""
    out = []
    for ch in text:
        try:
            ch.encode("cp1258")
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        for k in range(len(d), 0, -1):
            cand = unicodedata.normalize("NFC", d[:k]) + d[k:]
            try:
                cand.encode("cp1258")
                out.append(cand)
                break
            except UnicodeEncodeError:
                continue
        else:
            out.append(ch)
    return "".join(out)


def wrap(text: str, cjk: bool) -> str:
    if cjk:
        return "\n".join(text[i : i + 38] for i in range(0, len(text), 38))
    return textwrap.fill(text, 76, break_long_words=False, break_on_hyphens=False)


def build() -> list[dict]:
    manifest = []
    for lang, (dirs, encs) in LANGS.items():
        srcs = sources(dirs)
        if not srcs:
            print(f"  {lang}: no sources", file=sys.stderr)
            continue
        for ei, enc in enumerate(encs):
            start = ei * len(srcs) // len(encs)  # a different stretch of sources per codec
            order = srcs[start:] + srcs[:start]
            docs, buf, size, used = [], [], 0, []
            for name, paras in order:
                for p in paras:
                    if is_bad(p):
                        continue  # mojibake already in the source (fakeroot's es man page)
                    if lang == "vi":
                        p = cp1258_form(p)
                    if not any(ord(c) > 127 for c in p) and not buf:
                        continue  # start a text with a translated paragraph
                    w = wrap(p, lang in CJK)
                    try:
                        b = (w + "\n\n").encode(enc)
                    except UnicodeEncodeError:
                        continue
                    if (w + "\n\n") != b.decode(enc):
                        continue
                    buf.append(w)
                    size += len(b)
                    if name not in used:
                        used.append(name)
                    if size >= SIZES[len(docs) % len(SIZES)]:
                        text = "\n\n".join(buf) + "\n"
                        raw = text.encode(enc)
                        if not B._is_utf8(raw):
                            docs.append((raw, used[:]))
                        buf, size, used = [], 0, []
                    if len(docs) >= DOCS_PER_PAIR:
                        break
                if len(docs) >= DOCS_PER_PAIR:
                    break
            folder = CORPUS / enc
            folder.mkdir(parents=True, exist_ok=True)
            for i, (raw, used_src) in enumerate(docs):
                path = folder / f"{lang}-{i:02d}.txt"
                path.write_bytes(raw)
                manifest.append(
                    {"path": str(path), "lang": lang, "codec": enc, "sources": used_src}
                )
            print(
                f"  {lang:6s} {enc:13s} {len(docs)} texts from {len(srcs)} sources", file=sys.stderr
            )
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


# ---------------------------------------------------------------- evaluation

# encodings (Python codec names) the shared corpus also holds (non-UTF ones)
SHARED = {
    "big5",
    "cp932",
    "cp949",
    "euc_jp",
    "euc_kr",
    "gb2312",
    "cp855",
    "cp866",
    "johab",
    "koi8_r",
    "mac_cyrillic",
    "mac_roman",
    "shift_jis",
    "tis_620",
    "iso2022_jp",
    "iso2022_kr",
    "latin_1",
    "iso8859_2",
    "iso8859_5",
    "iso8859_6",
    "iso8859_7",
    "iso8859_9",
    "cp1250",
    "cp1251",
    "cp1252",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
}


def norm(codec: str) -> str:
    import codecs

    try:
        return codecs.lookup(codec).name
    except LookupError:
        return codec


def shared(codec: str) -> bool:
    return norm(codec) in {norm(c) for c in SHARED}


def evaluate(manifest: list[dict], only: set[str] | None) -> dict:
    results = {}
    for label in ("whole", "excerpt"):
        rows = []
        started = time.perf_counter()
        for item in manifest:
            if only and item["codec"] not in only:
                continue
            raw = Path(item["path"]).read_bytes()
            pieces = (
                [raw] if label == "whole" else [p for p in B.excerpts(raw) if not B._is_utf8(p)]
            )
            for k, piece in enumerate(pieces):
                truth = piece.decode(item["codec"])
                doc = Document.from_bytes(Path(item["path"]), piece, Path(item["path"]).name)
                found = B.enc001(doc)
                row = {
                    "path": item["path"],
                    "piece": k,
                    "codec": item["codec"],
                    "lang": item["lang"],
                    "found": found is not None,
                    "fixed": False,
                    "wrong": False,
                    "reason": None,
                    "chosen": doc.encoding,
                }
                if found is not None:
                    if found.fix is None:
                        row["reason"] = B._reason(doc.refusal or "")
                        row["refused_right"] = doc.text == truth
                    else:
                        row["fixed"] = True
                        if doc.text != truth:
                            row["wrong"] = True
                            row["why"] = B._why_different(
                                truth, doc.text, item["codec"], doc.encoding
                            )
                rows.append(row)
        el = time.perf_counter() - started
        print(
            f"[{label}] {len(rows)} pieces, {el / max(len(rows), 1) * 1e3:.1f} ms each",
            file=sys.stderr,
        )
        results[label] = rows
    return results


def report(results: dict) -> None:
    for label, rows in results.items():
        print(f"\n=== {label} texts ({len(rows)}) ===")
        by = defaultdict(list)
        for r in rows:
            by[r["codec"]].append(r)
        print(f"{'codec':14s} {'n':>4s} {'ENC001':>7s} {'fix%':>6s} {'wrong':>5s}  top refusal")
        for codec in sorted(by, key=lambda c: (not shared(c), c)):
            rs = by[codec]
            n = len(rs)
            f = sum(r["found"] for r in rs)
            x = sum(r["fixed"] for r in rs)
            w = sum(r["wrong"] for r in rs)
            reasons = Counter(r["reason"].partition(":")[0] for r in rs if r["reason"])
            top = ", ".join(f"{k} {v}" for k, v in reasons.most_common(2))
            mark = "" if shared(codec) else "*"
            print(f"{codec + mark:14s} {n:4d} {f / n:7.1%} {x / n:6.1%} {w:5d}  {top}")
        for name, subset in (
            ("ALL", rows),
            ("shared codecs only", [r for r in rows if shared(r["codec"])]),
        ):
            n = len(subset)
            f = sum(r["found"] for r in subset)
            x = sum(r["fixed"] for r in subset)
            w = sum(r["wrong"] for r in subset)
            print(f"{name}: n={n} ENC001 {f}/{n} ({f / n:.1%}) fix {x}/{n} ({x / n:.1%}) wrong {w}")
        # weighted to the shared corpus's mix of encodings (non-UTF-8 files)
        mix = Counter()
        for _, codec in B.labelled_files():
            if shared(codec):
                mix[norm(codec)] += 1
        rate = {norm(c): sum(r["fixed"] for r in by[c]) / len(by[c]) for c in by if by[c]}
        common = [c for c in mix if c in rate]
        tot = sum(mix[c] for c in common)
        if tot:
            print(
                f"weighted to shared corpus mix ({tot} shared files over {len(common)} codecs):"
                f" fix {sum(mix[c] * rate[c] for c in common) / tot:.1%}"
            )
        reasons = Counter(r["reason"] for r in rows if r["reason"])
        kinds = Counter(r["reason"].partition(": ")[0] for r in rows if r["reason"])
        right = Counter(
            r["reason"].partition(": ")[0] for r in rows if r["reason"] and r.get("refused_right")
        )
        print("refusals by kind (refused reading == truth):")
        for k, v in kinds.most_common():
            print(f"  {v:4d}  {k}  ({right[k]} right reading)")
        print("refusals detail (top 15):")
        for k, v in reasons.most_common(15):
            print(f"  {v:4d}  {k}")
        nf = [r for r in rows if not r["found"]]
        if nf:
            print(
                f"ENC001 not reported: {len(nf)}: "
                + ", ".join(
                    f"{Path(r['path']).parent.name}/{Path(r['path']).name}#{r['piece']}"
                    for r in nf[:10]
                )
            )
        for r in rows:
            if r["wrong"]:
                print(
                    f"  WRONG: {r['path']} piece {r['piece']} ({r['codec']} read as "
                    f"{r['chosen']}; {r['why']})"
                )
        sj = [r for r in rows if r["reason"] and "extension read it differently" in r["reason"]]
        if sj:
            print(
                f"standard-vs-extension refusals (deliberate): {len(sj)}: "
                + ", ".join(
                    f"{k} {v}"
                    for k, v in Counter(
                        (r["codec"], r["reason"].partition(": ")[2]) for r in sj
                    ).most_common()
                )
            )


def superset_check(manifest: list[dict]) -> None:
    """How many texts a standard and its vendor extension decode differently."""
    pairs = {
        "shift_jis": "cp932",
        "gb2312": "gbk",
        "euc_kr": "cp949",
        "big5": "cp950",
        "latin_1": "cp1252",
        "tis_620": "cp874",
        "euc_jp": "euc_jis_2004",
    }
    seen = Counter()
    for item in manifest:
        ext = pairs.get(item["codec"])
        if ext:
            raw = Path(item["path"]).read_bytes()
            try:
                same = raw.decode(ext) == raw.decode(item["codec"])
            except UnicodeDecodeError:
                same = False
            seen[(item["codec"], ext, same)] += 1
    print("\nstandard vs extension, whole texts decoding identically / differently:")
    for codec, ext in pairs.items():
        print(
            f"  {codec}/{ext}: same {seen[(codec, ext, True)]}, differ {seen[(codec, ext, False)]}"
        )


# People of 25 countries, as English news names them.
NAMES = [
    "Zo\u00eb M\u00fcller",
    "Ana Kova\u010d",
    "\u0141ukasz Nowak",
    "S\u00f8ren Kierkegaard",
    "Jos\u00e9 Mart\u00edn",
    "Fran\u00e7ois Hollande",
    "J\u00fcrgen Klopp",
    "Milo\u0161 Zeman",
    "Tom\u00e1\u0161 Berdych",
    "G\u00e9rard Depardieu",
    "Bj\u00f6rk",
    "Ivan Peri\u0161i\u0107",
    "Dvo\u0159\u00e1k",
    "Erdo\u011fan",
    "\u00d3lafur Arnalds",
    "\u015e\u00fckr\u00fc",
    "Kimi R\u00e4ikk\u00f6nen",
    "Zlatan Ibrahimovi\u0107",
    "Mesut \u00d6zil",
    "Andr\u00e9s Iniesta",
    "Robert Lewandowski",
    "Wojciech Szcz\u0119sny",
    "Petr \u010cech",
    "Luka Modri\u0107",
    "S\u00e9bastien Loeb",
]
NAMES_CODECS = [
    "cp1252",
    "cp1250",
    "iso8859_2",
    "latin_1",
    "iso8859_15",
    "cp1257",
    "iso8859_9",
    "cp1254",
]


def evaluate_names(articles: int = 400) -> None:
    """English articles naming 1-4 people of several countries, in each Western or Central
    European code page that can write them all: the fix must be right or absent (a name alone
    cannot tell "Zoë" in cp1252 from "Zoė" in cp1257)."""
    import random

    body = (
        "The meeting on Tuesday brought together officials from several countries, who said the "
        "talks had gone well and that a further round was planned for next month in the capital."
    )
    rng = random.Random(3)
    counts: Counter[str] = Counter()
    for _ in range(articles):
        chosen = rng.sample(NAMES, rng.randint(1, 4))
        text = "Talks end with a plan\n\n" + "\n\n".join(f"{n} said: {body}" for n in chosen)
        text += "\n\nSource: Example News\n"
        for codec in NAMES_CODECS:
            try:
                raw = text.encode(codec)
            except UnicodeEncodeError:
                continue
            if raw.isascii():
                continue
            decoded = decode(raw)
            counts[
                "no fix" if decoded.refusal else "right" if decoded.text == text else "wrong"
            ] += 1
    total = sum(counts.values())
    print(f"\n=== English articles naming people of several countries ({total}) ===")
    print(f"fix right {counts['right']}, no fix {counts['no fix']}, wrong {counts['wrong']}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    mf = OUT / "manifest.json"
    manifest = build() if args.rebuild or not mf.exists() else json.loads(mf.read_text())
    only = set(args.only.split(",")) if args.only else None
    results = evaluate(manifest, only)
    (OUT / "results.json").write_text(json.dumps(results))
    report(results)
    superset_check([m for m in manifest if not only or m["codec"] in only])
    evaluate_names()
    return 0


if __name__ == "__main__":
    sys.exit(main())
