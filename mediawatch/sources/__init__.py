"""The source registry (feeds/*.toml: :mod:`.registry`) and its OPML import/export (:mod:`.opml`).

Layer: beside the collector (it checks sources with it); imports leaves, the store and collect. The layers:
pyproject.toml [tool.importlinter] and docs/design.md.
"""
