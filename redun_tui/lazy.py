"""Package names that load on first use (PEP 562), for packages whose modules are heavy.

``redun_tui.db`` and ``redun_tui.store`` re-export names from modules that import SQLAlchemy;
the launch path imports their light modules only, so the packages load those names lazily.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, homes: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: each name of ``homes`` is read from its
    submodule (``homes[name]``, relative to the package) when first asked for, then cached in
    the package's namespace."""
    module = importlib.import_module(package)

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            # A submodule (``redun_tui.store.routes``), as when the package imported them all.
            if not name.startswith("_") and importlib.util.find_spec(f"{package}.{name}") is not None:
                return importlib.import_module(f"{package}.{name}")
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        setattr(module, name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(module)) | set(homes))

    return __getattr__, __dir__
