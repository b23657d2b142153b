"""Saved watches (the strategic watch): a named search with filters, owned by a user or by the team.

    add_watch(store, name="Sols", query='sols "carbone organique"', filters={"language": "fr"},
              every="weekly", owner="ana", actor="ana", clock=clock)

Each watch has an Atom feed at a secret URL (:func:`feed_url`, :func:`watch_for_key`), a digest by mail
(daily or weekly, only what the collector found since the last digest) and a spike alert; the mail is
built and sent by :mod:`mediawatch.deliver.watch_mail`, this module holds the definitions and the pure
decisions (which period, is this a spike), with no clock of its own: the caller passes ``now``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Protocol

from mediawatch.classify.vocabulary import TaxonomyNames, taxonomy_names
from mediawatch.config import Settings
from mediawatch.errors import InvalidInput
from mediawatch.i18n import LANGUAGES, Message, language_name, t
from mediawatch.i18n.regions import region_name
from mediawatch.i18n.themes import objective_name, theme_name
from mediawatch.store.protocols import RunLock, UserRepository, WatchRepository
from mediawatch.store.search import RelevanceState, SearchFilters, SearchPage, SearchStore
from mediawatch.store.watches import NewWatch, Watch, WatchMatch
from mediawatch.textsearch import Node
from mediawatch.types import OutletType, Role
from mediawatch.watch.query import parse
from mediawatch.watch.service import (
    OUTLET_TYPE_KEYS,
    STATE_KEYS,
    make_filters,
    reader_source_names,
    search_stories,
)

__all__ = [
    "EVERY",
    "NO_TAXONOMY",
    "TEAM",
    "Spike",
    "add_watch",
    "check_new_name",
    "day_counts",
    "digest_period",
    "feed_url",
    "filter_words",
    "filters_of",
    "filters_record",
    "gone_filters",
    "latest_stories",
    "names_for",
    "needs_taxonomy",
    "query_of",
    "query_words",
    "remove_watch",
    "rotate_feed_key",
    "saved_filters",
    "spike_of",
    "watch_for_key",
]

TEAM = "team"  # the owner of the team's watches
EVERY = ("daily", "weekly")
EVERY_KEYS = {"daily": "watches.every.daily", "weekly": "watches.every.weekly"}  # literal: the i18n scan
# The filters a watch keeps, named as SearchFilters names them: every filter of the watch page.
FILTER_NAMES = (
    "since", "until", "language", "theme", "region", "objective", "source", "outlet_type", "states",
    "submitted", "used",
)  # fmt: skip
YES_NO = ("submitted", "used")  # true, false, or absent (either)
MAX_NAME = 120
FEED_ENTRIES = 50

Clock = Callable[[], datetime]


class WatchStore(WatchRepository, UserRepository, SearchStore, RunLock, Protocol):
    """What saved watches touch: the watches, their owners, the search, and a lock per run."""


def check_name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise InvalidInput(Message("watches.invalid.name_empty"))
    if len(name) > MAX_NAME:
        raise InvalidInput(Message("watches.invalid.name_long", limit=MAX_NAME))
    return name


def check_new_name(store: WatchStore, raw: str) -> str:
    """A name for a new watch, not yet taken (:func:`add_watch` checks it again as it saves)."""
    name = check_name(raw)
    if store.watch(name) is not None:
        raise InvalidInput(Message("watches.invalid.name_taken", name=name))
    return name


def filters_of(raw: Mapping[str, Any], names: TaxonomyNames) -> SearchFilters:
    """The search filters a watch keeps as JSON (dates as ISO text); InvalidInput on a bad value. ``names``:
    the team's taxonomy, whose themes and objectives a watch may name."""
    unknown = sorted(set(raw) - set(FILTER_NAMES))
    if unknown:
        raise InvalidInput(Message("watches.invalid.filter", name=", ".join(unknown)))

    def when(key: str) -> datetime | None:
        value = raw.get(key)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(Message("watches.invalid.date", value=str(value))) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def yes_no(key: str) -> bool | None:
        value = raw.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise InvalidInput(Message("watches.invalid.yes_no", name=key, value=str(value)))

    states = raw.get("states") or ()
    return make_filters(
        names=names,
        since=when("since"),
        until=when("until"),
        language=raw.get("language") or None,
        theme=raw.get("theme") or None,
        region=raw.get("region") or None,
        source=raw.get("source") or None,
        states=[str(s) for s in states],
        objective=raw.get("objective") or None,
        outlet_type=raw.get("outlet_type") or None,
        submitted=yes_no("submitted"),
        used=yes_no("used"),
    )


