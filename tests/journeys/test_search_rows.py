"""Search results can be told apart (issue 10, defect 10 and the "job rows show their call" friction).

Before: a File value's row showed only ``Value  f7efecff  redun.File`` (no path), any value no
preview, and 2,000 jobs of one task differed only by id.
"""

from __future__ import annotations


def test_file_values_show_their_path(terminal, size):
    term = terminal("seed_example.db", "search/file:*.vcf", size=size)
    screen = term.wait_for("sample4.vcf")
    for path in ("sample1.vcf", "sample2.vcf", "sample3.vcf"):
        assert path in screen


def test_values_show_a_preview(terminal, size):
    # values.db: make_floats returned a list of floats; its preview tells it from other lists.
    term = terminal("values.db", "search/type:builtins.list", size=size)
    screen = term.wait_for("nan, inf")
    assert "builtins.list" in screen


def test_job_rows_show_their_call(terminal, size):
    term = terminal("seed_example.db", "search/task:align_reads is:job", size=size)
    screen = term.wait_for("sample4.fastq")
    assert "sample1.fastq" in screen and "(File(path=sample" in screen


def test_job_tree_and_flat_list_show_calls(terminal, size):
    term = terminal("seed_example.db", "executions/af59d4e0", size=size)
    term.wait_for("9b716ed1")
    term.press("right")  # expand the root job
    term.wait_for("81aa5381")
    term.press("down", "right")  # expand align_reads_all: four align_reads, one per sample
    screen = term.wait_for("d7d95052")
    for sample in ("sample1.fastq", "sample2.fastq", "sample3.fastq", "sample4.fastq"):
        assert f"seedex.align_reads(File(path={sample}" in screen, sample
    term.press("v")  # the flat list
    screen = term.wait_for("Call")
    # At 80x24 the list shows five rows under the status table: the first three align_reads.
    screen = term.wait_for("seedex.align_reads(File(path=sample3.fastq")
    assert "seedex.align_reads(File(path=sample1.fastq" in screen
