"""The collector's pure decisions, without any server."""

from datetime import UTC, datetime, timedelta

import pytest

from mediawatch.collect import decide
from mediawatch.store.sources import source_notes, stale_days
from mediawatch.types import FetchStatus, HealthNote, SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def polled(state: SourceState, content_hash: str, etag: str = '"e1"') -> SourceState:
    conditional = decide.conditional_validators(state, 3) != (None, None)
    return decide.after_content(
        state,
        NOW,
        etag=etag,
        last_modified=None,
        content_hash=content_hash,
        conditional=conditional,
        new_items=1,
        status=FetchStatus.OK,
    )


def test_first_poll_is_unconditional_then_validators_are_sent():
    state = SourceState()
    assert decide.conditional_validators(state, 3) == (None, None)
    state = polled(state, "h1")
    assert decide.conditional_validators(state, 3) == ('"e1"', None)


def test_every_third_poll_ignores_validators():
    state = polled(SourceState(), "h1")
    sent = []
    for _ in range(6):
        validators = decide.conditional_validators(state, 3)
        sent.append(validators != (None, None))
        state = (
            decide.after_not_modified(state, NOW, FetchStatus.NOT_MODIFIED)
            if validators[0]
            else polled(state, "h1")
        )
    assert sent == [True, True, False, True, True, False]


def test_lying_server_is_caught_and_no_longer_trusted():
    state = polled(SourceState(), "h1")
    # The content changed but the server keeps answering 304 to our ETag...
    state = decide.after_not_modified(state, NOW, FetchStatus.NOT_MODIFIED)
    state = decide.after_not_modified(state, NOW, FetchStatus.NOT_MODIFIED)
    # ...the third poll is unconditional and sees the same ETag with other content.
    assert decide.conditional_validators(state, 3) == (None, None)
    assert decide.validators_lied(state, '"e1"', None, "h2")
    state = polled(state, "h2")
    assert not state.validators_trusted
    assert decide.conditional_validators(state, 3) == (None, None)
    assert HealthNote.VALIDATORS_UNRELIABLE in source_notes(state, NOW, 14)


def test_changed_etag_with_changed_content_is_honest():
    state = polled(SourceState(), "h1")
    assert not decide.validators_lied(state, '"e2"', None, "h2")
    assert polled(state, "h2", etag='"e2"').validators_trusted


def test_backoff_grows_and_is_capped_never_infinite():
    delays = [decide.backoff_delay(n, 1.0, 24.0) for n in range(1, 8)]
    assert delays[:3] == [timedelta(hours=1), timedelta(hours=2), timedelta(hours=4)]
    assert delays[-1] == timedelta(hours=24)


def test_failure_sets_next_due_and_retry_after_wins_when_longer():
    state = decide.after_failure(
        SourceState(), NOW, FetchStatus.HTTP_5XX, "boom", base_hours=1, max_hours=24, retry_after=7200
    )
    assert state.consecutive_failures == 1
    assert state.next_due == NOW + timedelta(hours=2)
    assert not decide.is_due(state, NOW + timedelta(hours=1))
    assert decide.is_due(state, NOW + timedelta(hours=1), force=True)
    assert decide.is_due(state, NOW + timedelta(hours=2))


def test_failing_source_is_reported_not_dropped():
    state = SourceState()
    for _ in range(10):
        state = decide.after_failure(state, NOW, FetchStatus.TIMEOUT, "t", base_hours=1, max_hours=24)
    assert state.next_due is not None
    assert state.next_due <= NOW + timedelta(hours=24)
    assert state.consecutive_failures == 10
    assert HealthNote.FAILING in source_notes(state, NOW, 14)


def test_staleness_note():
    state = SourceState(last_new_item=NOW - timedelta(days=20), last_success=NOW)
    assert stale_days(state, NOW) == 20
    assert source_notes(state, NOW, 14) == (HealthNote.STALE,)
    assert source_notes(state, NOW, 21) == ()


@pytest.mark.parametrize(
    ("status", "attempts", "final"),
    [
        (FetchStatus.HTTP_4XX, 1, True),
        (FetchStatus.TIMEOUT, 1, False),
        (FetchStatus.TIMEOUT, decide.MAX_PAGE_ATTEMPTS, True),
        (FetchStatus.HTTP_5XX, 2, False),
        (FetchStatus.PRIVATE_ADDRESS, 1, True),
    ],
)
def test_page_failure_finality(status, attempts, final):
    assert decide.page_failure_is_final(status, attempts) is final
