"""Saved watches' tests share: articles stored through the store's own API, then placed in time (when the
collector found them) with one UPDATE, since the collector stamps ``discovered`` with the real clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import sqlalchemy as sa
from deliver_samples import Recorder, SmtpServer, make_settings, open_store
from review_samples import add_team

from mediawatch.collect.decide import SourceState
from mediawatch.store import NewEntry, PageOutcome, Store
from mediawatch.store import schema as t
from mediawatch.types import Classification, Extracted, FetchEvent, FetchStatus, Region, Source, SourceKind

# A Wednesday: its daily period ends at 00:00 that day, its weekly one on Monday 2026-03-02.
T0 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
_serial = count(1)


@contextmanager
def watch_team(tmp_path: Path, db_url: str) -> Iterator[tuple[Store, object, Recorder]]:
    """A store with the review team (carla reads French and has an address), settings, an SMTP server."""
    recorder = Recorder()
    with SmtpServer(recorder) as server:
        settings = make_settings(tmp_path, server.url, db=db_url)
        store = open_store(settings)
        add_team(store)
        store.update_user("carla", email="carla@example.org")
        yield store, settings, recorder
        store.close()


def clock_at(moment: datetime):
    return lambda: moment


def add_article(
    store: Store,
    title: str,
    *,
    found: datetime,
    text: str = "",
    language: str = "fr",
    published: datetime | None = None,
    outlet: str = "Le Monde",
) -> int:
    """One classified, indexed article that the collector found at ``found``."""
    store.sync_sources(
        [
            Source(
                id="presse",
                name="Presse",
                url="https://presse.example/feed",
                kind=SourceKind.RSS,
                language="fr",
            )
        ]
    )
    n = next(_serial)
    url = f"https://news.example/watch-{n}"
    published = published or found
    entry = NewEntry(
        url=url, raw_url=url, title=title, summary="", author="", published=published, feed_language=language
    )
    event = FetchEvent("presse", found, FetchStatus.OK, 200, "", 1, 5)
    (pending,) = store.save_feed_poll("presse", SourceState(), event, [entry])
    extracted = Extracted(
        title=title, text=text or title, author="", date=published, sitename=outlet, language=language,
        canonical_url="",
    )  # fmt: skip
    outcome = PageOutcome(
        final=True, final_url=url, extracted=extracted, published=published, date_source="page"
    )
    store.complete_article(pending.id, outcome, found, timedelta(hours=1))
    store.save_classifications(
        [
            Classification(
                id=str(pending.id),
                language=language,
                language_confidence=0.9,
                relevant=True,
                relevance=0.8,
                uncertain=False,
                matched_terms=(),
                themes=(),
                regions=(Region.GLOBAL,),
                objectives=(),
                version="test",
            )  # fmt: skip
        ]
    )
    store.reindex_pending()
    with store.engine.begin() as conn:
        conn.execute(sa.update(t.articles).where(t.articles.c.id == pending.id).values(discovered=found))
    return pending.id
