"""A confirmation link's age on an injected clock: old links expire, links stamped a little ahead of the
reading clock (it moved back, or another server signed them) are fresh, and an expired link still says
whose it is. No test here reads the real time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mediawatch.deliver.links import CLOCK_AHEAD_DAYS, CONFIRM_DAYS, LinkPurpose, LinkSigner, link_age_problem
from mediawatch.errors import InvalidLink
from mediawatch.types import Subscriber, SubscriberStatus

T = datetime(2026, 12, 7, 9, tzinfo=UTC).timestamp()
DAY = 86400.0
KEY = "test-secret-key-0123456789abcdef"


def signer(at: float) -> LinkSigner:
    return LinkSigner(KEY, "https://news.example.org", clock=lambda: at)


def subscriber() -> Subscriber:
    now = datetime.fromtimestamp(T, UTC)
    return Subscriber(
        id=7,
        email="lucia@example.org",
        language="es",
        fallback=(),
        publications=(),
        status=SubscriberStatus.PENDING,
        created_at=now,
        updated_at=now,
        link_key="k" * 32,
    )


@pytest.mark.parametrize(
    ("age_days", "problem"),
    [
        (0, ""),
        (CONFIRM_DAYS - 0.01, ""),
        (CONFIRM_DAYS + 0.01, "expired"),
        (-1 / 24, ""),  # signed an hour "later" than now: the clock moved back
        (-CLOCK_AHEAD_DAYS + 0.01, ""),
        (-CLOCK_AHEAD_DAYS - 0.01, "expired"),  # a clock that far ahead was wrong
    ],
)
def test_link_age(age_days, problem):
    assert link_age_problem(T - age_days * DAY, T) == problem


def test_a_link_read_by_a_clock_behind_its_signers_is_fresh_and_an_old_one_names_its_subscriber():
    token = signer(T).token(LinkPurpose.CONFIRM, subscriber())
    assert signer(T - 3600).read(LinkPurpose.CONFIRM, token).subscriber_id == 7
    assert signer(T + (CONFIRM_DAYS - 1) * DAY).read(LinkPurpose.CONFIRM, token).link_key == "k" * 32
    late = signer(T + (CONFIRM_DAYS + 1) * DAY)
    with pytest.raises(InvalidLink) as refused:
        late.read(LinkPurpose.CONFIRM, token)
    assert refused.value.expired
    grant = late.grant(LinkPurpose.CONFIRM, token)
    assert (grant.subscriber_id, grant.expired) == (7, True)
    with pytest.raises(InvalidLink) as forged:
        late.grant(LinkPurpose.CONFIRM, token[:-2] + "xx")
    assert not forged.value.expired


def test_preference_and_unsubscribe_links_never_expire():
    token = signer(T).token(LinkPurpose.UNSUBSCRIBE, subscriber())
    assert signer(T + 3650 * DAY).read(LinkPurpose.UNSUBSCRIBE, token).subscriber_id == 7
