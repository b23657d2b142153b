"""The command line, one module per noun (``sources``, ``issues``, ``send``, ...) under a root group.

``mediawatch = "mediawatch.cli:main"`` is the console script; :mod:`mediawatch.cli.main` says how the
commands are put together and :mod:`mediawatch.cli.context` what they share.

Layer: the top; nothing but the demo imports it. The layers: pyproject.toml [tool.importlinter] and
docs/design.md.
"""

from mediawatch.cli.context import EXIT_ERROR, EXIT_LOCKED, EXIT_OK, EXIT_SOURCES_FAILED, EXIT_USAGE
from mediawatch.cli.main import cli, main

__all__ = ["EXIT_ERROR", "EXIT_LOCKED", "EXIT_OK", "EXIT_SOURCES_FAILED", "EXIT_USAGE", "cli", "main"]
