"""Built-in rules, one module per family. Importing this package registers them all."""

from corpus_lint.checks import (  # noqa: F401
    boilerplate,
    duplicates,
    encoding,
    near_duplicates,
    source,
    text,
    whitespace,
)
