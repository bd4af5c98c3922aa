"""The command line, ``python -m core``: :func:`main` (commands in :mod:`core.cli.main`) and the
throughput benchmark ``core bench`` (:mod:`core.cli.bench`)."""

from core.cli.main import main

__all__ = ["main"]
