"""The issues page's "New issue" form: what `mediawatch compose` does, for an editor without a shell.

The form names whole days of the team (``nightly_timezone``), the first and the last included, as the
issue's title then says them ("du 1er au 7 déc."); they become the half-open period compose takes,
``[first 00:00, day after last 00:00)`` there, the period the nightly composes for the same days. Posting
calls :func:`mediawatch.compose.compose_issue`, the CLI's function, as the signed-in user (the audit log's
"created" line names them). Each refusal is said beside the field it is about, and the form comes back
holding what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from werkzeug.datastructures import MultiDict

from mediawatch.compose import ComposeResult, compose_issue, parse_languages
from mediawatch.compose.issues import issue_for_period
from mediawatch.config import Settings, team_zone
from mediawatch.errors import MediawatchError, NothingToCompose
from mediawatch.i18n import LANGUAGES, t
from mediawatch.i18n.dates import format_date, format_half_open
from mediawatch.i18n.publications import publication_name
from mediawatch.review.workflow import localized
from mediawatch.store.protocols import ComposeStore
from mediawatch.types import Issue, Publication, usable_day

MAX_FIELD = 40  # longer than any day or publication code: what is kept and shown again, at most
# The fields in the order of the form: the first one at fault takes the focus.
FIELDS = ("publication", "from", "to", "period", "languages")


@dataclass(frozen=True, slots=True)
class NewIssueForm:
    """The form as typed (shown again on a refusal) and what was wrong with it, by field."""

    publication: str
    first: str
    last: str
    languages: tuple[str, ...]
    problems: Mapping[str, str] = field(default_factory=dict)
    existing: Issue | None = None  # the issue that already covers the period, for a link to it

    @property
    def first_bad(self) -> str:
        return next((name for name in FIELDS if name in self.problems), "")


def team_today(settings: Settings, now: datetime) -> date:
    """Today for the team: a New York editor at 22:00 is still on the day UTC has left."""
    return now.astimezone(team_zone(settings)).date()


def blank(settings: Settings, today: date) -> NewIssueForm:
    """The CLI's defaults: the last ``compose_period_days`` days up to today, every ``compose_languages``."""
    first = today - timedelta(days=max(settings.compose_period_days, 1) - 1)
    languages = parse_languages(None, settings.compose_languages)
    return NewIssueForm(Publication.PRESS_REVIEW.value, first.isoformat(), today.isoformat(), languages)


def read(form: MultiDict[str, str]) -> NewIssueForm:
    return NewIssueForm(
        publication=form.get("publication", "")[:MAX_FIELD].strip(),
        first=form.get("from", "")[:MAX_FIELD].strip(),
        last=form.get("to", "")[:MAX_FIELD].strip(),
        languages=tuple(dict.fromkeys(v[:MAX_FIELD].strip() for v in form.getlist("languages")[:10])),
    )


def period_of(first: date, last: date, zone: tzinfo = UTC) -> tuple[datetime, datetime]:
    """The half-open period that covers the days ``first`` to ``last`` of ``zone``, both included."""
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    return start, datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)


def compose_from(
    store: ComposeStore, settings: Settings, form: NewIssueForm, *, actor: str, lang: str, today: date
) -> ComposeResult | NewIssueForm:
    """The new issue, or the form back with its problems (nothing written then)."""
    problems: dict[str, str] = {}
    publication = _publication(form.publication, problems, lang)
    first = _day(form.first, "from", problems, lang)
    last = _day(form.last, "to", problems, lang)
    if not problems:  # an empty field takes the CLI's default: up to today, compose_period_days long
        last = last or today
        first = first or last - timedelta(days=max(settings.compose_period_days, 1) - 1)
        if first > last:
            problems["to"] = t(
                "web.new_issue.error.reversed", lang, first=_said_day(first, lang), last=_said_day(last, lang)
            )
    languages = _languages(form.languages, problems, lang)
    if problems or publication is None or first is None or last is None:
        return _refused(form, problems)
    zone = team_zone(settings)
    start, end = period_of(first, last, zone)
    existing = issue_for_period(store, publication, start, end)
    if existing is not None:
        name = publication_name(publication, lang)
        problems["period"] = t("web.new_issue.error.exists", lang, publication=name)
        return _refused(form, problems, existing)
    try:
        return compose_issue(
            store, settings, publication, period_from=start, period_to=end, languages=languages, actor=actor
        )
    except NothingToCompose as exc:
        if exc.already_told:
            problems["period"] = localized(exc, lang)
        else:  # the CLI's words send the reader to --from/--to: here the fields are on the page
            period = format_half_open(start, end, lang, zone)
            name = publication_name(publication, lang)
            problems["period"] = t("web.new_issue.nothing", lang, publication=name, period=period)
    except MediawatchError as exc:  # a translation provider misconfigured: said, not a 500
        problems["period"] = localized(exc, lang)
    return _refused(form, problems)


def _refused(form: NewIssueForm, problems: dict[str, str], existing: Issue | None = None) -> NewIssueForm:
    return NewIssueForm(form.publication, form.first, form.last, form.languages, problems, existing)


def _publication(value: str, problems: dict[str, str], lang: str) -> Publication | None:
    try:
        return Publication(value)
    except ValueError:
        problems["publication"] = t("web.new_issue.error.publication", lang)
        return None


def _day(value: str, name: str, problems: dict[str, str], lang: str) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not usable_day(day):
        label = t("web.new_issue.from" if name == "from" else "web.new_issue.to", lang)
        problems[name] = t("web.new_issue.error.bad_day", lang, field=label, value=value)
        return None
    return day


def _languages(codes: tuple[str, ...], problems: dict[str, str], lang: str) -> tuple[str, ...]:
    if not codes:
        problems["languages"] = t("web.new_issue.error.no_language", lang)
        return ()
    # the editions in LANGUAGES' order, whatever order the browser sent the boxes in
    ordered = sorted(codes, key=lambda c: LANGUAGES.index(c) if c in LANGUAGES else len(LANGUAGES))
    try:
        return parse_languages(ordered, "")
    except MediawatchError as exc:  # a code no box offers: posted by hand
        problems["languages"] = localized(exc, lang)
        return ()


def _said_day(day: date, lang: str) -> str:
    return format_date(datetime.combine(day, time(), UTC), lang, long=True)
