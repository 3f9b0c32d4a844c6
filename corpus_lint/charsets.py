"""Which encoding a file's bytes are in, and whether transcoding them to UTF-8 is safe.

One place for the whole decision, so `Document` (which decodes), ENC001 (which reports and
offers the transcode) and the fixer agree:

- UTF-8 is taken as it is (fast path: one `bytes.decode`).
- UTF-16 and UTF-32 are text: from their byte-order mark, or without one when the NUL bytes
  fall where that encoding puts them and the bytes decode to text without controls.
- A 7-bit ISO-2022 file (valid ASCII, but Japanese or Korean text behind escape sequences)
  is not UTF-8 text either.
- Anything else holding a NUL byte is binary: not text in any encoding we read.
- Other bytes go to chardet. Its confidence is not used as a threshold (its scale changed
  completely between chardet 5 and 7); instead a transcode is offered only when chardet's
  top guess (or the narrowest code page of its family without C1 controls) decodes the
  bytes cleanly, the text is plausible (no C1 controls, no mojibake by ftfy's measure,
  words whose letters belong to one alphabet and one language), and no rival candidate
  that chardet ranks nearly as high, nor a code page easily taken for it, nor the other
  of a standard and its vendor extension (shift_jis and cp932), decodes the bytes to other
  plausible text. An XML or HTML declaration in the file settles a tie between code pages
  of one alphabet; Korean grammar in the reading chosen outweighs the box drawings of a
  DOS manual. `Decoding.refusal` says why when the transcode is not safe.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from functools import cache, cached_property
from typing import NamedTuple


class _LazyPattern:
    """A regular expression compiled when first used. CPython's `re` marks each character of
    a class one by one, so a class of all Han or all Hangul takes milliseconds to compile:
    some 30 ms of every run's start-up, though only a text being judged as a reading of
    legacy bytes or as mojibake uses these."""

    def __init__(self, source: str) -> None:
        self.source = source

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.source)

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.compiled.fullmatch(text)

    def findall(self, text: str) -> list[str]:
        return self.compiled.findall(text)


class Decoding(NamedTuple):
    encoding: str  # a Python codec name: "utf-8", "utf-16-le", "cp1252", ...
    confidence: float  # chardet's, for the message only; 1.0 when the bytes say it (UTF, BOM)
    text: str
    binary: bool = False  # not text in any encoding we read (a NUL byte, and not UTF-16/32)
    refusal: str | None = None  # why transcoding to UTF-8 is not safe; None when it is


# chardet ranks its candidates on a scale that is only comparable within one call: a
# candidate scored at least this fraction of the top one is a rival whose reading must
# agree. On bench_encodings 0.9 and 0.5 gave the same readings, but 0.5 makes MacRoman-like
# code pages rivals of every short French or German article (chardet scores them about 0.9
# of cp1252), whose readings ("dťclarť") no letter test can reject; 0.25 and below leave
# under 90% of the excerpts with a fix.
RIVAL_SCORE_RATIO = 0.9
# Under this top score chardet is unsure (a text of a few hundred bytes), and its ranking of
# the double-byte code pages, which all read the same byte pairs, is no evidence: the first
# code page of each family that decodes the bytes (`_DOUBLE_BYTE_NAMES`) is a rival too. A
# review's short windows of real Chinese and Japanese text (64-512 bytes, from uchardet's and
# CPython's test data) were rewritten as Korean or Japanese from top scores of 0.08-0.40 (40
# of 3,021 fixes), some from a code page chardet did not list at all; above 512 bytes, or
# scored higher, none was.
UNSURE_SCORE = 0.4
# The standard double-byte code pages, one a family (the first of each chain that decodes).
_DOUBLE_BYTE_NAMES = [["gb2312", "gbk", "gb18030"], ["big5", "cp950"], ["euc_kr", "cp949"]]
_DOUBLE_BYTE_NAMES += [["euc_jp"], ["shift_jis", "cp932"]]
# A reading is plausible text when at most this share of its words with non-ASCII letters
# look wrong (see `oddity`). On the files and 2 KB excerpts of bench_encodings, with every
# candidate chardet lists and their related code pages: the median right reading has none,
# the median wrong one 95%; 1% rejects 2.1% of the right readings (59 of 2,856; refused,
# not garbled) and passes 9.5% of the wrong ones (252 of 2,645), nearly all a vendor
# extension or a related code page differing in a few letters, which the agreement test
# then catches. (Before names, drawn lines, typed symbols and look-alike letters were told
# apart from misreadings: 124 right readings rejected, 245 wrong ones passed.)
MAX_ODD_WORD_SHARE = 0.01

# A reading whose Han characters (ideographs) are more than this share rare ones, outside
# the common sets of the Chinese and Japanese standards (GB2312 level 1, Big5 level 1, JIS X
# 0208 level 1: 7,174 characters in all), is what a wrong double-byte code page makes of
# another's text (Big5's "捇嫌坢頗祜" for GB2312's "雅尔塔会议"). On bench_encodings' CJK
# files and a review's 2,596 real CJK texts and windows, the right reading has none in 99%
# and over a quarter in 3 (tables of rare characters); wrong readings of the same bytes have
# over a quarter in 71% (the others mostly Korean byte pairs, which Chinese ones share).
MAX_RARE_HAN_SHARE = 0.25
# Fewer Han characters than this say nothing about how rare they are.
MIN_HAN_JUDGED = 4
# Korean's commonest particles and endings, one syllable each: topic 은/는, subject 이/가,
# object 을/를, 의, 에, 도, 로, 와/과, and the endings 고, 다, 서, 며, 면, 한, 된, 인, 게, 지.
# On bench_encodings and reviews' real CJK texts (some 900 readings with 10 Hangul words or
# more), words ending in one make 40-80% of a Korean text's Hangul words and at most 12% of
# a Korean reading of anything else. So a reading chosen that is Korean by this measure
# (`_reads_as_korean`) is not refused for signs of a misreading that Korean text holds (a
# DOS manual's box drawings, "└─"). It does not dismiss a rival reading of another family:
# reviews built lists of Chinese and Japanese words whose Korean reading passed each version
# of this test (words ending in 客 와, 档 도, 等 된, 引 과; then every other syllable common),
# and a list is plausible in either language.
_KOREAN_ENDINGS = frozenset("은는이가을를의에도로와과고다서며면한된인게지")
MIN_KOREAN_WORDS = 10
KOREAN_ENDING_SHARE = 1 / 3
# And the syllables before a word's last: Korean's 400 commonest (counted in the Korean
# gettext catalogues of a Debian system, 489,000 syllables: 97% of them are these). A
# Korean reading of a list of Chinese or Japanese words chosen to end in the syllables
# above, which a review built, has at most 54% of the others among these, median 14%;
# Korean text at least 85% (540 windows of Korean man pages).
_COMMON_HANGUL = frozenset(
    "이다니지을수에습는로를하시자가없스일의정기어파용서음리합사트할인한은오션위아터않문있그드대제보상부만으프값름표치크옵작모함해실패입력데바형고전버나소여식명키경도"
    "중설행면된업디요되라열들세메성구블못목적비레개출과호동록변류료테거화령잘번미조야원내마단브장환필타태우렉했현체주추유연공코너간복재읽무본분와안항러커반선계색베포"
    "결최당더십르때었알려페래또줄임방른속진능절확접랜저럼카백텍참검택국칼처템두퍼법준덱각건증종새았끝초쪽발신밋활든매게생티램링영예쓰젯산클배져플찾같됨운림렬숫널집축"
    "권역삭린근릴쓸올관딩룹토것허글젝닙규향병통범청째볼따길순헤맞슬압롤콘받창언격꾸별외턴약석잭까암런말폴뒤남완컨뉴됩루및불막케투존후듈쿼컬네심양노쇄움될직립피돌셀점"
    "붙셸잠웨히빠릭밀캐금누칙꿀왼많졌냅독픽며꼴뷰셋닌취족앞께충듭워빈닫살탭감등편콜강벗큰란채님달급날특켓묶갈효차응질핑났울높뜀춤윈락델긴퀀롯교엔손슈침벨먼덮년낼넣략"
)
COMMON_HANGUL_SHARE = 0.7

# Fewer bytes than this, with a NUL and no byte-order mark, are not read as UTF-16 or UTF-32
# (eight UTF-16 characters).
MIN_UNICODE_BYTES = 16

# How much of a reading is judged for plausibility (chardet itself reads 200 KB): a 5 MB
# file took 6 s to judge whole. Readings are still compared whole.
PLAUSIBILITY_SAMPLE = 256 * 1024

# Code pages easily taken for each other, which read some bytes as different letters: when
# chardet names one, the others are tried too, and if one gives other plausible text the
# file is ambiguous (iso8859-2 reads 0xB9 as "ą", cp1250 as "š").
_CONFUSABLE_NAMES = [
    ["latin_1", "iso8859_15"],
    ["iso8859_2", "cp1250", "iso8859_16"],
    ["iso8859_5", "cp1251", "mac_cyrillic", "koi8_r", "koi8_u"],
    ["iso8859_7", "cp1253"],
    ["iso8859_8", "cp1255"],
    ["iso8859_9", "cp1254"],
    ["iso8859_6", "cp1256"],
    ["latin_1", "iso8859_15", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1257"],
]
# A standard code page, then the vendor extensions of it (narrowest first). The standard
# and its first extension are rivals where both decode the bytes: they map a few
# characters differently (shift_jis reads 0x8160 as U+301C, cp932 as U+FF5E), and chardet
# cannot tell them apart. An extension is read alone where the standard fails on a byte
# or reads C1 controls; the wider ones after it only where neither decodes.
_EXTENSION_NAMES = [
    ["shift_jis", "cp932", "shift_jis_2004"],
    ["euc_jp", "euc_jis_2004"],
    ["gb2312", "gbk", "gb18030"],
    ["euc_kr", "cp949"],
    ["big5", "cp950", "big5hkscs"],
    ["latin_1", "cp1252"],  # latin-1 reads 0x80-0x9F as controls: implausible
    ["tis_620", "cp874"],  # the same
    ["iso8859_11", "cp874"],
]

_BOMS = [  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
# What each UTF-16/32 codec is called in messages.
UNICODE_NAMES = {
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "utf-32-le": "UTF-32 LE",
    "utf-32-be": "UTF-32 BE",
}

# Controls that are not text (tab, LF, CR and form feed are); C1 controls included.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# C1 controls: what a code page that leaves 0x80-0x9F to controls (latin-1, tis-620) makes
# of another's characters. C0 controls come from ASCII bytes, which every candidate reads
# alike (a DOS file's final ^Z): ENC005's to report, no evidence about the encoding.
_C1_CONTROL = re.compile("[\x80-\x9f]")
# The C0 control bytes `_detect` leaves out of what chardet reads.
_C0_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0b\x10-\x1a\x1c-\x1f]")
# ISO-2022-JP/KR escape sequences (designations of JIS X 0208/0212 and KS C 5601).
_ISO2022_ESCAPE = re.compile(rb"\x1b\$[@AB(D]|\x1b\$\)C|\x1b\(J")
_ALPHABETIC_SCRIPTS = {
    "LATIN",
    "GREEK",
    "CYRILLIC",
    "ARMENIAN",
    "HEBREW",
    "ARABIC",
    "THAI",
    "GEORGIAN",
}
# The letters beyond ASCII that languages written in the Latin and Cyrillic alphabets use
# (lowercase), and those of them that the Latin ones write as a word alone (French "à",
# Italian "è", Swedish "ö"). A reading whose letters no one language uses ("ą" and "š" and
# "ő" together, or Russian with "ћ") is what a wrong code page of the same alphabet makes of
# text; so is a lone "č" or "ŕ", a Central European code page's reading of Italian's "è" and
# "à" (Slovak uses both letters, but no Czech, Slovak, Polish or Croatian word is one of them).
_LANGUAGE_LETTERS = [
    ("äöüß", ""),  # German
    ("àâæçéèêëîïôœùûüÿ", "àô"),  # French
    ("áéíñóúü¡¿", "óé"),  # Spanish
    ("áâãàçéêíóôõú", "àéó"),  # Portuguese
    ("àèéìíîòóùú", "èà"),  # Italian
    ("àçèéíïòóúü", "àé"),  # Catalan
    ("áéëèïóöü", ""),  # Dutch
    ("åäöéü", "åö"),  # Swedish, Finnish
    ("æøåéü", "å"),  # Danish, Norwegian
    ("áðéíóúýþæö", "áíú"),  # Icelandic
    ("ąćęłńóśźż", ""),  # Polish
    ("áčďéěíňóřšťúůýž", ""),  # Czech
    ("áäčďéíĺľňóôŕšťúýž", ""),  # Slovak
    ("čšžćđ", ""),  # Slovene, Croatian, Bosnian
    ("áéíóöőúüű", "őó"),  # Hungarian
    ("ăâîșțşţ", ""),  # Romanian
    ("çğıöşüâîû", ""),  # Turkish
    ("äöõüšž", ""),  # Estonian
    ("āčēģīķļņšūž", ""),  # Latvian
    ("ąčęėįšųūž", "į"),  # Lithuanian
    ("ċġħżàèìòù", "àèìòù"),  # Maltese
    ("ĉĝĥĵŝŭ", ""),  # Esperanto
    # Vietnamese: its base letters, and its precomposed ones (cp1258 spells most of these
    # as a base letter and a combining tone mark, which is no letter of any alphabet).
    # Every one of them is a word alone too.
    ("àáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",) * 2,
    ("ëç", ""),  # Albanian
    ("абвгдежзийклмнопрстуфхцчшщъыьэюяё", ""),  # Russian
    ("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя", ""),  # Ukrainian
    ("абвгдеёжзійклмнопрстуўфхцчшыьэюя", ""),  # Belarusian
    ("абвгдежзийклмнопрстуфхцчшщъьюяѝ", ""),  # Bulgarian
    ("абвгдђежзијклљмнњопрстћуфхцчџш", ""),  # Serbian
    ("абвгдѓежзѕијклљмнњопрстќуфхцчџш", ""),  # Macedonian
]
_LANGUAGE_LETTER_SETS = [frozenset(letters) for letters, _ in _LANGUAGE_LETTERS]
_ALONE = {frozenset(letters): alone for letters, alone in _LANGUAGE_LETTERS}
# Two or more symbols and punctuation marks in a row, one of them not a dash, quote or
# ellipsis ("«÷–®„†", "(¡–≈)", "▓╡┴╡╗░"): Cyrillic or Greek read through a DOS or Mac code
# page. ("…”" and "—“" are fine.)
_SYMBOL_RUN = _LazyPattern(
    r"(?=[\u00a1-\u00bf\u00d7\u00f7\u2010-\u2bff]{2})"
    r"[\u2010-\u206f]*[\u00a1-\u00bf\u00d7\u00f7\u2070-\u2bff][\u00a1-\u00bf\u00d7\u00f7\u2010-\u2bff]*"
)


# A symbol three times in a row: a drawn line ("┌──────┐"), not a misreading.
_DRAWN_LINE = re.compile(r"(.)\1\1")


def _symbol_runs(text: str) -> int:
    """How many different runs of `_SYMBOL_RUN` mix symbols: one repeated ("★★", "↓↓↓"),
    a drawn line, or a run holding a symbol only typing makes ("┌─▷") is a rule or an
    emphasis someone typed, not a misreading, and a box corner ("┌─") drawn ten times is
    one oddity."""
    return len(
        {
            run
            for run in _SYMBOL_RUN.findall(text)
            if run.count(run[0]) != len(run)
            and not _DRAWN_LINE.search(run)
            and not _TYPED_SYMBOL.search(run)
        }
    )


# Arrows, geometric shapes, dingbats ("★", "▷", "♪"): of these, single-byte code pages map
# only "■" (DOS) and "◊" (Mac), so a run holding another is typed, not misread.
_TYPED_SYMBOL = _LazyPattern("[\u2190-\u21ff\u25a1-\u25c9\u25cb-\u27bf]")


# Kana, CJK ideographs and Hangul syllables: what a double-byte code page reads (and the
# halfwidth katakana Shift_JIS reads single bytes 0xA1-0xDF as: "Ceｾk").
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff61-\uff9f"
# One of them alone (no other beside it) and touching an ASCII letter: "丐RIC", Big5's reading
# of "ÉRIC" (the accented letter's byte and the next letter's make one character).
_CJK_IN_LATIN = _LazyPattern(f"(?<=[A-Za-z])[{_CJK}](?![{_CJK}])|(?<![{_CJK}])[{_CJK}](?=[A-Za-z])")
_CJK_CHARACTER = _LazyPattern(f"[{_CJK}]")


def _cjk_in_latin_words(text: str) -> int:
    """How many CJK characters stand alone inside Latin words, when they are most of the
    text's CJK characters: a double-byte code page's reading of accented Latin text (ALL
    CAPS above all, whose every letter after an accented one is a valid trail byte). In CJK
    text most stand beside others, and a word run into an English one ("iPhone用") is rare."""
    if text.isascii() or not _CJK_CHARACTER.search(text):  # (the costly search: CJK only)
        return 0
    inside = len(_CJK_IN_LATIN.findall(text))
    if not inside or inside * 2 <= len(_CJK_CHARACTER.findall(text)):
        return 0
    return inside


# Han characters (ideographs), and Hangul syllables, as character-class ranges.
_HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HANGUL_RANGE = "\uac00-\ud7af"
_HAN = _LazyPattern(f"[{_HAN_RANGES}]")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]")
_HALFWIDTH_BESIDE_ASCII = re.compile(
    "(?<=[A-Za-z0-9])[\uff61-\uff9f]|[\uff61-\uff9f](?=[A-Za-z0-9])"
)
_PRIVATE_USE = _LazyPattern("[\ue000-\uf8ff]")


def _rare_han(text: str) -> tuple[int, int]:
    """(rare, all): the Han characters of `text` outside `_common_han`, and all of them;
    (0, 0) when there are fewer than MIN_HAN_JUDGED."""
    han = _HAN.findall(text)
    if len(han) < MIN_HAN_JUDGED:
        return 0, 0
    common = _common_han()
    return sum(ch not in common for ch in han), len(han)


# Korean writes spaces between words of a few syllables, and a word in Hangul or in Hanja:
# Chinese or Japanese read as Korean give Hangul run on for a sentence, or into Han
# characters ("侶몸唐혹돨땜鮫"). (Not the converse: Korean read as Chinese gives Han spaced as
# words, but lists, names and Korean written in Hanja are spaced so too, and a Chinese list
# spaced as words reads as plausible Korean: dismissing the spaced Han beside a Korean reading
# made wrong fixes of such lists, a review found.)
_HANGUL_RUN = _LazyPattern(f"[{_HANGUL_RANGE}{_HAN_RANGES}]{{13,}}")
_HANGUL = _LazyPattern(f"[{_HANGUL_RANGE}]")
# A word of Hangul alone: not run into Han characters, as a Korean reading of Chinese is.
_HANGUL_WORD = _LazyPattern(
    f"(?<![{_HAN_RANGES}{_HANGUL_RANGE}])[{_HANGUL_RANGE}]{{2,}}(?![{_HAN_RANGES}{_HANGUL_RANGE}])"
)
_HANGUL_HAN = _LazyPattern(
    f"[{_HANGUL_RANGE}](?=[{_HAN_RANGES}])|[{_HAN_RANGES}](?=[{_HANGUL_RANGE}])"
)


def _korean_shape(text: str) -> bool:
    """Whether the text's Hangul is run on or run into Han characters as Korean is not."""
    hangul = len(_HANGUL.findall(text))
    if hangul < MIN_HAN_JUDGED:
        return False
    run_on = sum(len(_HANGUL.findall(run)) for run in _HANGUL_RUN.findall(text))
    return run_on * 2 > hangul or len(_HANGUL_HAN.findall(text)) * 5 > hangul


