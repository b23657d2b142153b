"""Storage: one contract for SQLite (default) and PostgreSQL, on SQLAlchemy Core."""

from mediawatch.store.store import NewEntry, PageOutcome, PendingArticle, Store, open_store

__all__ = ["NewEntry", "PageOutcome", "PendingArticle", "Store", "open_store"]
