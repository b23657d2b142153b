"""The saved watches page: the team's watches and mine with their feeds, a form to save one, removal.

``/watches/new`` takes the /watch page's query parameters as they are (``q``, ``since``, ``until``,
``lang``, ``theme``, ``region``, ``objective``, ``source``, ``outlet_type``, ``state``, ``sent``, ``used``),
so the watch page can offer "save this search"; the form offers the same choices, and its post is read by
the watch page's own parser (:func:`mediawatch.web.watch_page.filters_from`), so a watch keeps every filter
and means what the page showed. What a link holds that the form cannot take is said on the form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from mediawatch.deliver.watch_mail import check_email, utc_now
from mediawatch.errors import MediawatchError
from mediawatch.review.workflow import Permission, localized, may
from mediawatch.store.watches import Watch
from mediawatch.watch.query import parse
from mediawatch.watch.watches import (
    EVERY,
    EVERY_KEYS,
    TEAM,
    add_watch,
    check_new_name,
    feed_url,
    filter_words,
    filters_record,
    gone_filters,
    recipient,
)
from mediawatch.web.base import acting_user, permission_required, tr, ui_lang, web_settings, web_store
from mediawatch.web.issues import placed_messages, say
from mediawatch.web.watch_page import (
    PARAMS,
    filters_from,
    readable_names,
    search_choices,
    search_sources,
    taxonomy_problem,
)

bp = Blueprint("watches", __name__)

FILTER_FIELDS = (
    "since", "until", "lang", "theme", "region", "objective", "source", "outlet_type", "sent", "used",
)  # fmt: skip
FIELDS = ("name", "q", *FILTER_FIELDS, "every", "owner", "email")
MAX_STATES = 5
NOT_FILTERS = {"page"}  # of a watch page link: where in the stream, not what it holds
# The form's fields in the order they are shown: the first one at fault takes the focus.
FORM_ORDER = (
    "name",
    "q",
    "since",
    "until",
    *FILTER_FIELDS[2:8],
    "state",
    *FILTER_FIELDS[8:],
    "every",
    "owner",
    "email",
)
# Where a refusal of add_watch is said: beside the field its catalogue key is about (prefixes).
FIELD_OF_KEY = (
    ("watches.invalid.name", "name"), ("search.query.", "q"), ("watches.invalid.nothing", "q"),
    ("deliver.invalid.email", "email"), ("watches.invalid.team_email", "email"),
    ("watches.invalid.no_email", "email"), ("watches.invalid.every", "every"),
    ("watches.invalid.owner", "owner"), ("watches.invalid.language", "owner"),
)  # fmt: skip


def _form_page(
    values: dict[str, Any],
    states: list[str],
    *,
    errors: Mapping[str, str] | None = None,
    general: list[str] | tuple[()] = (),
    from_link: bool = False,
    ignored: str = "",
    status: int = 200,
) -> Any:
    page = render_template(
        "watches_new.html",
        values=values,
        states=states,
        errors=errors or {},
        general=general,
        first_bad=next((f for f in FORM_ORDER if f in (errors or {})), ""),
        from_link=from_link,
        ignored=ignored,
        choices=search_choices(search_sources()),
        every=[(v, tr(EVERY_KEYS[v])) for v in EVERY],
        me=acting_user(),
    )
    return page, status


def _may_remove(watch: Watch) -> bool:
    user = acting_user()
    return watch.owner in (user.name, TEAM) or may(user.role, Permission.MANAGE_USERS)


@bp.get("/watches")
@permission_required(Permission.EDIT)
def index() -> str:
    store, settings = web_store(), web_settings()
    user = acting_user()
    sources, problem = store.source_names(), taxonomy_problem()
    # Unreadable, the taxonomy cannot say a saved theme is gone: the filters are said without it
    names = None if problem else readable_names()
    rows: list[dict[str, Any]] = [
        {
            "watch": w,
            "feed": feed_url(settings, w),
            "to": recipient(store, w),
            "every": tr(EVERY_KEYS[w.every]),
            "filters": filter_words(w.filters, ui_lang(), sources, names),
            "gone": gone_filters(w.filters, names) if names else [],
            "removable": _may_remove(w),
        }
        for w in store.list_watches()
        if w.owner in (TEAM, user.name)
    ]
    placed = placed_messages(set())
    return render_template(
        "watches.html",
        team=[r for r in rows if r["watch"].owner == TEAM],
        mine=[r for r in rows if r["watch"].owner != TEAM],
        placed=placed,
        taxonomy_problem=problem,
    )


@bp.get("/watches/new")
@permission_required(Permission.EDIT)
def new() -> Any:
    args: MultiDict[str, str] = request.args
    values = {name: args.get(name, "")[:500] for name in FIELDS}
    values["every"] = values["every"] or "weekly"
    values["owner"] = values["owner"] or "me"
    # A value the form has no choice for would be lost without a word: each is said beside its field,
    # as the post would say it, so the editor fixes it where she looks.
    problems = _filter_problems(args)
    unknown = sorted(set(args) - set(FIELDS) - set(PARAMS) - NOT_FILTERS)
    ignored = tr("watches.web.unknown_params", names=", ".join(unknown)) if unknown else ""
    states = args.getlist("state")[:MAX_STATES]
    return _form_page(values, states, errors=problems, from_link=bool(problems), ignored=ignored)


def _filter_problems(form: MultiDict[str, str]) -> dict[str, str]:
    """Each filter's problem, to be said beside it: the watch page's parser reads the filters one at a
    time, then together (a period ending before it starts is said at its end)."""
    sources = search_sources()
    problems: dict[str, str] = {}
    for field in (*FILTER_FIELDS, "state"):
        _filters, found = filters_from(MultiDict([(field, v) for v in form.getlist(field)]), sources)
        if found:
            problems[field] = " ".join(found)
    if not problems:
        _filters, found = filters_from(form, sources)
        if found:
            problems["until"] = " ".join(found)
    return problems


def _said_in_the_forms_words(problems: dict[str, str], values: Mapping[str, str], email: str | None) -> None:
    """What add_watch would refuse in a command's words ("add --email", "choose from daily, weekly"),
    said first as the form names its fields and choices."""
    if values["every"] not in EVERY:
        choices = {v: tr(EVERY_KEYS[v]) for v in EVERY}
        problems["every"] = tr(
            "watchpage.error.bad_choice",
            field=tr("watches.web.every"),
            value=values["every"][:60],
            known=", ".join(choices.values()),
        )
    if "email" in problems or email:
        return
    if values["owner"] == "team":
        problems["email"] = tr("watches.web.team_email", field=tr("watches.web.email"))
    elif not acting_user().email:
        problems["email"] = tr("watches.web.no_email", field=tr("watches.web.email"))


def _check(problems: dict[str, str], field: str, check: Callable[[], Any]) -> Any:
    """``check()``, or its refusal kept as the field's problem (None)."""
    try:
        return check()
    except MediawatchError as exc:
        problems[field] = localized(exc, ui_lang())
        return None


