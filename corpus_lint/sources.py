"""A source: a file the check reads, by its local path or its fsspec URL, and the one read of
it that both executors' analysis and verification stages use."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from corpus_lint.config import is_url
from corpus_lint.document import MAX_FILE_BYTES, Document, DocumentError


class Source(NamedTuple):
    location: str  # what a worker opens: an absolute local path, or a URL
    shown: str  # what diagnostics show: relative to the working directory, or the URL
    # A local file named on the command line may be a symbolic link; one found in a folder
    # may not (`Document.read`).
    follow_link: bool = True


def read_source(source: Source) -> Document:
    """Read a local file (`Document.read`) or a URL (fsspec, then `Document.from_file_bytes`),
    with the same limits and one-line reasons."""
    if not is_url(source.location):
        return Document.read(Path(source.location), source.shown, source.follow_link)
    import fsspec

    shown = source.shown
    try:
        with fsspec.open(source.location, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise DocumentError(f"{shown}: no such file") from None
    except PermissionError:
        raise DocumentError(f"{shown}: permission denied") from None
    except (OSError, IsADirectoryError) as exc:
        raise DocumentError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentError(
            f"{shown}: over the {MAX_FILE_BYTES // 2**20} MB limit for a document, not linted",
            skipped=True,
        )
    return Document.from_file_bytes(Path(source.location), raw, shown)
