"""Configuration: `[tool.corpus-lint]` in pyproject.toml, or the top level of corpus-lint.toml.

Discovery walks up from the working directory to the first folder holding either file (a
pyproject.toml without a [tool.corpus-lint] table does not count); corpus-lint.toml wins
when both are in one folder, as ruff.toml does for ruff. Paths are relative to the folder of
the file that names them.

A file may `extend = "../base.toml"`: the base's keys, overridden key by key by the file's
own (tables such as near-duplicate merge key by key). `--config KEY=VALUE` overrides, in
TOML syntax, come last; their paths are relative to the working directory.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

CONFIG_FILE = "corpus-lint.toml"
PYPROJECT = "pyproject.toml"
CACHE_DIR = ".corpus_lint_cache"
EXECUTORS = ("local", "dask")


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file and key at fault."""


@dataclass(frozen=True)
class NearDuplicateSettings:
    # Estimated Jaccard similarity of word shingles at or above which two files are reported.
    threshold: float = 0.8
    # Words per shingle: 5 is the usual choice for news text (Broder 1997; C4 uses 3-grams
    # of sentences); shorter shingles make unrelated texts share more.
    shingle_size: int = 5
    # MinHash permutations: the standard error of the estimate is about 1/sqrt(num_perm).
    num_perm: int = 128
    # Keeper policy of duplicate clusters (`corpus_lint.dedup.clusters`), "first-path" last.
    keep: tuple[str, ...] = ("has-source", "most-text", "fewest-findings", "first-path")
    # Reviewed pairs (`allow = "duplicates.allow.toml"`): the file and its entries.
    allow_file: Path | None = None
    allow: tuple[AllowEntry, ...] = ()


@dataclass(frozen=True)
class BoilerplateSettings:
    """`[boilerplate]`: BP005, the lines repeated across the corpus (see README's
    "Configuration" for the measurement that chose the defaults)."""

    # Distinct documents a line must stand in: on L3S-GN1 (311 pages) 4 adds 43 boilerplate
    # lines and no article line; 3 flags a dateline, and on BBC a kick-off time in 3 reports.
    min_documents: int = 4
    # Longest line considered, in characters (as `mine-boilerplate`): chrome is short.
    max_length: int = 100


@dataclass(frozen=True)
class AllowEntry:
    """Files a person reviewed as legitimately alike: no two of them are reported."""

    paths: tuple[str, ...]  # absolute paths, or URLs as written
    reason: str
    line: int  # of its [[allow]] header in the allow file


@dataclass
class Settings:
    root: Path  # the folder that relative paths start from
    config_file: Path | None = None
    corpus: list[Path | str] = field(default_factory=list)  # str: an fsspec URL (dask executor)
    include: list[str] = field(default_factory=lambda: ["*.txt"])
    exclude: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=lambda: ["ALL"])
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    rule_packs: list[Path] = field(default_factory=list)
    near_duplicate: NearDuplicateSettings = field(default_factory=NearDuplicateSettings)
    boilerplate: BoilerplateSettings = field(default_factory=BoilerplateSettings)
    executor: str = "local"  # "local" (worker processes) or "dask" (a Dask cluster)
    scheduler: str | None = None  # the Dask scheduler's address; None: start a local cluster
    respect_gitignore: bool = True  # leave out what .gitignore files ignore, as ruff does
    overrides: list[str] = field(default_factory=list)  # --config KEY=VALUE, as given
    extended: list[Path] = field(default_factory=list)  # the files `extend` brought in
    # The URLs a Dask run lists, as their files' URLs begin (set by the run, not configured):
    # a glob matches a file under one by its path below it, as `include` and `exclude` do.
    url_roots: tuple[str, ...] = ()

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_DIR

    def where_set(self, key: str, value: str) -> tuple[str, int | None]:
        """Where the configuration sets `value` under `key` ("select", or a table's dotted
        key: "per-file-ignores.'*.txt'"): the `--config` given, or the file (and its line)
        of the `extend` chain whose setting won; "configuration" if none is known."""
        top = key.split(".")[0]

        def names(setting: Any) -> bool:
            values = setting.values() if isinstance(setting, dict) else [setting]
            return any(isinstance(v, list) and value in v for v in values)

        for override in reversed(self.overrides):
            if names(parse_override(override).get(top)):
                return f"--config {override!r}", None
        for file in [self.config_file, *self.extended] if self.config_file else []:
            if names(_table(file).get(top)):
                return str(file), key_line(file, top)
        return "configuration", None

    def selectors(self) -> list[tuple[str, str]]:
        """Every (key, selector) the configuration names, to check against the rule codes."""
        pairs = [
            (k, s)
            for k in ("select", "extend-select", "ignore")
            for s in getattr(self, k.replace("-", "_"))
        ]
        pairs += [
            (f"per-file-ignores.{glob!r}", s)
            for glob, codes in self.per_file_ignores.items()
            for s in codes
        ]
        return pairs


