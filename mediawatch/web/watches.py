"""The saved watches page: the team's watches and mine with their feeds, a form to save one, removal.

``/watches/new`` takes the /watch page's query parameters as they are (``q``, ``since``, ``until``,
``lang``, ``theme``, ``region``, ``source``, ``state``), so the watch page can offer "save this search".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from mediawatch.deliver.watch_mail import check_email, utc_now
from mediawatch.errors import InvalidInput, MediawatchError
from mediawatch.i18n import LANGUAGES, Message, catalogue, language_name
from mediawatch.review.workflow import Permission, localized, may
from mediawatch.store.search import RelevanceState
from mediawatch.store.watches import Watch
from mediawatch.types import Region, Theme
from mediawatch.watch.watches import EVERY, EVERY_KEYS, TEAM, add_watch, feed_url, recipient
from mediawatch.web.base import acting_user, permission_required, tr, ui_lang, web_settings, web_store
from mediawatch.web.issues import placed_messages, say

bp = Blueprint("watches", __name__)

FIELDS = ("name", "q", "since", "until", "lang", "theme", "region", "source", "every", "owner", "email")
_STATE_KEYS = {
    RelevanceState.RELEVANT: "search.state.relevant",
    RelevanceState.UNSURE: "search.state.unsure",
    RelevanceState.NOT_RELEVANT: "search.state.not_relevant",
}


def _label(prefix: str, code: str) -> str:
    key = f"{prefix}.{code}"
    return tr(key) if key in catalogue(ui_lang()) else code


def _choices() -> dict[str, list[tuple[str, str]]]:
    lang = ui_lang()
    return {
        "lang": [(code, language_name(code, lang)) for code in LANGUAGES],
        "theme": [(v.value, _label("report.theme", v.value)) for v in Theme],
        "region": [(v.value, _label("report.region", v.value)) for v in Region],
        "state": [(v.value, tr(_STATE_KEYS[v])) for v in RelevanceState],
        "every": [(v, tr(EVERY_KEYS[v])) for v in EVERY],
    }


def _filter_lines(watch: Watch) -> list[str]:
    """The watch's filters in the reader's words ("Theme: Science"), never raw codes."""
    lang, f = ui_lang(), watch.filters
    lines = []
    if f.get("language"):
        lines.append(f"{tr('watches.web.language')}: {language_name(f['language'], lang)}")
    if f.get("theme"):
        lines.append(f"{tr('watches.web.theme')}: {_label('report.theme', f['theme'])}")
    if f.get("region"):
        lines.append(f"{tr('watches.web.region')}: {_label('report.region', f['region'])}")
    if f.get("source"):
        lines.append(f"{tr('watches.web.source')}: {f['source']}")
    if f.get("states"):
        states = ", ".join(
            tr(_STATE_KEYS[RelevanceState(s)]) for s in f["states"] if s in set(RelevanceState)
        )
        lines.append(f"{tr('watches.web.state')}: {states}")
    for key, label in (("since", "watches.web.since"), ("until", "watches.web.until")):
        if f.get(key):
            lines.append(f"{tr(label)}: {str(f[key])[:10]}")
    return lines


def _may_remove(watch: Watch) -> bool:
    user = acting_user()
    return watch.owner in (user.name, TEAM) or may(user.role, Permission.MANAGE_USERS)


def _form_page(values: dict[str, Any], states: list[str], error: str = "", status: int = 200) -> Any:
    user = acting_user()
    page = render_template(
        "watches_new.html", values=values, states=states, error=error, choices=_choices(), me=user
    )
    return page, status


@bp.get("/watches")
@permission_required(Permission.EDIT)
def index() -> str:
    store, settings = web_store(), web_settings()
    user = acting_user()
    rows: list[dict[str, Any]] = [
        {
            "watch": w,
            "feed": feed_url(settings, w),
            "to": recipient(store, w),
            "every": tr(EVERY_KEYS[w.every]),
            "filters": _filter_lines(w),
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
    )


@bp.get("/watches/new")
@permission_required(Permission.EDIT)
def new() -> Any:
    args: MultiDict[str, str] = request.args
    values = {name: args.get(name, "")[:500] for name in FIELDS}
    values["every"] = values["every"] or "weekly"
    values["owner"] = values["owner"] or "me"
    return _form_page(values, args.getlist("state")[:5])


def _date(raw: str, field: str) -> datetime | None:
    text = raw.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(Message("watches.invalid.date", value=text[:40])) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@bp.post("/watches")
@permission_required(Permission.EDIT)
def create() -> Any:
    form = request.form
    values = {name: form.get(name, "")[:2000] for name in FIELDS}
    states = form.getlist("state")[:5]
    user = acting_user()
    team = values["owner"] == "team"
    try:
        watch = add_watch(
            web_store(),
            name=values["name"],
            query=values["q"],
            filters={
                "since": _date(values["since"], "since"),
                "until": _date(values["until"], "until"),
                "language": values["lang"],
                "theme": values["theme"],
                "region": values["region"],
                "source": values["source"],
                "states": states,
            },
            every=values["every"],
            owner=TEAM if team else user.name,
            settings=web_settings(),
            actor=user.name,
            clock=utc_now,
            email=check_email(values["email"]),
        )
    except MediawatchError as exc:
        return _form_page(values, states, localized(exc, ui_lang()), 400)
    say("ok", tr("watches.web.saved", name=watch.name))
    return redirect(url_for("watches.index"), code=303)


@bp.post("/watches/<int:watch_id>/remove")
@permission_required(Permission.EDIT)
def remove(watch_id: int) -> Response:
    store = web_store()
    watch = next((w for w in store.list_watches() if w.id == watch_id), None)
    if watch is None:
        abort(404)
    if not _may_remove(watch):
        say("error", tr("watches.web.not_yours"))
        return redirect(url_for("watches.index"), code=303)
    store.remove_watch(watch.name)
    say("ok", tr("watches.web.removed", name=watch.name))
    return redirect(url_for("watches.index"), code=303)