def gone_filters(raw: Mapping[str, Any], names: TaxonomyNames) -> list[str]:
    """The filters of a saved watch that name a theme or an objective the team's taxonomy no longer has
    (an editor removed or renamed it after the watch was saved)."""
    gone = []
    theme = str(raw.get("theme") or "").strip()
    if theme and theme not in names.themes:
        gone.append("theme")
    objective = str(raw.get("objective") or "").strip().upper()
    if objective and objective not in names.objectives:
        gone.append("objective")
    return gone


# What a watch that names no theme nor objective searches with: nothing of the taxonomy, so it goes on
# when the team's taxonomy cannot be read (docs/design.md "Only the watches that name a theme wait").
NO_TAXONOMY = TaxonomyNames(themes=(), objectives=MappingProxyType({}))


def needs_taxonomy(raw: Mapping[str, Any]) -> bool:
    """Does a saved watch's search name a theme or an objective, which only the taxonomy can judge?"""
    return bool(str(raw.get("theme") or "").strip() or str(raw.get("objective") or "").strip())


def names_for(raw: Mapping[str, Any], directory: str | None) -> TaxonomyNames:
    """The taxonomy a saved watch searches with: the team's (ConfigError when it cannot be read) when its
    filters name a theme or an objective, else none."""
    return taxonomy_names(directory) if needs_taxonomy(raw) else NO_TAXONOMY


def saved_filters(raw: Mapping[str, Any], names: TaxonomyNames) -> SearchFilters | None:
    """A saved watch's filters as its feed and mail search with them; None when one names a code the
    taxonomy no longer has: the watch then matches nothing (not everything, nor the articles classified
    before the edit) and keeps answering, while its filters say why (docs/design.md)."""
    return None if gone_filters(raw, names) else filters_of(raw, names)


def filters_record(filters: SearchFilters, names: TaxonomyNames) -> dict[str, Any]:
    """A search's filters as a watch keeps them, every one (:func:`filters_of` reads them back)."""
    return clean_filters(
        {
            "since": filters.since,
            "until": filters.until,
            "language": filters.language,
            "theme": filters.theme,
            "region": filters.region,
            "objective": filters.objective,
            "source": filters.source,
            "outlet_type": filters.outlet_type,
            "states": [str(s) for s in filters.states],
            "submitted": filters.submitted,
            "used": filters.used,
        },
        names,
    )


def clean_filters(raw: Mapping[str, Any], names: TaxonomyNames) -> dict[str, Any]:
    """The filters as stored: empty ones left out, dates as ISO text, checked by :func:`filters_of`."""
    filters_of(raw, names)  # refuses a bad value before anything is stored
    kept: dict[str, Any] = {}
    for key in FILTER_NAMES:
        value = raw.get(key)
        if key in YES_NO:
            if value is not None:  # False is a filter: "not sent in", "never used"
                kept[key] = value
            continue
        if not value:
            continue
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        elif key == "states":
            value = [str(s) for s in value]
        elif key == "objective":
            value = str(value).strip().upper()  # as make_filters reads it
        elif key == "language":
            value = str(value).strip().lower()
        else:
            value = str(value).strip()
        kept[key] = value
    return kept


# The filters in words (literal keys: the i18n scan reads them).
_FILTER_LABELS = {
    "since": "watches.filter.since",
    "until": "watches.filter.until",
    "language": "watches.filter.language",
    "theme": "watches.filter.theme",
    "region": "watches.filter.region",
    "objective": "watches.filter.objective",
    "source": "watches.filter.source",
    "outlet_type": "watches.filter.outlet_type",
    "states": "watches.filter.states",
    "submitted": "watches.filter.submitted",
    "used": "watches.filter.used",
}