_LIST_KEYS = ("corpus", "include", "exclude", "select", "extend-select", "ignore", "rule-packs")
_KEYS = set(_LIST_KEYS) | {
    "per-file-ignores",
    "near-duplicate",
    "boilerplate",
    "executor",
    "scheduler",
    "respect-gitignore",
    "extend",
}
_PATH_KEYS = ("corpus", "rule-packs")  # relative to the file that names them
_NEAR_KEYS = {"threshold", "shingle-size", "num-perm", "keep", "allow"}
_BOILERPLATE_KEYS = {"min-documents", "max-length"}


def find_config(start: Path) -> Path | None:
    """The nearest corpus-lint.toml, or pyproject.toml with a [tool.corpus-lint] table."""
    for folder in [start, *start.parents]:
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        candidate = folder / PYPROJECT
        if candidate.is_file():
            tool = _read_toml(candidate).get("tool")  # another project's: may be anything
            if isinstance(tool, dict) and "corpus-lint" in tool:
                return candidate
    return None


def load_settings(
    config_file: Path | None = None, cwd: Path | None = None, overrides: list[str] | None = None
) -> Settings:
    """Settings from an explicit file, or from the nearest one, or the defaults; then the
    `--config KEY=VALUE` overrides (TOML)."""
    cwd = (cwd or Path.cwd()).resolve()
    if config_file is not None:
        try:
            is_dir, exists = config_file.is_dir(), config_file.exists()
        except OSError as exc:  # a name too long for a file, say
            raise ConfigError(f"{config_file}: cannot read: {exc.strerror or exc}") from None
        if is_dir:
            raise ConfigError(f"{config_file}: is a directory, not a configuration file")
        if not exists:
            raise ConfigError(f"{config_file}: configuration file not found")
    else:
        config_file = find_config(cwd)
    data: dict[str, Any] = {}
    extended: list[Path] = []
    if config_file is not None:
        config_file = config_file.resolve()
        data = _load_with_extends(config_file, extended)
    for override in overrides or []:
        layer = parse_override(override)
        if "extend" in layer:  # (it would be read after the files it extends were merged)
            raise ConfigError(f"--config {override!r}: 'extend' goes in a configuration file")
        parse_settings(layer, cwd / CONFIG_FILE, where=f"--config {override!r}")  # its errors
        data = _merged(data, _absolute_paths(layer, cwd))
    if config_file is None and not overrides:
        return Settings(root=cwd)
    settings = parse_settings(data, config_file or cwd / CONFIG_FILE)
    settings.config_file = config_file
    settings.overrides = list(overrides or [])
    settings.extended = extended
    return settings


