"""The watch page, the editors' home: the stream of stories, newest first, searched and filtered.

Every search and filter is a query parameter (``/watch?q=sols&lang=fr&state=relevant``), so a search is a
link to share or to save as a watch. A query the syntax does not allow, or a filter value that is not one
of the choices, is said in the page in the reader's language; the stream is not shown then.

``/watch/add`` adds an article the feeds did not bring, by URL (fetched under the collector's rules) or
by hand, through :mod:`mediawatch.watch.add`, and goes to its story.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, g, redirect, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from mediawatch.classify.vocabulary import TaxonomyNames, taxonomy_names
from mediawatch.errors import ConfigError, FieldError, QueryError
from mediawatch.i18n import language_name, tn
from mediawatch.i18n.regions import region_name
from mediawatch.i18n.themes import theme_name
from mediawatch.review.workflow import Permission
from mediawatch.store.search import FoundArticle, FoundStory, RelevanceState, SearchFilters
from mediawatch.types import FIRST_USABLE_DAY, LAST_USABLE_DAY, Region, usable_day
from mediawatch.watch.add_fields import ADDABLE_LANGUAGES, relabelled
from mediawatch.watch.service import (
    OUTLET_TYPE_KEYS,
    STATE_KEYS,
    make_filters,
    reader_source_names,
    search_stories,
)
from mediawatch.watch.watches import NO_TAXONOMY
from mediawatch.web.base import acting_user, permission_required, tr, ui_lang, web_settings, web_store
from mediawatch.web.issues import say
from mediawatch.web.watch_feeds import log_once

bp = Blueprint("watchpage", __name__)

PAGE_SIZE = 30
MAX_PAGE = 200  # paging goes by offset: deeper than this, a narrower search is the better tool
MAX_OUTLETS = 6  # per row; the rest are counted
# The parameters of a search, in the order a link spells them.
PARAMS = (
    "q", "since", "until", "lang", "theme", "region", "objective", "source", "outlet_type", "state",
    "sent", "used",
)  # fmt: skip

FIELD_KEYS = {
    "since": "watchpage.field.since",
    "until": "watchpage.field.until",
    "lang": "watchpage.field.lang",
    "theme": "watchpage.field.theme",
    "region": "watchpage.field.region",
    "objective": "watchpage.field.objective",
    "outlet_type": "watchpage.field.outlet_type",
    "state": "watchpage.field.state",
    "source": "watchpage.field.source",
    "sent": "watchpage.field.sent",
    "used": "watchpage.field.used",
}


@dataclass(frozen=True, slots=True)
class Row:
    """One story as the stream shows it."""

    id: int
    title: str
    url: str
    latest: datetime
    outlets: tuple[str, ...]
    more_outlets: int
    languages: tuple[str, ...]  # names, in the reader's language
    count: int
    state: RelevanceState | None


def row_of(story: FoundStory, lang: str) -> Row:
    lead: FoundArticle = story.articles[0]  # the newest matching one
    outlets = tuple(dict.fromkeys(a.outlet for a in story.articles if a.outlet))
    codes = dict.fromkeys(a.language for a in story.articles if a.language)
    return Row(
        id=story.id,
        title=lead.title or lead.url,
        url=lead.url,
        latest=story.latest,
        outlets=outlets[:MAX_OUTLETS],
        more_outlets=max(0, len(outlets) - MAX_OUTLETS),
        languages=tuple(language_name(code, lang) for code in codes),
        count=len(story.articles),
        state=lead.state,
    )


def _day(value: str, field: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        problems.append(tr("watchpage.error.bad_date", field=tr(FIELD_KEYS[field]), value=_shown(value)))
        return None
    if not usable_day(day):
        first, last = FIRST_USABLE_DAY.year, LAST_USABLE_DAY.year
        field_name = tr(FIELD_KEYS[field])
        problems.append(
            tr("watchpage.error.date_out_of_range", field=field_name, value=value, first=first, last=last)
        )
        return None
    return day


def _shown(value: str, limit: int = 60) -> str:
    text = " ".join(value.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _choice(value: str, field: str, known: Mapping[str, str], problems: list[str]) -> str | None:
    if not value:
        return None
    if value not in known:
        named, shown = tr(FIELD_KEYS[field]), _shown(value)
        if not known:  # no source yet: "one of the choices ()" would list nothing
            problems.append(tr("watchpage.error.no_choices", field=named, value=shown))
        else:
            problems.append(
                tr("watchpage.error.bad_choice", field=named, value=shown, known=", ".join(known.values()))
            )
        return None
    return value


def _taxonomy_choice(value: str, field: str, known: Mapping[str, str], problems: list[str]) -> str | None:
    """A theme or an objective: while the taxonomy cannot be read, one given cannot be judged (it may be
    one the taxonomy still has), which is said rather than "not one of the choices"."""
    if value and readable_names() is NO_TAXONOMY:
        problems.append(tr("watchpage.error.no_taxonomy", field=tr(FIELD_KEYS[field])))
        return None
    return _choice(value, field, known, problems)


def language_choices() -> dict[str, str]:
    """The languages a person may filter on, named in their language."""
    lang = ui_lang()
    return {code: language_name(code, lang) for code in ADDABLE_LANGUAGES}


def team_names() -> TaxonomyNames:
    """The themes and objectives of the team's taxonomy (the taxonomy_dir setting), as the classifier
    gives them: every filter, saved watch and correction offers and accepts those, and no others."""
    return taxonomy_names(web_settings().taxonomy_dir)


def readable_names() -> TaxonomyNames:
    """The team's themes and objectives for the watch pages, which work without them: when the taxonomy
    cannot be read, none (no theme or objective to choose, nor to judge a link's), and
    :func:`taxonomy_problem` says why on the page instead of a 500 on every one of them."""
    if "taxonomy_problem" not in g:
        try:
            g.readable_names, g.taxonomy_problem = team_names(), None
        except ConfigError as exc:
            log_once("watch pages without themes nor objectives: the taxonomy cannot be read: %s", exc)
            g.readable_names, g.taxonomy_problem = NO_TAXONOMY, exc
    names: TaxonomyNames = g.readable_names
    return names


def taxonomy_problem(key: str = "watchpage.error.taxonomy_unreadable") -> str:
    """The banner of a watch page when the team's taxonomy cannot be read ("" when it can), naming the
    folder or file for the staff who must fix it; ``key``: another page's words for what it lacks then."""
    readable_names()
    problem: ConfigError | None = g.taxonomy_problem
    if problem is None:
        return ""
    return tr(key, problem=problem.translated(ui_lang()))


def theme_choices() -> dict[str, str]:
    lang = ui_lang()
    return {theme: theme_name(theme, lang) for theme in readable_names().themes}


def region_choices() -> dict[str, str]:
    lang = ui_lang()
    return {region.value: region_name(region, lang) for region in Region}


def state_choices() -> dict[str, str]:
    return {str(k): tr(v) for k, v in STATE_KEYS.items()}


def outlet_type_choices() -> dict[str, str]:
    return {str(k): tr(v) for k, v in OUTLET_TYPE_KEYS.items()}


def objective_choices() -> dict[str, str]:
    lang, names = ui_lang(), readable_names()
    return {code: names.objective_name(code, lang) for code in names.objectives}


def yes_no_choices() -> dict[str, str]:
    return {"yes": tr("watchpage.yes"), "no": tr("watchpage.no")}


def search_sources() -> dict[str, str]:
    """The sources a search may be narrowed to, id -> name, by name."""
    names = reader_source_names(web_store().source_names(), ui_lang())
    return dict(sorted(names.items(), key=lambda pair: pair[1].casefold()))


def search_choices(sources: Mapping[str, str]) -> dict[str, Any]:
    """The choices of each filter, named in the reader's language (the watch page and the saved watch's
    form offer the same ones)."""
    return {
        "languages": language_choices(),
        "themes": theme_choices(),
        "regions": region_choices(),
        "states": state_choices(),
        "outlet_types": outlet_type_choices(),
        "objectives": objective_choices(),
        "sources": sources,
        "yes_no": yes_no_choices(),
        "taxonomy_problem": taxonomy_problem(),
    }


def filters_from(args: MultiDict[str, str], sources: Mapping[str, str]) -> tuple[SearchFilters, list[str]]:
    """The filters of a search link, and what is wrong with it (each problem in the reader's words)."""
    problems: list[str] = []
    since = _day(args.get("since", "").strip(), "since", problems)
    until = _day(args.get("until", "").strip(), "until", problems)
    if since is not None and until is not None and until < since:
        # said with the dates as typed: the stored period ends the day after "until" (it is included)
        problems.append(tr("watchpage.error.reversed", since=since.isoformat(), until=until.isoformat()))
    language = _choice(args.get("lang", "").strip().lower(), "lang", language_choices(), problems)
    source = _choice(args.get("source", "").strip(), "source", sources, problems)
    yes_no = yes_no_choices()
    sent = _choice(args.get("sent", "").strip(), "sent", yes_no, problems)
    used = _choice(args.get("used", "").strip(), "used", yes_no, problems)
    # Checked here rather than by make_filters, whose message lists the codes a CLI user types: a reader
    # of the page gets the choices as the page names them.
    theme = _taxonomy_choice(args.get("theme", "").strip(), "theme", theme_choices(), problems)
    region = _choice(args.get("region", "").strip(), "region", region_choices(), problems)
    objective = _taxonomy_choice(
        args.get("objective", "").strip().upper(), "objective", objective_choices(), problems
    )
    outlet_type = _choice(args.get("outlet_type", "").strip(), "outlet_type", outlet_type_choices(), problems)
    states = [_choice(s, "state", state_choices(), problems) for s in args.getlist("state") if s.strip()]
    if problems:
        return SearchFilters(), problems
    try:
        filters = make_filters(
            names=readable_names(),
            since=datetime.combine(since, time(), tzinfo=UTC) if since else None,
            # the last day is included: the period runs to the start of the next
            until=datetime.combine(until, time(), tzinfo=UTC) + timedelta(days=1) if until else None,
            language=language,
            theme=theme,
            region=region,
            source=source,
            states=[s for s in states if s],
            objective=objective,
            outlet_type=outlet_type,
            submitted=None if sent is None else sent == "yes",
            used=None if used is None else used == "yes",
        )
    except ConfigError as exc:  # the store's make_filters speaks the current UI language
        problems.append(str(exc))
        filters = SearchFilters()
    return filters, problems


def search_link(args: MultiDict[str, str], path: str, **changes: Any) -> str:
    """``path`` with this search's parameters (empty ones left out), some of them changed."""
    pairs: list[tuple[str, str]] = []
    for name in PARAMS:
        values = [changes[name]] if name in changes else args.getlist(name)
        pairs += [(name, str(v)) for v in values if str(v).strip()]
    pairs += [(k, str(v)) for k, v in changes.items() if k not in PARAMS and v]
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _page_number(raw: str | None) -> int:
    try:
        return min(MAX_PAGE, max(1, int(raw or "1")))
    except ValueError:
        return 1


@bp.get("/watch")
@permission_required(Permission.VIEW)
def watch() -> str:
    args = request.args
    lang = ui_lang()
    store = web_store()
    sources = search_sources()
    filters, problems = filters_from(args, sources)
    query = args.get("q", "")
    page_number = _page_number(args.get("page"))
    rows: Sequence[Row] = ()
    more = False
    last_page = 0  # set when the page asked for is past the end of a search that has results
    if not problems:
        try:
            found = search_stories(
                store, query, filters, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
            )
        except QueryError as exc:
            why = exc.reason.text(lang) if exc.reason is not None else str(exc)
            problems.append(tr("watchpage.error.query", why=why))
        else:
            rows = [row_of(story, lang) for story in found.stories]
            more = found.more and page_number < MAX_PAGE
            if not rows and page_number > 1:
                last_page = _last_page(store, query, filters, page_number - 1)
    return render_template(
        "watch_page.html",
        args=args,
        query=query,
        rows=rows,
        problems=problems,
        page_number=page_number,
        previous_link=search_link(args, "/watch", page=page_number - 1) if page_number > 1 else "",
        next_link=search_link(args, "/watch", page=page_number + 1)
        if more and page_number < MAX_PAGE
        else "",
        save_link=search_link(args, "/watches/new"),
        heading=_heading(rows, page_number, last_page),
        last_link=search_link(args, "/watch", page=last_page) if last_page else "",
        **search_choices(sources),
        state_word=lambda state: tr(STATE_KEYS[state]) if state else tr("search.state.unclassified"),
        count_word=lambda n: tn("watchpage.articles", n, lang),
        more_word=lambda n: tn("watchpage.more_outlets", n, lang),
    )


def _last_page(store: Any, query: str, filters: SearchFilters, below: int) -> int:
    """The last page with stories, at most ``below`` (0 when the search finds none): a binary search by
    one-story probes, since the store counts no totals."""

    def has(page: int) -> bool:
        probe = search_stories(store, query, filters, limit=1, offset=(page - 1) * PAGE_SIZE)
        return bool(probe.stories)

    low, high = 0, below  # page `low` has stories (0: none known), pages above `high` have none
    while low < high:
        middle = (low + high + 1) // 2
        if has(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _heading(rows: Sequence[Row], page_number: int, last_page: int = 0) -> str:
    if not rows and last_page:
        return tr("watchpage.past_end", page=page_number, last=last_page)
    if not rows:
        return tr("watchpage.none")
    first = (page_number - 1) * PAGE_SIZE + 1
    return tr("watchpage.showing", first=first, last=first + len(rows) - 1)


# -- adding an article ------------------------------------------------------------------------------
URL_FIELDS = ("url", "language", "region", "note")
MANUAL_FIELDS = ("title", "outlet", "date", "language", "region", "summary", "url")
# A problem beside a field names it as its label does (literal keys, so the i18n scans see them).
ADD_LABEL_KEYS = {
    "url": "watchpage.add.field.url",
    "language": "watchpage.add.field.language",
    "region": "watchpage.add.field.region",
    "note": "watchpage.add.field.note",
    "title": "watchpage.add.field.title",
    "outlet": "watchpage.add.field.outlet",
    "date": "watchpage.add.field.date",
    "summary": "watchpage.add.field.summary",
    "as": "watchpage.add.field.as",
}


def _add_form(mode: str = "", problems: Mapping[str, str] | None = None, refused: str = "") -> str:
    form = request.form if request.method == "POST" else MultiDict()
    return render_template(
        "watch_add.html",
        mode=mode,
        form=form,
        problems=problems or {},
        refused=refused,
        languages=language_choices(),
        regions=region_choices(),
    )


@bp.get("/watch/add")
@permission_required(Permission.EDIT)
def add() -> str:
    return _add_form()


@bp.post("/watch/add")
@permission_required(Permission.EDIT)
def add_post() -> Response | tuple[str, int]:
    from mediawatch.watch.add import AddStatus, ManualItem, add_manual, add_url

    form = request.form
    mode = "manual" if form.get("mode") == "manual" else "url"
    lang = ui_lang()
    who = acting_user().name
    try:
        if mode == "manual":
            item = ManualItem(
                title=form.get("title", ""),
                outlet=form.get("outlet", ""),
                date=form.get("date", ""),
                language=form.get("language", ""),
                summary=form.get("summary", ""),
                url=form.get("url", ""),
            )
            region = form.get("region") or None
            result = add_manual(web_store(), web_settings(), item, added_by=who, region=region, lang=lang)
        else:
            result = add_url(
                web_store(),
                web_settings(),
                form.get("url", ""),
                added_by=who,
                language=form.get("language") or None,
                region=form.get("region") or None,
                note=form.get("note", ""),
                lang=lang,
            )
    except FieldError as exc:
        labels = {name: tr(key) for name, key in ADD_LABEL_KEYS.items()}
        return _add_form(mode, relabelled(exc, lang, labels).problems), 422
    if result.status is AddStatus.REFUSED:
        return _add_form(mode, refused=result.message(lang)), 422
    say("ok", result.message(lang))
    story = result.story_id if result.story_id is not None else result.article_id
    return redirect(f"/stories/{story}", code=303)