def _filter_value(
    key: str, value: Any, lang: str, sources: Mapping[str, str], names: TaxonomyNames | None
) -> str:
    if key in YES_NO:
        return t("watches.filter.yes" if value else "watches.filter.no", lang)
    if key == "language":
        return language_name(str(value), lang)
    if key == "theme":
        return theme_name(str(value), lang)
    if key == "objective":
        return names.objective_name(str(value), lang) if names else objective_name(str(value), lang)
    if key == "region":
        return region_name(str(value), lang)
    if key == "source":
        return sources.get(str(value), str(value))
    if key == "outlet_type":
        outlet = str(value)
        return t(OUTLET_TYPE_KEYS[OutletType(outlet)], lang) if outlet in set(OutletType) else outlet
    if key == "states":
        states = set(RelevanceState)
        return ", ".join(t(STATE_KEYS[RelevanceState(v)], lang) if v in states else str(v) for v in value)
    return str(value)


def filter_words(
    raw: Mapping[str, Any],
    lang: str,
    sources: Mapping[str, str] | None = None,
    names: TaxonomyNames | None = None,
) -> list[str]:
    """A watch's filters in the reader's words ("Outlet type: blog"), never raw codes; ``sources``: id ->
    name; ``names``: the team's taxonomy, which names the objectives of its own (else their code). A
    period's end is said as the day it includes when it falls at midnight (as the watch page and the form
    take it), else as the instant it stops before. A theme or objective ``names`` no longer has is said
    so, beside its name."""
    gone = gone_filters(raw, names) if names else []
    lines = []
    for key in FILTER_NAMES:
        value = raw.get(key)
        if value is None or value == "" or value == []:
            continue
        label = t(_FILTER_LABELS[key], lang)
        if key in ("since", "until"):
            moment = datetime.fromisoformat(str(value)).astimezone(UTC)
            if moment == day_start(moment):
                shown = (moment - timedelta(days=1) if key == "until" else moment).date().isoformat()
            else:
                shown = moment.strftime("%Y-%m-%d %H:%M UTC")
                label = t("watches.filter.before", lang) if key == "until" else label
        else:
            shown = _filter_value(key, value, lang, reader_source_names(sources or {}, lang), names)
            if key in gone:
                shown = t("watches.filter.gone", lang, value=shown)
        lines.append(t("watches.filter.line", lang, label=label, value=shown))
    return lines


def add_watch(
    store: WatchStore,
    *,
    name: str,
    query: str,
    filters: Mapping[str, Any],
    every: str,
    owner: str,
    settings: Settings,
    actor: str,
    clock: Clock,
    email: str = "",
    language: str | None = None,
) -> Watch:
    """Save a watch. ``email`` is already checked (deliver.addresses); "" sends to the owner's address.

    The digest's language is the owner's; for the team's watches ``language`` or the
    ``watch_team_language`` setting. An empty query is a watch on its filters alone. InvalidInput says what
    is wrong: the name, the query (the search's own message), a filter, no query and no filter at all,
    ``every``, an owner nobody is, no address to send to.
    """
    name = check_name(name)
    kept = clean_filters(filters, names_for(filters, settings.taxonomy_dir))
    if query.strip():
        parse(query)  # a QueryError names what is wrong in the query
    elif not kept:  # no words and no filter: every article the collector finds, mailed
        raise InvalidInput(Message("watches.invalid.nothing"))
    if every not in EVERY:
        raise InvalidInput(Message("watches.invalid.every", value=every, known=", ".join(EVERY)))
    owner = (owner or "").strip()
    if owner == TEAM:
        lang = (language or settings.watch_team_language or "en").strip().lower()
        if lang not in LANGUAGES:
            raise InvalidInput(Message("watches.invalid.language", value=lang, known=", ".join(LANGUAGES)))
        if not email:
            raise InvalidInput(Message("watches.invalid.team_email"))
    else:
        user = store.user(owner)
        if user is None:
            raise InvalidInput(Message("watches.invalid.owner", name=owner, team=TEAM))
        if not user.active:
            raise InvalidInput(Message("watches.invalid.owner_disabled", name=user.name))
        if user.role is Role.CORRESPONDENT:  # they see only their own items, never the team's watch
            raise InvalidInput(Message("watches.invalid.owner_correspondent", name=user.name))
        lang = user.language
        if not email and not user.email:
            raise InvalidInput(Message("watches.invalid.no_email", name=owner))
    watch = store.add_watch(
        NewWatch(
            name=name,
            owner=owner,
            query=query.strip(),
            filters=kept,
            every=every,
            language=lang,
            email=email,
            feed_key=new_feed_key(),
            created_by=actor,
            created_at=clock(),
        )
    )
    if watch is None:
        raise InvalidInput(Message("watches.invalid.name_taken", name=name))
    return watch