def parse_override(text: str) -> dict[str, Any]:
    """`--config 'KEY = VALUE'` as a table: one TOML key/value pair (dotted keys allowed)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"--config {text!r}: neither a configuration file nor a TOML KEY = VALUE ({exc})"
        ) from None
    except RecursionError:  # tomllib recurses once a level of arrays or tables
        raise ConfigError(
            f"--config {text!r}: neither a configuration file nor a TOML KEY = VALUE "
            "(nested too deeply)"
        ) from None
    if len(data) != 1:
        raise ConfigError(f"--config {text!r}: give one KEY = VALUE per --config")
    return data


def _table(config_file: Path, extended_by: Path | None = None) -> dict[str, Any]:
    """The file's corpus-lint settings; `extended_by`: the file whose `extend` names it. A
    pyproject.toml named (by `extend` or `--config`) without them is an error: it would
    give nothing, silently ("[tool.corpus_lint]" misspelt)."""
    data = _read_toml(config_file)
    if config_file.name == PYPROJECT:  # any other name holds the keys at its top level
        tool = data.get("tool", {})
        if not (isinstance(tool, dict) and "corpus-lint" in tool):
            where = f"{extended_by}: 'extend': " if extended_by else ""
            raise ConfigError(f"{where}{config_file} has no [tool.corpus-lint] table")
        data = tool.get("corpus-lint", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{config_file}: [tool.corpus-lint] must be a table")
    return data


def _load_with_extends(config_file: Path, extended: list[Path]) -> dict[str, Any]:
    """The file's table merged over the chain of files it extends (paths made absolute)."""
    chain: list[Path] = [config_file]
    data = _table(config_file)
    layers = [data]
    while "extend" in layers[-1]:
        base = layers[-1]["extend"]
        if not isinstance(base, str) or not base:
            raise ConfigError(f"{chain[-1]}: 'extend' must be the path of a configuration file")
        base_file = (chain[-1].parent / base).resolve()
        if base_file in chain:
            raise ConfigError(f"{chain[-1]}: 'extend' makes a cycle through {base_file}")
        if not base_file.is_file():
            what = "not a configuration file" if base_file.exists() else "not found"
            raise ConfigError(f"{chain[-1]}: 'extend': {base_file} {what}")
        chain.append(base_file)
        layers.append(_table(base_file, extended_by=chain[-2]))
    merged: dict[str, Any] = {}
    for file, layer in reversed(list(zip(chain, layers))):
        parse_settings(layer, file)  # each file's own errors name that file
        merged = _merged(merged, _absolute_paths(layer, file.parent))
    merged.pop("extend", None)
    extended.extend(chain[1:])
    return merged


