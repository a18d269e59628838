"""What changed since it last worked: open an execution, press D, read the summary."""

from __future__ import annotations


def test_D_on_an_execution_shows_what_changed_since_its_previous_run(terminal, size):
    term = terminal("seed_example.db", "executions/b2ffcd8f", size=size)
    term.wait_for("b2ffcd8f")
    term.wait_for("seedex.align_reads_all")  # the job tree has loaded
    term.press("D")
    screen = term.wait_for("changed 5")
    assert "same 6 (cached 6) · changed 5 · added 0 · removed 0" in screen
    assert "00eeef5f" in screen and "(B's previous run)" in screen
    assert "sample3.fastq: same path, new content" in screen
    # The changed align_reads (third line): its argument's old and new values, previewed when
    # the cursor gets there.
    term.press("down", "down")
    screen = term.wait_for("new File(path=sample3.fastq, hash=973811e5)")
    assert "old File(path=sample3.fastq, hash=c54f520f)" in screen
    term.press("a")  # every pair: read again, still the diff with B's previous run
    screen = term.wait_for("all pairs")
    assert "00eeef5f" in screen and "(B's previous run)" in screen
    term.press("q")
    assert term.wait_exit() == 0
