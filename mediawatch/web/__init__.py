"""The review web app (Flask): thin pages over the library; see app.py.

Layer: on top, thin; only the CLI (serve) imports it. The layers: pyproject.toml [tool.importlinter] and
docs/design.md.
"""