def query_of(watch: Watch) -> Node | None:
    """The watch's search as a tree; None for a watch on its filters alone (every article matches)."""
    return parse(watch.query) if watch.query.strip() else None


def query_words(watch: Watch, lang: str) -> str:
    """The watch's search as a reader is told it: its words, or that it has none (filters alone)."""
    return watch.query.strip() or t("watches.filter.no_query", lang)


def find_watch(store: WatchStore, name: str) -> Watch:
    watch = store.watch(name.strip())
    if watch is None:
        raise InvalidInput(Message("watches.invalid.unknown", name=name))
    return watch


def remove_watch(store: WatchStore, name: str) -> None:
    if not store.remove_watch(find_watch(store, name).name):
        raise InvalidInput(Message("watches.invalid.unknown", name=name))


def new_feed_key() -> str:
    return secrets.token_urlsafe(24)


def rotate_feed_key(store: WatchStore, name: str) -> Watch:
    """A new secret for the feed's URL: the old URL stops working at once."""
    watch = store.set_watch_feed_key(find_watch(store, name).name, new_feed_key())
    if watch is None:
        raise InvalidInput(Message("watches.invalid.unknown", name=name))
    return watch


def feed_url(settings: Settings, watch: Watch) -> str:
    return f"{settings.base_url.rstrip('/')}/w/{watch.feed_key}.atom"


def watch_for_key(store: WatchStore, key: str) -> Watch | None:
    """The watch whose feed key this is, compared in constant time with every key (a lookup by the key
    would let response times tell how much of a guess was right). Few watches: reading them all is cheap."""
    found = None
    given = key.encode("utf-8")
    for watch in store.list_watches():
        if hmac.compare_digest(watch.feed_key.encode("utf-8"), given) and watch.active:
            found = watch
    if found is not None and found.owner != TEAM:
        owner = store.user(found.owner)
        if owner is None or not owner.active:  # a disabled account's feed address stops working too
            return None
    return found


def recipient(store: WatchStore, watch: Watch) -> str:
    """Where the watch's mail goes now: its own address, else its owner's ("" : nowhere). A disabled
    owner's watch mails nobody, whatever address it names: disabling an account stops what it set up."""
    if watch.owner == TEAM:
        return watch.email
    user = store.user(watch.owner)
    if user is None or not user.active:
        return ""
    return watch.email or user.email


def latest_stories(
    store: WatchStore, watch: Watch, names: TaxonomyNames, limit: int = FEED_ENTRIES
) -> SearchPage:
    """The newest stories matching the watch (its feed)."""
    filters = saved_filters(watch.filters, names)
    if filters is None:
        return SearchPage(stories=(), more=False)
    return search_stories(store, watch.query, filters, limit=limit)


# -- periods and spikes: pure ------------------------------------------------------------------------------
def day_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def digest_period(every: str, now: datetime) -> datetime:
    """The end of the last whole period at ``now``: today 00:00 UTC (daily), this Monday 00:00 UTC
    (weekly). A digest is due when the watch's cut-off is before it."""
    start = day_start(now)
    if every == "weekly":
        return start - timedelta(days=start.weekday())
    return start


def day_counts(matches: Iterable[WatchMatch], start: datetime, days: int) -> list[int]:
    """Matches per UTC day of discovery, ``days`` days from ``start`` (a day boundary)."""
    counts = [0] * days
    for match in matches:
        index = (match.discovered - start) // timedelta(days=1)
        if 0 <= index < days:
            counts[index] += 1
    return counts


@dataclass(frozen=True, slots=True)
class Spike:
    count: int  # the day's matches
    mean: float  # the daily mean of the days before
    threshold: float


def spike_of(today: int, previous: Sequence[int], *, factor: float, minimum: int) -> Spike | None:
    """A spike: the day's matches reach ``max(minimum, factor x the mean of the previous days)``.

    The floor keeps a quiet watch (a mean of 0.3 a day) from alerting on two articles; the factor keeps a
    busy one from alerting on an ordinary day (docs/watch.md, "Spike alerts")."""
    mean = sum(previous) / len(previous) if previous else 0.0
    threshold = max(float(minimum), factor * mean)
    return Spike(today, mean, threshold) if today >= threshold else None
