"""`python -m corpus_lint`, and the `corpus-lint` command's entry point."""

import sys


def main() -> int:
    """The command line, with a Ctrl-C that lands while its modules are imported (before
    `cli.main` handles it) ending the run as one that lands later: one line, exit 130, never
    a traceback."""
    try:
        from corpus_lint import cli

        return cli.main()
    except KeyboardInterrupt:  # (SIGTERM there ends the process as by default: no handler yet)
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("corpus-lint: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
