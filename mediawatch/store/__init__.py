"""Storage: one contract for SQLite (default) and PostgreSQL, on SQLAlchemy Core.

Layer: above the leaves (types, errors, config, i18n, identity), below every stage; imports only leaves. The
layers: pyproject.toml [tool.importlinter] and docs/design.md.
"""

from mediawatch.store.store import NewEntry, PageOutcome, PendingArticle, Store, open_store

__all__ = ["NewEntry", "PageOutcome", "PendingArticle", "Store", "open_store"]
