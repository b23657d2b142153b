"""Pure decisions of the collector: no I/O, so they are tested without servers."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta

from mediawatch.types import FetchStatus, SourceState

# Page failures that a later run may cure; the others (4xx, not HTML...) are final at once.
TRANSIENT_PAGE_FAILURES = frozenset(
    {
        FetchStatus.TIMEOUT,
        FetchStatus.HTTP_5XX,
        FetchStatus.RATE_LIMITED,
        FetchStatus.CONNECTION,
        FetchStatus.DNS,
    }
)
MAX_PAGE_ATTEMPTS = 3
# The longest any server may make us wait (Retry-After) and the longest back-off: a header or a
# counter must never park a source for years, nor overflow the date arithmetic.
MAX_WAIT = timedelta(days=7)


def bounded_wait(seconds: float) -> float:
    """A server-supplied delay made safe: finite, not negative, at most MAX_WAIT."""
    if not math.isfinite(seconds):
        return MAX_WAIT.total_seconds() if seconds > 0 else 0.0
    return min(max(seconds, 0.0), MAX_WAIT.total_seconds())


def is_due(state: SourceState, now: datetime, *, force: bool = False) -> bool:
    """A source in back-off waits until next_due; --force ignores that."""
    return force or state.next_due is None or now >= state.next_due


def conditional_validators(state: SourceState, unconditional_every: int) -> tuple[str | None, str | None]:
    """Validators to send, or none when this poll must be unconditional.

    Every Nth poll goes without validators, and a server once caught lying never gets them again:
    a 304 from such a server would hide new items.
    """
    if not state.validators_trusted or state.content_hash is None:
        return None, None
    if unconditional_every > 0 and state.polls_since_unconditional + 1 >= unconditional_every:
        return None, None
    return state.etag, state.last_modified


# Sent instead of nothing on the scheduled unconditional poll of a source whose validators we trust: no
# content can have this entity tag, so an honest server answers 200 (what an unconditional poll would
# get) and one that answers 304 to any conditional request gives itself away at once.
PROBE_ETAG = '"mediawatch-probe-no-content-has-this-tag"'


def probe_validator(state: SourceState, etag: str | None, last_modified: str | None) -> str | None:
    """The probe entity tag to send on this poll, or None."""
    if etag is None and last_modified is None and state.validators_trusted and state.content_hash:
        return PROBE_ETAG
    return None


def validators_lied(
    state: SourceState, etag: str | None, last_modified: str | None, content_hash: str
) -> bool:
    """The server sent back the validators we hold, yet the content differs: its 304s cannot be trusted."""
    if state.content_hash is None or content_hash == state.content_hash:
        return False
    same_etag = bool(etag) and etag == state.etag
    same_lm = bool(last_modified) and last_modified == state.last_modified and not etag
    return same_etag or same_lm


def after_not_modified(state: SourceState, now: datetime, status: FetchStatus) -> SourceState:
    return replace(
        state,
        polls_since_unconditional=state.polls_since_unconditional + 1,
        consecutive_failures=0,
        last_status=status,
        last_detail="",
        last_fetch=now,
        last_success=now,
        next_due=None,
    )


def after_content(
    state: SourceState,
    now: datetime,
    *,
    etag: str | None,
    last_modified: str | None,
    content_hash: str,
    conditional: bool,
    new_items: int,
    status: FetchStatus,
    detail: str = "",
) -> SourceState:
    """State after a 200: the content may or may not have changed."""
    lied = validators_lied(state, etag, last_modified, content_hash)
    return replace(
        state,
        etag=etag,
        last_modified=last_modified,
        content_hash=content_hash,
        polls_since_unconditional=state.polls_since_unconditional + 1 if conditional else 0,
        validators_trusted=state.validators_trusted and not lied,
        consecutive_failures=0,
        last_status=status,
        last_detail=detail,
        last_fetch=now,
        last_success=now,
        last_new_item=now if new_items else state.last_new_item,
        next_due=None,
    )


def backoff_delay(failures: int, base_hours: float, max_hours: float) -> timedelta:
    """Exponential back-off: base, 2*base, 4*base ... capped. Never infinite: a source is never abandoned."""
    if failures <= 0:
        return timedelta(0)
    # 2**63 hours is past any cap: a source failing for years must not overflow the float product
    hours = min(base_hours * (2.0 ** min(failures - 1, 63)), max_hours)
    return min(timedelta(hours=max(hours, 0.0)), MAX_WAIT)


def after_failure(
    state: SourceState,
    now: datetime,
    status: FetchStatus,
    detail: str,
    *,
    base_hours: float,
    max_hours: float,
    retry_after: float | None = None,
) -> SourceState:
    failures = state.consecutive_failures + 1
    delay = backoff_delay(failures, base_hours, max_hours)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=bounded_wait(retry_after)))
    return replace(
        state,
        consecutive_failures=failures,
        last_status=status,
        last_detail=detail,
        last_fetch=now,
        next_due=now + delay,
    )


def page_failure_is_final(status: FetchStatus, attempts: int) -> bool:
    """A page that failed for good keeps the feed summary; a transient failure is retried on a later run."""
    return status not in TRANSIENT_PAGE_FAILURES or attempts >= MAX_PAGE_ATTEMPTS
