"""mediawatch: media watch, press review and newsletter pipeline.

Data flows one way: collect -> classify -> compose -> render -> review -> deliver
(an approval is bound to the rendered content). The layers, bottom up, are listed and enforced in
pyproject.toml ``[tool.importlinter]``; docs/design.md explains them.
"""

__version__ = "0.1.0"
