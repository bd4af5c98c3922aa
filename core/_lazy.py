"""Lazy package exports (PEP 562): a domain's ``__init__`` names what it offers without importing
every submodule, so ``python -m core videos`` does not load statsmodels, and a page that needs
one chart builder does not load yt-dlp."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``exports``: public name → ``"module"`` (relative to ``package``) that defines it, or
    ``"module:attribute"`` when the name differs there; a name equal to its module is that module
    itself. Returns ``__getattr__``, ``__dir__`` and ``__all__``."""

    def __getattr__(name: str) -> Any:
        where = exports.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = where.partition(":")
        value = importlib.import_module(f"{package}.{module}")
        if module != name:
            value = getattr(value, attribute or name)
        importlib.import_module(package).__dict__[name] = value  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__, sorted(exports)
