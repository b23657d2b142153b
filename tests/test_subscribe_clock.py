"""The opt-in mail's repeat window on a clock that moved: a confirmation stamped in the future (the server's
clock was moved back) does not hold back the next mail for the size of the jump."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from deliver_samples import make_settings, open_store

from mediawatch.deliver.subscribers import Origin, subscribe
from mediawatch.store.schema_deliver import subscribers

FORM = Origin(method="web-form", form="test")


@pytest.fixture
def store(tmp_path, db_url):
    store = open_store(make_settings(tmp_path, db=db_url))
    yield store
    store.close()


def _stamp(store, address: str, moment: datetime) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(subscribers).where(subscribers.c.email == address).values(confirmation_sent_at=moment)
        )


def _again(store, address: str) -> str:
    return subscribe(store, email=address, language="fr", publications="newsletter", origin=FORM).mail


@pytest.mark.parametrize(
    ("stamped", "mailed"),
    [
        (timedelta(minutes=-2), ""),  # a repeat within the window: no second mail
        (timedelta(hours=-1), "confirm"),  # after the window: mailed again
        (timedelta(hours=3), "confirm"),  # stamped in the future: the clock moved back; mailed
    ],
)
def test_the_repeat_window_counts_from_a_time_that_has_passed(store, stamped, mailed):
    address = "lea@example.org"
    assert _again(store, address) == "confirm"
    _stamp(store, address, datetime.now(UTC) + stamped)
    assert _again(store, address) == mailed