def _absolute_paths(layer: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The layer with its corpus and rule-pack paths made absolute from `folder` (the folder
    of the file naming them), so that they keep their meaning when merged into another."""
    out = dict(layer)
    for key in _PATH_KEYS:
        if isinstance(out.get(key), list):
            out[key] = [
                p if not isinstance(p, str) or is_url(p) else str(folder / p) for p in out[key]
            ]
    near = out.get("near-duplicate")
    if isinstance(near, dict) and isinstance(near.get("allow"), str) and near["allow"].strip():
        out["near-duplicate"] = {**near, "allow": str(folder / near["allow"])}  # the allow-list
    return out


def _merged(base: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def parse_settings(data: dict[str, Any], config_file: Path, where: str = "") -> Settings:
    table = "[tool.corpus-lint]" if config_file.name == PYPROJECT else "top level"

    def fail(message: str, key: str) -> ConfigError:
        """The error of `key` (dotted: "near-duplicate.threshold"), at its line if found."""
        line = None if where else key_line(config_file, key)
        return ConfigError(
            f"{where or config_file}: {message}" + (f" (line {line})" if line else "")
        )

    unknown = sorted(set(data) - _KEYS)
    if unknown == ["tool"] and config_file.name != PYPROJECT:  # pyproject.toml's table pasted
        raise fail(
            f"unknown key 'tool': {config_file.name} takes its settings at the top level, "
            "without [tool.corpus-lint] (which is pyproject.toml's)",
            "tool",
        )
    if unknown:
        raise fail(
            f"unknown key {unknown[0]!r} in {table} (known keys: {', '.join(sorted(_KEYS))})",
            unknown[0],
        )
    root = config_file.parent
    values: dict[str, list[str]] = {}
    for key in _LIST_KEYS:
        if key in data:
            value = data[key]
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise fail(f"{key!r} must be a list of non-empty strings", key)
            values[key] = value
    if values.get("include") == []:
        raise fail("'include' is empty: no file would be checked", "include")
    for key in ("include", "exclude"):
        for glob in values.get(key, []):
            problem = glob_problem(glob)
            if problem:
                raise fail(f"{key!r}: bad glob {glob!r}: {problem}", key)
    per_file = data.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise fail("'per-file-ignores' must be a table of glob = [codes]", "per-file-ignores")
    for glob, codes in per_file.items():
        problem = glob_problem(glob)
        if problem:
            raise fail(f"'per-file-ignores': bad glob {glob!r}: {problem}", "per-file-ignores")
        if not isinstance(codes, list) or not all(isinstance(c, str) and c for c in codes):
            raise fail(
                f"'per-file-ignores'.{glob!r} must be a list of rule codes", "per-file-ignores"
            )
    settings = Settings(
        root=root,
        config_file=config_file,
        per_file_ignores={g: list(c) for g, c in per_file.items()},
        near_duplicate=_near_duplicate(data.get("near-duplicate", {}), fail, root),
        boilerplate=_boilerplate(data.get("boilerplate", {}), fail),
    )
    settings.corpus = [p if is_url(p) else root / p for p in values.get("corpus", [])]
    executor = data.get("executor", "local")
    if executor not in EXECUTORS:
        raise fail(
            f"'executor' must be one of {', '.join(map(repr, EXECUTORS))}, not {executor!r}",
            "executor",
        )
    settings.executor = executor
    scheduler = data.get("scheduler")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise fail(
            "'scheduler' must be the address of a Dask scheduler, e.g. 'tcp://host:8786'",
            "scheduler",
        )
    settings.scheduler = scheduler
    settings.rule_packs = [root / p for p in values.get("rule-packs", [])]
    respect = data.get("respect-gitignore", True)
    if not isinstance(respect, bool):
        raise fail("'respect-gitignore' must be true or false", "respect-gitignore")
    settings.respect_gitignore = respect
    for key in ("include", "exclude", "select", "extend-select", "ignore"):
        if key in values:
            setattr(settings, key.replace("-", "_"), values[key])
    return settings


# A TOML key, bare or quoted; and a table header or a key's assignment, at a line's start
# (compiled when an error needs them, not at each run's start: 0.7 ms).
_KEY_PART = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)"""
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = rf"\s*\[\[?\s*({_DOTTED})\s*\]"
_ASSIGNED = rf"\s*({_DOTTED})\s*="


def key_line(config_file: Path, key: str) -> int | None:
    """The line of `config_file` that sets `key` (dotted, from the settings' table:
    "near-duplicate.threshold"), or that sets the nearest table holding it (an inline
    table); None if not found (a key set in a file it extends, say). tomllib keeps no
    positions: the lines are read for table headers and assignments, as TOML writes them."""
    try:
        text = read_regular_file(config_file).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    prefix = ("tool", "corpus-lint") if config_file.name == PYPROJECT else ()
    found: dict[tuple[str, ...], int] = {}  # each path set, and its first line
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(_HEADER, line)
        if header:
            table = _key_parts(header.group(1))
            for length in range(1, len(table) + 1):  # [tool.corpus-lint] sets "tool" too
                found.setdefault(table[:length], number)
            continue
        assigned = re.match(_ASSIGNED, line)
        if assigned:
            parts = table + _key_parts(assigned.group(1))
            for length in range(len(table) + 1, len(parts) + 1):  # (a.b = 1 sets "a" too)
                found.setdefault(parts[:length], number)
    wanted = (*prefix, *key.split("."))
    for length in range(len(wanted), len(prefix), -1):
        if wanted[:length] in found:
            return found[wanted[:length]]
    return None


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in re.findall(_KEY_PART, dotted))


def is_url(path: str | Path) -> bool:
    """Is this corpus path an fsspec URL ("s3://bucket/news/", "file:///data")?"""
    return isinstance(path, str) and re.match(r"[A-Za-z][A-Za-z0-9+.-]+://", path) is not None


def _check_table(data: Any, name: str, known: set[str] | frozenset[str], fail) -> None:
    """A settings table ([near-duplicate], [boilerplate]) with none but its known keys."""
    if not isinstance(data, dict):
        raise fail(f"[{name}] must be a table", name)
    unknown = sorted(set(data) - known)
    if unknown:
        raise fail(
            f"unknown key {unknown[0]!r} in {name} (known keys: {', '.join(sorted(known))})",
            f"{name}.{unknown[0]}",
        )


