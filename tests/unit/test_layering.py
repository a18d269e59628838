"""The data layer never imports Textual: it must stay usable from scripts and the CLI alone."""

import subprocess
import sys
from pathlib import Path

import redun_tui

PACKAGE = Path(redun_tui.__file__).parent
DATA_MODULES = sorted(
    "redun_tui." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    for folder in ("db", "store")
    for path in (PACKAGE / folder).rglob("*.py")
    if "versions" not in path.parts and path.name != "env.py"
) + ["redun_tui.views", "redun_tui.formatting", "redun_tui.search",
       "redun_tui.report", "redun_tui.rerun", "redun_tui.web"]


def test_data_layer_does_not_import_textual_or_redun():
    modules = [name.removesuffix(".__init__") for name in DATA_MODULES]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'redun', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_every_store_module_is_checked():
    assert {"redun_tui.store.__init__", "redun_tui.store.routes", "redun_tui.store.jobs"} <= set(DATA_MODULES)


def test_no_source_file_under_db_or_store_mentions_textual():
    offenders = [
        str(path)
        for folder in ("db", "store")
        for path in (PACKAGE / folder).rglob("*.py")
        if "import textual" in path.read_text() or "from textual" in path.read_text()
    ]
    assert offenders == []
