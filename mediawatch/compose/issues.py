"""The issue a person named, by id or slug: the store answers None, the stage says what was wrong; and an
issue's title in the reader's words."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

from mediawatch.errors import AlreadyComposed, WorkflowError
from mediawatch.i18n import Message, said, t
from mediawatch.i18n.dates import format_half_open, last_day
from mediawatch.i18n.publications import publication_name
from mediawatch.store.protocols import IssueReader, IssueRepository
from mediawatch.types import Issue, Publication


def find_issue(store: IssueReader, ref: str | int) -> Issue:
    """The issue ``ref`` names; WorkflowError naming ``ref`` when there is none."""
    issue = store.find_issue(ref)
    if issue is None:
        raise said(WorkflowError, "compose.issue.none", ref=str(ref).strip())
    return issue


def issue_for_period(
    store: IssueRepository, publication: Publication, period_from: datetime, period_to: datetime
) -> Issue | None:
    """The issue of ``publication`` that already covers exactly this period, in any state (the nightly's
    rule: one issue per publication and period, so a second click or a colleague's post composes none)."""
    for issue in store.list_issues():
        if issue.publication is publication and issue.period_from == period_from:
            if issue.period_to == period_to:
                return issue
    return None


def refuse_twin(
    store: IssueRepository,
    publication: Publication,
    period_from: datetime,
    period_to: datetime,
    zone: tzinfo | None = None,
) -> None:
    """AlreadyComposed naming the issue that already covers this period, if there is one."""
    existing = issue_for_period(store, publication, period_from, period_to)
    if existing is not None:
        why = Message("compose.refused.exists", issue=IssueName(existing, zone), slug=existing.slug)
        raise AlreadyComposed(why, existing.id, existing.slug)


# The day a slug ends on, before the ``-2`` of a second issue: ``newsletter-2026-12-31-2``.
SLUG_DAY = re.compile(r"-(\d{4}-\d{2}-\d{2})(?:-\d+)?")


def slug_base(
    publication: Publication, period_from: datetime, period_to: datetime, zone: tzinfo | None = None
) -> str:
    """A new issue's slug: its publication and the last day its period covers (the end is excluded, so the
    December monthly is ``newsletter-2026-12-31``, not ``...-2027-01-01``), the day its title ends on; the
    day is ``zone``'s (the team's ``nightly_timezone``, whose midnights end the nightly's periods)."""
    return f"{publication.value}-{last_day(period_from, period_to, zone):%Y-%m-%d}"


def archive_year(slug: str, period_to: datetime) -> int:
    """The year folder of an issue in the archive: the year of the day its slug ends on, so an issue named
    before slugs took the last day covered (``newsletter-2027-01-01``, December) stays where its pages and
    the links already mailed point; a slug without a day: the year of the last day the period covers."""
    match = SLUG_DAY.search(slug)
    if match and match.end() == len(slug):
        try:
            return date.fromisoformat(match.group(1)).year
        except ValueError:  # 2026-13-45 names no day: the period says the year
            pass
    return (period_to - timedelta(microseconds=1)).astimezone(UTC).year


class IssueName:
    """An issue named by :func:`issue_title` in the reader's language, for a field of a
    :class:`~mediawatch.i18n.Message` raised before anyone knows who will read it."""

    __slots__ = ("issue", "zone")

    def __init__(self, issue: Issue, zone: tzinfo | None = None) -> None:
        self.issue, self.zone = issue, zone

    def text(self, lang: str) -> str:
        return issue_title(self.issue, lang, self.zone)


def default_title(publication: Publication, period_from: datetime, period_to: datetime) -> str:
    """The title compose stores on a new issue: codes and dates, the same whoever composed it (data for
    scripts and logs; people read :func:`issue_title`)."""
    return f"{publication.value} {period_from:%Y-%m-%d} – {period_to:%Y-%m-%d}"


def own_title(issue: Issue) -> str:
    """The title an editor gave the issue; "" when it has its default name."""
    stored = issue.title.strip()
    if not stored or stored == default_title(issue.publication, issue.period_from, issue.period_to):
        return ""
    return issue.title


def issue_title(issue: Issue, lang: str, zone: tzinfo | None = None) -> str:
    """The issue as a person names it, for the web and the CLI alike: a title an editor wrote, as written;
    otherwise its publication and the days its period covers in ``lang`` ("Revue de presse du 1er au
    7 déc. 2026", "Press review, 1–7 Dec 2026"), days of ``zone`` (the team's ``nightly_timezone``; UTC
    when not given)."""
    own = own_title(issue)
    if own:
        return own
    return t(
        "compose.issue.title",
        lang,
        publication=publication_name(issue.publication, lang),
        period=format_half_open(issue.period_from, issue.period_to, lang, zone),
    )
