"""Demo accounts for `make demo`: an editor and an approver, so four-eyes can be tried at once."""

from __future__ import annotations

from mediawatch.i18n import t
from mediawatch.review.users import add_user
from mediawatch.store.protocols import ReviewStore
from mediawatch.types import Role

DEMO_PASSWORD = "mediawatch-demo"  # noqa: S105  (only ever for the throw-away demo database)
DEMO_ACCOUNTS = (("demo-editor", Role.EDITOR), ("demo-approver", Role.APPROVER))


def ensure_demo_accounts(store: ReviewStore, language: str = "en") -> list[tuple[str, Role]]:
    """Create the demo accounts that do not exist yet; returns them all (name, role)."""
    for name, role in DEMO_ACCOUNTS:
        if store.user(name) is None:
            add_user(store, name, role, DEMO_PASSWORD, language)
    return list(DEMO_ACCOUNTS)


def demo_instructions(options: str, lang: str = "en", url: str = "http://127.0.0.1:8000/") -> str:
    """How to start the review app on the demo database, in ``lang``: ``options`` are the global options
    that open it (``--config .demo/config.toml``)."""
    editor, approver = (name for name, _role in DEMO_ACCOUNTS)
    return t(
        "review.demo.how",
        lang,
        command=f".venv/bin/mediawatch {options} serve",
        url=url,
        editor=editor,
        approver=approver,
        password=DEMO_PASSWORD,
    )
