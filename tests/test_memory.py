"""What the run keeps in memory, kept compactly: the per-document findings packed until the
report (`engine.PackedFindings`), the same findings in the same order once unpacked."""

from __future__ import annotations

import contextlib
import io
import json

from corpus_lint.rule import SAFE, Diagnostic, Edit, Fix, Related


def _findings(count: int) -> list[Diagnostic]:
    odd = 'quote " é \U0001f600 \udcff lone surrogate'
    found = []
    for i in range(count):
        fix = (
            Fix((Edit(i, i + 2, odd), Edit(i + 5, i + 6, "")), SAFE, f"fix {i}") if i % 3 else None
        )
        related = (
            (Related(f"p{i % 7}.txt", 4, 0.8125), Related(f"p{i % 5}.txt", 1)) if i % 4 else ()
        )
        found.append(
            Diagnostic(
                "DUP004" if i % 4 else "TXT001",
                "name",
                f"{odd} {i}",
                "warning",
                f"p{i % 7}.txt",  # a related path equal to its own, others not
                i,
                1,
                i,
                2**40 if i == 5 else 3,
                fix,
                related,
                snippet=odd if i % 2 else "",
                cluster="0a0b0c0d" if i % 4 else None,
            )
        )
    return found


def test_packed_findings_are_packed_a_block_at_a_time_and_unpacked_equal_and_in_order():
    from corpus_lint.engine import PackedFindings

    findings = _findings(2 * PackedFindings.BLOCK + 17)
    packed = PackedFindings()
    for start in range(0, len(findings), 9):  # a file's findings at a time
        packed.extend(findings[start : start + 9])
    assert len(packed.blocks) == 2 and len(packed.pending) < PackedFindings.BLOCK
    unpacked = packed.unpacked()
    assert unpacked == findings  # equal fields, fixes and related ones, in order
    assert [(d.snippet, d.cluster) for d in unpacked] == [(d.snippet, d.cluster) for d in findings]


def test_a_check_with_more_findings_than_a_block_reports_them_all_sorted(tmp_path, monkeypatch):
    """Through the CLI: the findings of files read by the workers, packed in blocks of two,
    reach the report sorted, as a run that packs none reports them."""
    from corpus_lint import engine
    from corpus_lint.cli import main

    for i in range(450):  # enough files for worker processes
        (tmp_path / f"{i:03}.txt").write_text(f"A title {i} \n\nA sentence. \n\nSource: Reuters\n")

    def report() -> list:
        stdout = io.StringIO()
        args = ["check", "--no-cache", "--no-progress", "--output-format", "json", str(tmp_path)]
        with contextlib.redirect_stdout(stdout):
            main(args)
        return json.loads(stdout.getvalue())

    monkeypatch.setattr(engine.PackedFindings, "BLOCK", 1 << 30)  # never packed
    whole = report()
    monkeypatch.setattr(engine.PackedFindings, "BLOCK", 2)
    assert report() == whole
    assert len(whole) >= 900  # two WS001 a file at least
    assert whole == sorted(whole, key=lambda d: (d["path"], d["line"], d["column"], d["code"]))
