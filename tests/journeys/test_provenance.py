"""Where a file came from: the file screen and its value screen agree on who produced and read it.

Defect 6 of issue 10: ``files/sample4.vcf`` said "Produced by (9)" and its value ``f7efecff``
"Produced by (3)"; on values.db a file said Produced by (2) / Read by (1) and its value (0)/(0).
One definition now (a job whose result/argument is the value or contains it, as redun's console
counts "Upstream jobs"), each job labelled with how it holds the value.
"""

from __future__ import annotations

import re


def test_file_and_its_value_agree_on_producers(terminal, size):
    term = terminal("seed_example.db", "files/sample4.vcf", size=size)
    screen = term.wait_for("Produced by (9)")
    assert "result" in screen and "in result" in screen
    term.press("enter")  # the first link: the one version of the path
    screen = term.wait_for(re.compile(r"Value   f7efecffae70(.|\n)*Produced by \(\d+\)"))
    assert "Produced by (9)" in screen
    term.press("G")  # to the bottom, past the jobs
    term.wait_for("Read by (0)")


def test_nested_file_counts_on_the_value_screen(terminal, size):
    # values.db: a File inside a nested dict, returned by one job and its parent, read by one.
    term = terminal("values.db", "files/b8c9f96b", size=size)
    screen = term.wait_for("Read by (1)")
    assert "Produced by (2)" in screen
    term.press("enter")
    screen = term.wait_for(re.compile(r"Value   b8c9f96b9eaa(.|\n)*Produced by \(\d+\)"))
    assert "Produced by (2)" in screen
    term.press("G")
    screen = term.wait_for(re.compile(r"Read by \(\d+\)"))
    assert "Read by (1)" in screen and "in argument" in screen