def _near_duplicate(data: Any, fail, root: Path) -> NearDuplicateSettings:
    _check_table(data, "near-duplicate", _NEAR_KEYS, fail)
    defaults = NearDuplicateSettings()
    threshold = data.get("threshold", defaults.threshold)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not 0 < threshold <= 1
    ):
        raise fail(
            "near-duplicate.threshold must be a number above 0 and at most 1",
            "near-duplicate.threshold",
        )
    shingle = data.get("shingle-size", defaults.shingle_size)
    if isinstance(shingle, bool) or not isinstance(shingle, int) or not 1 <= shingle <= 50:
        raise fail(
            "near-duplicate.shingle-size must be a whole number from 1 to 50",
            "near-duplicate.shingle-size",
        )
    num_perm = data.get("num-perm", defaults.num_perm)
    if isinstance(num_perm, bool) or not isinstance(num_perm, int) or not 16 <= num_perm <= 1024:
        raise fail(
            "near-duplicate.num-perm must be a whole number from 16 to 1024",
            "near-duplicate.num-perm",
        )
    # The default needs no check, nor the import of the clusters' module that a check does
    # (2 ms before a pre-commit run's walk begins).
    keep = _keep(data["keep"], fail) if "keep" in data else defaults.keep
    allow_file, allow = None, ()
    if "allow" in data:
        if not isinstance(data["allow"], str) or not data["allow"].strip():
            raise fail(
                "near-duplicate.allow must be the path of an allow-list file",
                "near-duplicate.allow",
            )
        allow_file = root / data["allow"]
        allow = load_allow_list(allow_file)
    return NearDuplicateSettings(float(threshold), shingle, num_perm, keep, allow_file, allow)


def _boilerplate(data: Any, fail) -> BoilerplateSettings:
    _check_table(data, "boilerplate", _BOILERPLATE_KEYS, fail)
    defaults = BoilerplateSettings()
    documents = data.get("min-documents", defaults.min_documents)
    if isinstance(documents, bool) or not isinstance(documents, int) or documents < 2:
        raise fail(
            "boilerplate.min-documents must be a whole number, 2 or more",
            "boilerplate.min-documents",
        )
    length = data.get("max-length", defaults.max_length)
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= 10_000:
        raise fail(
            "boilerplate.max-length must be a whole number from 1 to 10000",
            "boilerplate.max-length",
        )
    return BoilerplateSettings(documents, length)


_KEEP = "near-duplicate.keep"


def _keep(value: Any, fail) -> tuple[str, ...]:
    from corpus_lint.dedup.clusters import KEEP_CRITERIA

    known = ", ".join(map(repr, KEEP_CRITERIA))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"near-duplicate.keep must be a list of criteria ({known})", _KEEP)
    for criterion in value:
        if criterion not in KEEP_CRITERIA:
            raise fail(
                f"near-duplicate.keep: unknown criterion {criterion!r} (known: {known})", _KEEP
            )
    if len(set(value)) != len(value):
        raise fail("near-duplicate.keep: a criterion is named twice", _KEEP)
    if "first-path" in value[:-1]:
        raise fail("near-duplicate.keep: 'first-path' must be last (it decides every tie)", _KEEP)
    return (*(v for v in value if v != "first-path"), "first-path")


def table_lines(text: str, name: str) -> list[int]:
    """The line of each `[[name]]` header of a TOML text, in order (tomllib keeps no lines);
    a line that only looks like one, inside a multi-line string, is not one: the text before
    a real header parses."""
    header = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(name)}[ \t]*\]\]", re.M)
    lines = []
    for match in header.finditer(text):
        if '"""' in text or "'''" in text:
            try:
                tomllib.loads(text[: match.start()])
            except tomllib.TOMLDecodeError:
                continue
        lines.append(text.count("\n", 0, match.start()) + 1)
    return lines


def load_allow_list(path: Path) -> tuple[AllowEntry, ...]:
    """The entries of an allow-list file: `[[allow]]` tables with `paths` (two or more,
    relative to the file's folder) and a `reason`."""
    data = _read_toml(path)
    text = read_regular_file(path).decode("utf-8", errors="replace")
    lines = table_lines(text, "allow")
    unknown = sorted(set(data) - {"allow"})
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (expected [[allow]] tables)")
    entries = data.get("allow", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'allow' must be an array of tables ([[allow]])")
    found = []
    for number, entry in enumerate(entries, 1):
        line = lines[number - 1] if number <= len(lines) else 1
        where = f"{path}: [[allow]] entry {number} (line {line})"
        if not isinstance(entry, dict) or set(entry) - {"paths", "reason"}:
            raise ConfigError(f"{where}: expected only the keys 'paths' and 'reason'")
        paths = entry.get("paths")
        if (
            not isinstance(paths, list)
            or len(paths) < 2
            or not all(isinstance(p, str) and p.strip() for p in paths)
        ):
            raise ConfigError(f"{where}: 'paths' must list two or more files")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where}: 'reason' must say why these files are alike")
        absolute = tuple(p if is_url(p) else os.path.abspath(path.parent / p) for p in paths)
        found.append(AllowEntry(absolute, reason.strip(), line))
    return tuple(found)


