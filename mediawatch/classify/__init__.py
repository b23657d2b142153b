"""Classification: language, relevance to soil carbon, themes, regions and objectives of an article.

Layer: after collect; imports leaves, the store's protocols and earlier stages. The layers: pyproject.toml
[tool.importlinter] and docs/design.md.
"""