@bp.post("/watches")
@permission_required(Permission.EDIT)
def create() -> Any:
    form = request.form
    values = {name: form.get(name, "")[:2000] for name in FIELDS}
    states = form.getlist("state")[:MAX_STATES]
    store = web_store()
    # Every field at fault is said at once, beside it; add_watch stays the judge of what is saved.
    problems = _filter_problems(form)
    _check(problems, "name", lambda: check_new_name(store, values["name"]))
    _check(problems, "q", lambda: parse(values["q"]) if values["q"].strip() else None)
    email = _check(problems, "email", lambda: check_email(values["email"]))
    _said_in_the_forms_words(problems, values, email)
    if problems:
        return _form_page(values, states, errors=problems, status=400)
    filters, _problems = filters_from(form, search_sources())
    user = acting_user()
    team = values["owner"] == "team"
    try:
        watch = add_watch(
            store,
            name=values["name"],
            query=values["q"],
            filters=filters_record(filters, readable_names()),
            every=values["every"],
            owner=TEAM if team else user.name,
            settings=web_settings(),
            actor=user.name,
            clock=utc_now,
            email=email or "",
        )
    except MediawatchError as exc:
        key = getattr(exc.reason, "key", "")
        field = next((f for prefix, f in FIELD_OF_KEY if key.startswith(prefix)), None)
        said = localized(exc, ui_lang())
        if field is None:
            return _form_page(values, states, general=[said], status=400)
        return _form_page(values, states, errors={field: said}, status=400)
    say("ok", tr("watches.web.saved", name=watch.name))
    return redirect(url_for("watches.index"), code=303)


def _removable(watch_id: int) -> Watch | None:
    """The watch the user may remove (None: said why, back to the list); 404 when there is none."""
    watch = next((w for w in web_store().list_watches() if w.id == watch_id), None)
    if watch is None:
        abort(404)
    if not _may_remove(watch):
        say("error", tr("watches.web.not_yours"))
        return None
    return watch


@bp.get("/watches/<int:watch_id>/remove")
@permission_required(Permission.EDIT)
def ask_remove(watch_id: int) -> Any:
    """Asked first, without JavaScript: removal also ends the feed's address a reader may be using."""
    watch = _removable(watch_id)
    if watch is None:
        return redirect(url_for("watches.index"), code=303)
    return render_template("watches_remove.html", watch=watch, feed=feed_url(web_settings(), watch))


@bp.post("/watches/<int:watch_id>/remove")
@permission_required(Permission.EDIT)
def remove(watch_id: int) -> Response:
    watch = _removable(watch_id)
    if watch is None:
        return redirect(url_for("watches.index"), code=303)
    if request.form.get("confirm") != "yes":  # a post from elsewhere than the question: ask it
        return redirect(url_for("watches.ask_remove", watch_id=watch.id), code=303)
    web_store().remove_watch(watch.name)
    say("ok", tr("watches.web.removed", name=watch.name))
    return redirect(url_for("watches.index"), code=303)
