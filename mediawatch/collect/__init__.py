"""Collection stage: fetch sources over HTTP, parse feeds, extract article pages.

Layer: the first stage; imports leaves and the store's protocols. The layers: pyproject.toml
[tool.importlinter] and docs/design.md.
"""