def read_regular_file(path: Path) -> bytes:
    """The bytes of a file the user names (configuration, baseline, allow-list, rule pack).
    Opened without blocking and checked to be a regular file first: a FIFO would otherwise
    wait for a writer for ever. Raises OSError (an IsADirectoryError or a plain OSError
    naming what it is) otherwise."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return handle.read()


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, ConfigError, "the configuration")[0]


def read_toml(path: Path, error: type[Exception], what: str) -> tuple[dict[str, Any], bytes]:
    """A TOML file's table and its bytes, for a configuration file or a rule pack (`what`
    names it in the messages); any problem is one line in `error`."""
    raw = b""
    try:
        raw = read_regular_file(path)
        # A byte-order mark (Notepad writes one), which tomllib refuses, is left out.
        return tomllib.loads(raw.decode("utf-8-sig")), raw
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: invalid TOML: {toml_problem(exc, raw)}") from None
    except RecursionError:  # tomllib recurses once a level of arrays or tables
        raise error(f"{path}: invalid TOML: nested too deeply") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8; a latin-1 comment is enough
        raise error(f"{path}: {not_utf8(exc)}; save {what} as UTF-8") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None


def toml_problem(exc: tomllib.TOMLDecodeError, raw: bytes) -> str:
    """tomllib's message, which ends with "(at line N, column M)", or with "(at end of
    document)": then the last line's number is given too."""
    message = str(exc)
    if message.endswith("(at end of document)"):
        last = len(raw.splitlines()) or 1
        message = message[: -len(")")] + f", line {last})"
    return message


def not_utf8(exc: UnicodeDecodeError) -> str:
    """Where a file that must be UTF-8 is not: "not UTF-8 (byte 0xe9 on line 3)"."""
    line = exc.object[: exc.start].count(b"\n") + 1
    return f"not UTF-8 (byte 0x{exc.object[exc.start]:02x} on line {line})"


# --- globs ---------------------------------------------------------------------------------
# Globs are matched against "/"-separated paths relative to the config folder. A glob without
# "/" matches a file's name anywhere ("*.txt"); with "/", the whole relative path
# ("seeds/002_*.txt"), as does one starting "./" ("./*.txt": the folder's own). "*" and "?"
# stay inside one folder, "**" spans folders, "[...]" is a character class.


def glob_problem(glob: str) -> str | None:
    """Why a glob cannot be used, or None."""
    if not glob.strip():
        return "it is empty"
    if glob.startswith("/"):
        return "it must be relative to the configuration file's folder"
    if glob.startswith("!"):
        return "a negation ('!') is not supported: name the files to match instead"
    depth = 0
    for char in glob:
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
    if depth:
        return "unclosed '['"
    try:
        glob_regex(glob)
    except re.error as exc:
        return str(exc)
    return None


@cache
def glob_regex(glob: str) -> re.Pattern[str]:
    # A leading "./" is the configuration's folder, where paths start: "./drafts" is
    # "drafts" there (it matched nothing), and "./*.txt" the files there alone (its "/"
    # makes it a glob on the path, as "sub/*.txt" is).
    while glob.startswith("./"):
        glob = glob[2:]
    out = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = glob.index("]", i + 1)
            body = glob[i + 1 : close]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append(f"[{body}]")
            i = close + 1
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def glob_matches(glob: str, relative_path: str) -> bool:
    """Does a glob match a "/"-separated relative path (or, for a glob without "/", its name)?"""
    subject = relative_path if "/" in glob.rstrip("/") else relative_path.rsplit("/", 1)[-1]
    return glob_regex(glob.rstrip("/")).match(subject) is not None
