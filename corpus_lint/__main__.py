import sys

from corpus_lint.cli import main

sys.exit(main())