def _rare_hangul(text: str) -> tuple[int, int]:
    """(rare, all): the Hangul syllables outside KS X 1001's 2,350, which Korean text nearly
    always keeps to, and all of them; (0, 0) when there are fewer than MIN_HAN_JUDGED."""
    hangul = _HANGUL.findall(text)
    if len(hangul) < MIN_HAN_JUDGED:
        return 0, 0
    return sum(not _in_ks_x_1001(ch) for ch in hangul), len(hangul)


@cache
def _in_ks_x_1001(ch: str) -> bool:
    try:  # (Python's euc_kr spells the other syllables in 8 bytes, from their letters)
        return len(ch.encode("euc_kr")) == 2
    except UnicodeEncodeError:
        return False


@cache
def _common_han() -> frozenset[str]:
    """The Han characters of the standards' first levels, which their makers chose as the
    commonest: GB2312 rows 16-55, Big5 0xA440-0xC67E, JIS X 0208 rows 16-47."""
    common = set()
    for codec, leads, trails in (
        ("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF)),
        ("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
        ("euc_jp", range(0xB0, 0xD0), range(0xA1, 0xFF)),
    ):
        for lead in leads:
            for trail in trails:
                try:
                    common.add(bytes((lead, trail)).decode(codec))
                except UnicodeDecodeError:
                    continue
    return frozenset(ch for ch in common if _HAN.fullmatch(ch))


# A lone accented Latin letter or a Cyrillic one stuck to a number ("ú15.8m", "Ј15.8m"): a
# currency sign ("£15.8m") read through a DOS, Mac or Cyrillic code page.
_LETTER_BEFORE_NUMBER = re.compile(
    r"(?<![^\W\d_])[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0400-\u04ff](?=\d)"
)
# A word: letters, possibly with non-ASCII non-letters inside ("Gr‰fin", "g√¢teaux").
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|[^\x00-\x7f\w\s])*[^\W\d_]|[^\W\d_]")


def decode(raw: bytes) -> Decoding:
    """How to read `raw` as text; never raises. Bytes no encoding fits are read as latin-1
    (every byte a character), so no byte is ever dropped from the text the rules see."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if b"\x00" in raw:
            # Valid UTF-8 (Cyrillic UTF-16 is, byte by byte): UTF-16 with few NUL bytes only
            # when the UTF-8 reading holds other controls too, as UTF-16 read so does.
            controls = _CONTROL.search(text.replace("\x00", "")) is not None
            return _unicode(raw, few_nuls=controls) or Decoding("utf-8", 1.0, text, binary=True)
        utf8 = Decoding("utf-8", 1.0, text)
        if b"\x1b" in raw and _ISO2022_ESCAPE.search(raw):
            return _detect(raw, utf8)
        return utf8
    if b"\x00" in raw:
        return _unicode(raw) or Decoding("latin-1", 0.0, raw.decode("latin-1"), binary=True)
    for bom, encoding in _BOMS:
        if raw.startswith(bom) and encoding != "utf-8":
            found = _unicode(raw)
            if found:
                return found
    return _detect(raw, Decoding("latin-1", 0.0, raw.decode("latin-1")))


def _unicode(raw: bytes, few_nuls: bool = True) -> Decoding | None:
    """UTF-16/32 from a byte-order mark, or from where the NUL bytes fall; None if neither.

    The BOM stays in the text as U+FEFF (ENC002's to report and drop), so encoding the text
    back gives the same bytes. Without `few_nuls`, only when most high bytes are NUL.
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom) and encoding != "utf-8":
            candidates = [encoding]
            break
    else:
        # The high byte of a UTF-32 unit is always NUL, and the next one is for every
        # character below U+10000; ASCII-heavy UTF-16 puts NUL in most high bytes. LE
        # has the high bytes last, BE first. A few bytes are no pattern ("a\0b\n" read as
        # UTF-16 is "a\u0a62", a review found): binary.
        if len(raw) < MIN_UNICODE_BYTES:
            return None
        candidates = []
        if len(raw) % 4 == 0:
            quarter = len(raw) // 8
            if not any(raw[3::4]) and raw[2::4].count(0) > quarter:
                candidates.append("utf-32-le")
            elif not any(raw[0::4]) and raw[1::4].count(0) > quarter:
                candidates.append("utf-32-be")
        if len(raw) % 2 == 0 and not candidates:
            # Most high bytes NUL, few low ones (U+4E00 "一" has a NUL low byte).
            high_le, high_be = raw[1::2].count(0), raw[0::2].count(0)
            if high_le > len(raw) // 8 and high_be <= high_le // 8:
                candidates.append("utf-16-le")
            elif high_be > len(raw) // 8 and high_le <= high_be // 8:
                candidates.append("utf-16-be")
            elif few_nuls:
                # Greek, Cyrillic, Hebrew or CJK, where only spaces, digits and line breaks
                # (and a few CJK characters) have a NUL byte: the order whose reading alone is
                # text of some language, with no character Unicode leaves unassigned.
                readings = [_wide_text(raw, e) for e in ("utf-16-le", "utf-16-be")]
                readings = [r for r in readings if r is not None]
                return readings[0] if len(readings) == 1 else None
    for encoding in candidates:
        text = _read_as(raw, encoding)
        if text is not None:
            return Decoding(encoding, 1.0, text)
    return None


def _read_as(raw: bytes, encoding: str) -> str | None:
    """`raw` decoded, if it is text, not NUL-padded junk: no controls, something to read."""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(text) or not any(ch.isalnum() for ch in text):
        return None
    return text


def _wide_text(raw: bytes, encoding: str) -> Decoding | None:
    """`raw` read as UTF-16 in that byte order, if that is plausible text (`_read_as`): no
    unassigned or private character either, and words of some language."""
    text = _read_as(raw, encoding)
    if text is None:
        return None
    if any(unicodedata.category(ch) in ("Cn", "Co", "Cs") for ch in set(text)):
        return None
    if implausible(text[:PLAUSIBILITY_SAMPLE]):
        return None
    return Decoding(encoding, 1.0, text)


def _detect(raw: bytes, fallback: Decoding) -> Decoding:
    import chardet  # only for the rare file that is not UTF-8

    ranked: list[tuple[str, float]] = []
    # C0 controls are ASCII, read alike by every candidate: no evidence about the encoding,
    # yet chardet takes a text with one (a DOS file's final ^Z) for binary and guesses none.
    # (Not NUL, a sign of UTF-16, nor the escapes and shifts of ISO-2022.)
    sample = _C0_CONTROL_BYTES.sub(b"", raw) if _C0_CONTROL_BYTES.search(raw) else raw
    for guess in chardet.detect_all(sample):
        name = _codec(guess.get("encoding"))
        if name and name not in ("utf-8", "ascii") and name not in dict(ranked):
            ranked.append((name, float(guess.get("confidence") or 0.0)))
    if not ranked:
        if fallback.encoding == "utf-8":
            return fallback
        return fallback._replace(refusal="chardet found no encoding for it")
    top_name, top_score = ranked[0]
    # Rivals: what chardet ranks nearly as high, and the variants of those code pages.
    rivals = [name for name, score in ranked if score >= RIVAL_SCORE_RATIO * top_score]
    for name in list(rivals):
        rivals += [other for other in _related(name) if other not in rivals]
    if top_score < UNSURE_SCORE:
        for chain in _double_byte():
            decoded = _first_decoding(raw, chain)
            if decoded and decoded[0] not in rivals:
                rivals.append(decoded[0])
    readings: dict[str, str] = {}  # encoding -> text, for the rivals that decode cleanly
    objections: dict[str, str] = {}  # encoding -> why its text is not plausible
    for name in rivals:
        try:
            text = raw.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        readings[name] = text
        why = implausible(text[:PLAUSIBILITY_SAMPLE])
        if why:
            objections[name] = why
    plausible = [name for name in readings if name not in objections]
    # The reading chosen is chardet's top guess, or the narrowest code page of its family
    # (a standard and its vendor extensions) that reads the bytes as plausible text: cp932
    # for "shift_jis" with NEC symbols, cp1252 and cp874 for latin-1 and tis-620 bytes that
    # those read as C1 controls (not text; browsers read those labels so too). Never a
    # lower guess: when the top guess reads as garbage, the text another one gives is no
    # evidence that it is right (EUC-TW, which Python cannot decode, reads as plausible
    # Japanese in euc_jis_2004).
    chain = next((chain for chain in _extensions() if top_name in chain), [top_name])
    usable = [name for name in chain if name in readings]
    if not usable:  # no reading of the top guess decodes every byte
        decoded = _first_decoding(raw, [name for name, _ in ranked])
        encoding, text = decoded or (fallback.encoding, fallback.text)
        return Decoding(
            encoding,
            top_score,
            text,
            refusal=f"chardet's guess {top_name} does not decode every byte",
        )
    guess = top_name if top_name in readings else usable[0]
    mixed = _mixed_with_utf8(raw, readings[guess])
    if mixed:
        return Decoding(guess, top_score, readings[guess], refusal=mixed)
    # The narrowest that reads no control characters; an extension is not preferred for
    # looking more plausible in the characters both read (U+2212 or U+FF0D for a minus).
    chosen = next((name for name in usable if not _C1_CONTROL.search(readings[name])), guess)
    # The file's own declaration (XML or HTML) settles which of the plausible candidates
    # it is: iso8859-2 and iso8859-16, or iso8859-7 and cp1253, differ in a few letters
    # that no measure of the text tells apart, but the author's software said which it
    # wrote. Not between a standard and its extension: "Shift_JIS" and "GB2312" are what
    # software writing cp932 and GBK declares too.
    declared = _declared(raw)
    if declared in plausible:
        chosen = declared
    # A reading that is Korean by its grammar (`_reads_as_korean`) is Korean text, whatever
    # its signs (a DOS manual's box drawings); its rivals are judged as any reading's are.
    if chosen not in plausible and not _reads_as_korean(readings[chosen][:PLAUSIBILITY_SAMPLE]):
        return Decoding(
            chosen,
            top_score,
            readings[chosen],
            refusal=f"decoded as {chosen} it {objections[chosen]}",
        )
    # Every other plausible reading must give the same text: other candidates, and the
    # standard and its first vendor extension, which map a few characters differently
    # (shift_jis reads 0x8160 as U+301C, cp932 as U+FF5E; gb2312 and gbk, big5 and cp950
    # the same). The wider extensions after those (shift_jis_2004, gb18030, big5hkscs)
    # only stand in when neither decodes.
    # A reading that fails only for its names or its capitals (see `oddity`) is a rival too:
    # "Kovač" in cp1250 beside "Zoë" and "Sébastien" fits no one language, latin-1's "Kovaè"
    # does. (Judged so last, and only when it would block: it is a second reading of it.)
    for name, other in readings.items():
        if name == chosen or (_fallback(name) and _narrower_read(name, readings)):
            continue
        if chosen == declared and not _same_family(name, chosen):
            continue
        if other == readings[chosen]:
            continue
        if not _same_family(name, chosen) and _misread_cjk(other[:PLAUSIBILITY_SAMPLE]):
            continue
        if not _mixes_alphabets(other[:PLAUSIBILITY_SAMPLE]) and (
            name not in objections or not implausible(other[:PLAUSIBILITY_SAMPLE], as_rival=True)
        ):
            return Decoding(
                chosen,
                top_score,
                readings[chosen],
                refusal=f"{chosen} and {name} both decode it to plausible but different "
                f"text ({_differences(readings[chosen], other)})",
            )
    return Decoding(chosen, top_score, readings[chosen])


# <?xml version="1.0" encoding="Shift_JIS"?>, <meta charset="big5">, <meta
# http-equiv="Content-Type" content="text/html; charset=iso-8859-2">: in the first 4 KB.
_DECLARATION = re.compile(
    rb"""<\?xml[^>]*?\sencoding\s*=\s*["']?([\w.:-]+)|<meta\s[^>]*?charset\s*=\s*["']?([\w.:-]+)""",
    re.IGNORECASE,
)


def _declared(raw: bytes) -> str | None:
    """The codec an XML or HTML declaration near the start of the file names, if any."""
    match = _DECLARATION.search(raw, 0, 4096)
    if match is None:
        return None
    return _codec((match.group(1) or match.group(2)).decode("ascii"))


def _codec(name: str | None) -> str | None:
    """Python's own name for an encoding ("Windows-1252" -> "cp1252"); None if unknown."""
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


@cache
def _confusable() -> list[list[str | None]]:
    """The groups of confusable code pages, by Python's names (looked up when first needed:
    each lookup imports a codec module, which a UTF-8 corpus never needs)."""
    return [[_codec(name) for name in group] for group in _CONFUSABLE_NAMES]


@cache
def _extensions() -> list[list[str | None]]:
    return [[_codec(name) for name in chain] for chain in _EXTENSION_NAMES]


def _related(name: str) -> list[str]:
    """The code pages a reading of `name` must be checked against, or chosen from."""
    found = []
    for group in _confusable() + _extensions():
        if name in group:
            found += group
    return found


def _same_family(one: str, other: str) -> bool:
    """A standard code page and one of its vendor extensions (shift_jis and cp932)."""
    return any(one in chain and other in chain for chain in _extensions())


def _fallback(name: str) -> bool:
    """A wider vendor extension (shift_jis_2004, gb18030, big5hkscs): read only when
    neither the standard nor its first extension decodes the bytes, never their rival."""
    return any(name in chain[2:] for chain in _extensions())


def _narrower_read(name: str, readings: dict[str, str]) -> bool:
    """Whether the standard or the first extension of `name`'s family has a reading."""
    return any(other in readings for chain in _extensions() if name in chain for other in chain[:2])


@cache
def _double_byte() -> list[list[str | None]]:
    return [[_codec(name) for name in chain] for chain in _DOUBLE_BYTE_NAMES]


def _names(encodings) -> str:
    return ", ".join(encodings) or "none"


def _first_decoding(raw: bytes, encodings: list[str]) -> tuple[str, str] | None:
    for name in encodings:
        try:
            return name, raw.decode(name, errors="strict")
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _differences(a: str, b: str) -> str:
    """Where two readings first differ, and which characters they read differently."""
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    line = a.count("\n", 0, at) + 1
    where = f"line {line}: {a[at : at + 1]!r} or {b[at : at + 1]!r}"
    if len(a) != len(b):  # the readings cut the bytes into characters differently
        return where
    pairs = Counter((x, y) for x, y in zip(a, b) if x != y)
    shown = ", ".join(
        f"{x!r} (U+{ord(x):04X}) or {y!r} (U+{ord(y):04X}) x{count}"
        for (x, y), count in pairs.most_common(3)
    )
    more = f" and {len(pairs) - 3} more" if len(pairs) > 3 else ""
    return f"{where}; {plural(len(pairs), 'character')} read differently: {shown}{more}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def implausible(text: str, as_rival: bool = False) -> str | None:
    """Why `text` does not read as text in some language, or None when it does (with
    `as_rival`, see `oddity`)."""
    control = _C1_CONTROL.search(text)
    if control:
        return f"holds control characters (U+{ord(control.group()):04X})"
    odd, words = oddity(text, as_rival)
    if odd > MAX_ODD_WORD_SHARE * words:
        # Signs: odd words, mojibake patterns and symbol runs, so there may be more than words.
        signs = plural(odd, "sign")
        if not words:  # no word with non-ASCII letters, so symbol runs or mojibake
            return f"reads as garbled text ({signs} of a misreading: symbols in a row)"
        where = plural(words, "word")
        return f"reads as garbled text ({signs} of a misreading in {where} with non-ASCII letters)"
    return None


def _reads_as_korean(text: str) -> bool:
    """Whether at least KOREAN_ENDING_SHARE of MIN_KOREAN_WORDS or more Hangul words (not run
    into Han characters) end in one of Korean's particles and endings (`_KOREAN_ENDINGS`),
    three of them at least, in a text mostly of Hangul, not shaped as a misreading is
    (`_korean_shape`). A review of a first version found a Korean reading of a Chinese list
    of file types ending half its words in 도, 된, 서 (档, 等, 辑), run into Han characters."""
    words = _HANGUL_WORD.findall(text)
    if len(words) < MIN_KOREAN_WORDS or _korean_shape(text):
        return False
    if len(_HAN.findall(text)) * 4 > len(_HANGUL.findall(text)):
        return False  # Hanja beside Hangul, as in old news: judged as before
    endings = [word[-1] for word in words if word[-1] in _KOREAN_ENDINGS]
    # (Several of them: a list of Japanese words in "引" reads as Korean words in "과".)
    if len(endings) < KOREAN_ENDING_SHARE * len(words) or len(set(endings)) < 3:
        return False
    inner = [syllable for word in words for syllable in word[:-1]]
    return sum(syllable in _COMMON_HANGUL for syllable in inner) >= COMMON_HANGUL_SHARE * len(inner)


def _misread_cjk(text: str) -> bool:
    """Whether a rival reading from another family of code pages is what a double-byte code
    page makes of other text, by signs that `oddity` does not weigh: a user-defined
    character ("\ue262", cp932's reading of Spanish "ó" and the next letter), halfwidth
    katakana stuck to Latin letters or digits (Shift_JIS's single bytes 0xA1-0xDF: "Boﾇek"
    for cp852's "Boăek", "｣5" for "£5"), mostly rare Han characters (`_rare_han`), or
    mostly Hangul syllables outside KS X 1001's 2,350 (`_rare_hangul`: cp949's reading of
    Shift_JIS), or Hangul run on or into Han characters (`_korean_shape`). Only such a
    rival is judged so, to dismiss it: the reading chosen may be a table of rare characters,
    and a standard's own extension differs from it in a few characters only."""
    if text.isascii():
        return False
    if _PRIVATE_USE.search(text):
        return True
    halfwidth = len(_HALFWIDTH_KANA.findall(text))
    if halfwidth and len(_HALFWIDTH_BESIDE_ASCII.findall(text)) * 2 > halfwidth:
        return True
    rare, han = _rare_han(text)
    if rare > MAX_RARE_HAN_SHARE * han:
        return True
    rare, hangul = _rare_hangul(text)
    return rare * 2 > hangul or _korean_shape(text)


def oddity(text: str, as_rival: bool = False) -> tuple[int, int]:
    """(odd, words): how many of the words holding a non-ASCII character look wrong, plus
    ftfy's count of mojibake patterns; and how many such words there are.

    A word looks wrong by its shape (`_odd_word`) or when it holds a Latin or Cyrillic
    letter that the language best fitting the whole text does not use, or an accented
    lowercase letter among capitals (`_lowercase_in_capitals`).

    `as_rival`: judged as a rival reading, whose passing blocks a fix (`_detect`), never as
    the one chosen: a capitalised Latin word (a name, or a sentence's first word) is judged
    alone, looking wrong only when no one language uses all its letters (news names people
    of every country: "Zoë Müller" and "Ana Kovač" in one English article; but a misread
    letter in a name is nearly always some language's letter), and capitals are not judged.
    So a test added for the reading chosen cannot take away a rival that blocked a wrong fix.
    """
    import ftfy.badness

    odd = ftfy.badness.badness(text) + _symbol_runs(text) + len(_LETTER_BEFORE_NUMBER.findall(text))
    odd += _cjk_in_latin_words(text)
    words = 0
    odd_words: set[str] = set()  # a name repeated ("ЮУрГУ", a university) is one oddity
    letters: Counter[str] = Counter()
    alphabetic: list[str] = []
    lone: list[str] = []  # words of one letter beyond ASCII
    for match in _WORD.finditer(text):
        word = match.group()
        if not word.isascii():
            words += 1
            if (
                word in odd_words
                or _odd_word(word, acronyms=not as_rival)
                # "SYôTTEESSé", a DOS or Mac code page's reading of Finnish "SYÖTTEESSÄ"; not
                # for a rival, which only blocks a fix: misread rivals blocked wrong fixes too
                # (4 of a review's texts)
                or (not as_rival and _lowercase_in_capitals(word))
            ):
                odd_words.add(word)
            else:
                lowered = word.lower()  # ("İ" lowers to two characters)
                own = {ch for ch in lowered if not ch.isascii()}
                letters.update(own)
                if (
                    as_rival
                    and len(lowered) > 1
                    and word[0].isupper()
                    and _script(word[0]) == "LATIN"
                ):
                    latin = {ch for ch in own if _script(ch) == "LATIN"}
                    if not any(latin <= known for known in _LANGUAGE_LETTER_SETS):
                        odd_words.add(word)
                    continue
                alphabetic.append(lowered)
                start, end = match.span()
                beside = text[max(start - 1, 0) : end + 1]
                if len(lowered) == 1 and _ELIDED.isdisjoint(beside):
                    lone.append(lowered)  # not "l'", nor a suffix ("PKK'ı")
    letters = Counter({ch: n for ch, n in letters.items() if _script(ch) in ("LATIN", "CYRILLIC")})
    if letters:
        # The language whose letters the text uses most; of those that use as many, the one
        # that writes most of its lone letters as words (Italian's "è", not French).
        best = max(
            _LANGUAGE_LETTER_SETS,
            key=lambda known: (
                sum(letters[ch] for ch in known & letters.keys()),
                sum(word in _ALONE[known] for word in lone),
            ),
        )
        foreign = set(letters) - best
        if foreign:  # a foreign name repeated ("Schäuble" in Hungarian) is one oddity too
            odd += len({word for word in alphabetic if not foreign.isdisjoint(word)})
        # Lone letters the language does not write as words, each place they stand.
        alone = _ALONE[best]
        odd += sum(
            word not in alone and word not in foreign and _script(word) == "LATIN" for word in lone
        )
    return odd + len(odd_words), words


def looks_misread(word: str) -> bool:
    """Whether a word looks like what a wrong code page makes of text (`_odd_word`)."""
    return _odd_word(word)


def _odd_word(word: str, look_alikes: bool = True, acronyms: bool = False) -> bool:
    """Letters of two alphabets, symbols between two letters of an alphabet, or a change
    of case that real words do not make ("рТЙЧЕФ", "ĩoĪÖ"; "McDonald" is fine): what a
    wrong code page makes of text. Han, kana and fullwidth forms mix freely with Latin.

    A word joined to another by a dash is two words: Hebrew's maqaf joins a prefix to a
    Latin name ("ה־PNG"), Russian a suffix to one ("SMS‑ка").

    `acronyms`: a word that starts with two capitals may hold a lowercase letter among them
    ("ЮУрГУ", "СПбГУ"); `oddity` allows it for the reading chosen only, so that a rival
    reading still counts it and blocks no fewer fixes."""
    parts = [part for part in _DASHES.split(word) if part]
    if len(parts) > 1:
        return any(_odd_word(part, look_alikes, acronyms) for part in parts)
    scripts: Counter[str] = Counter()
    previous = ""  # category of the previous alphabetic letter
    previous_script = ""  # and its alphabet
    symbols_after_letter = False  # non-letters right after a letter of an alphabet
    for ch in word:
        category = unicodedata.category(ch)
        script = _script(ch) if category[0] == "L" else None
        if script is None:
            stray = category[0] == "L" and ch in _STRAY_LETTERS
            symbols_after_letter = symbols_after_letter or (
                bool(previous)
                and (stray or category[0] in "SC" or category in ("Po", "No"))  # "ka¾e"
                and "\u0080" <= ch < "\u3000"  # not ASCII, not CJK or fullwidth punctuation
                # Catalan's "l·l"; JIS's minus for a hyphen; words run together ("now…And")
                and ch not in "\u00b7\u2212\u2026"
                # The alphabet's own marks: Hebrew's gershayim in an abbreviation ("דוא״ל")
                and not unicodedata.name(ch, "").startswith(previous_script + " ")
            )
            if category[0] == "L" and not stray:
                previous, symbols_after_letter = "", False
            continue
        if symbols_after_letter:
            return True  # "Gr‰fin", "g√¢teaux", "fⁿr"
        scripts[script] += 1
        if (
            previous == "Ll"
            and category == "Lu"
            and (script != "LATIN" or not ch.isascii())
            and not (
                word[0].isupper() and (word[1:2].islower() or (acronyms and word[1:2].isupper()))
            )
        ):
            return (
                True  # lowercase, then a capital that is not ASCII ("АвиаПорт", "МинЧС" are fine)
            )
        previous, previous_script = category, script
    if scripts.keys() == {"LATIN", "THAI"} and _THAI_AND_ENGLISH.fullmatch(word):
        return False  # Thai puts no space between words, nor before an English one
    if len(scripts) == 2:
        # A look-alike letter of another alphabet typed by mistake ("Cайт" with a Latin C,
        # "Kееp" with Cyrillic e's): the fewer letters are all look-alikes.
        fewer = min(scripts, key=scripts.__getitem__)
        return not look_alikes or not all(ch in _LOOK_ALIKES for ch in word if _script(ch) == fewer)
    return len(scripts) > 1


def _lowercase_in_capitals(word: str) -> bool:
    """A word in capitals but for an accented lowercase letter before one of them, a letter
    with a capital of its own ("JéLKEEN", "éTAT"): what a code page that puts lowercase
    letters where another puts capitals makes of ALL CAPS text. Not "STRAßE" ("ß" has no
    one-letter capital), "GmbH" or "McDONALD" (lowercase ASCII: typed so), nor a suffix
    after capitals ("TEKSTIä", Finnish)."""
    capitals = 0
    accented_lowercase = False  # one seen
    for ch in word:
        if ch.isalpha() and _script(ch) != "LATIN":
            return False  # Japanese run into "DI" and a fullwidth "ｗ" ("lol"): typed so
        if ch.isupper():
            if accented_lowercase and capitals:
                return True
            capitals += 1
        elif ch.islower():
            if ch.isascii():
                return False
            capital = ch.upper()
            accented_lowercase = accented_lowercase or (len(capital) == 1 and capital != ch)
    return False


def _mixes_alphabets(text: str) -> bool:
    """Whether a word of `text` holds letters of two alphabets, look-alikes too: a rival
    reading that needs a look-alike excused ("Configuraciуn", cp1251's "у" for "ó") is no
    evidence that the file is ambiguous, though the same word in the reading chosen is
    taken for a typing slip."""
    return any(
        not word.isascii() and _odd_word(word, look_alikes=False) for word in _WORD.findall(text)
    )


# Letters of no alphabet that a single-byte code page reads for an accented one: the ordinal
# indicators, the micro sign, cp1252's "ˆ", cp1250's "ˇ", superscripts and subscripts.
# Inside a word, between two letters of an alphabet, they are a misreading ("fⁿr", cp437's
# "für"; "Dµnmark"; "ˇ" for cp852's "í"), as a symbol there is; before a figure ("1ª") or at
# a word's start ("µm") they are not. Not the other modifier letters: orthographies and
# transliterations spell with them ("Hawaiʻi", "oʻzbek", "мʼясо", "Saʿid").
_STRAY_LETTERS = frozenset(
    "\u00aa\u00b5\u00ba\u02c6\u02c7" + "".join(map(chr, range(0x2070, 0x20A0)))
)

# A letter next to an apostrophe or a hyphen: an elision or a suffix, not a word of its own.
_ELIDED = frozenset("'’`´-")

# Dashes beyond ASCII (an ASCII hyphen already ends a `_WORD`).
_DASHES = re.compile("[\u058a\u05be\u2010-\u2015\u2e3a\u2e3b\ufe58\ufe63\uff0d]")
# An English word and Thai ones run together ("อัพเดทWin"), each at least two letters: not
# the lone Thai letter that cp874 makes of a Latin accented one ("voilเ" for "voilà").
_THAI_AND_ENGLISH = re.compile(
    r"[A-Za-z]{2,}[\u0e00-\u0e7f]*[\u0e01-\u0e30\u0e40-\u0e46][\u0e00-\u0e7f]*"
    r"[\u0e01-\u0e30\u0e40-\u0e46][\u0e00-\u0e7f]*"
    r"|[\u0e00-\u0e7f]*[\u0e01-\u0e30\u0e40-\u0e46][\u0e00-\u0e7f]*"
    r"[\u0e01-\u0e30\u0e40-\u0e46][\u0e00-\u0e7f]*[A-Za-z]{2,}"
)

# Latin, Cyrillic and Greek letters that look the same in most fonts.
_LOOK_ALIKES = frozenset("ABCEHKMOPTXYaceopxyАВСЕНКМОРТХаеорсхуΑΒΕΗΙΚΜΝΟΡΤΥΧΖο")


@cache
def _script(ch: str) -> str | None:
    """The alphabet a letter belongs to ("LATIN", "CYRILLIC", ...); None for the others."""
    script = unicodedata.name(ch, "?").split(" ", 1)[0]
    return script if script in _ALPHABETIC_SCRIPTS else None


def _mixed_with_utf8(raw: bytes, guessed: str) -> str | None:
    """Why the file looks like UTF-8 text with bytes of another encoding pasted in, or None.

    A line that is valid UTF-8 with non-ASCII characters, next to lines that are not, is a
    mix when the UTF-8 reading of it is plausible and the guessed encoding's reading is
    mojibake: CJK or Cyrillic text whose byte pairs happen to look like UTF-8 reads well in
    its own encoding, and is not a mix.
    """
    import ftfy.badness

    utf8_lines: list[tuple[int, str]] = []
    bad_line = 0
    for number, line in enumerate(raw.split(b"\n"), 1):
        if line.isascii():
            continue
        try:
            utf8_lines.append((number, line.decode("utf-8")))
        except UnicodeDecodeError:
            bad_line = bad_line or number
    if not utf8_lines or not bad_line:
        return None
    guessed_lines = guessed.split("\n")
    for number, line in utf8_lines:
        other = guessed_lines[number - 1] if number <= len(guessed_lines) else ""
        if ftfy.badness.is_bad(other) and not implausible(line):
            return (
                f"it mixes encodings: line {number} is UTF-8 and line {bad_line} is not, "
                "so no single transcode fits"
            )
    return None
