"""What every blueprint of the web app shares: the store and settings, the signed-in user, the interface
language, CSRF protection, security headers and the role checks.

Blueprints of other stages use these too::

    from mediawatch.web.base import csrf_exempt, login_required, tr, web_settings, web_store

Every form POST must carry the session's CSRF token (``{{ csrf_field() }}`` in a template); a view that
must accept posts from elsewhere (a mail client's one-click unsubscribe) is marked ``@csrf_exempt``.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, abort, current_app, g, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from markupsafe import Markup, escape
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from mediawatch.compose.issues import issue_title
from mediawatch.config import Settings, team_zone
from mediawatch.i18n import LANGUAGES, and_list, language_name, t, tn, use_language
from mediawatch.i18n.dates import format_date, format_datetime, format_half_open, iso_datetime
from mediawatch.review.workflow import Permission, edition_state_label, may, state_label
from mediawatch.store import Store
from mediawatch.types import MAX_ROW_ID, Issue, ItemStatus, Role, TextOrigin, User

F = TypeVar("F", bound=Callable[..., Any])

CSRF_FIELD = "csrf_token"
# The sandbox of every preview iframe: the email's links may open a new tab; no script, form or origin.
IFRAME_SANDBOX = "allow-popups allow-popups-to-escape-sandbox"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# The app's own pages: nothing from elsewhere, no inline script or style. Views may set their own
# Content-Security-Policy (the sandboxed previews do); this one is only a default.
DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


@dataclass(frozen=True, slots=True)
class WebContext:
    settings: Settings
    store: Store
    # base_url was not set: the app's own links use the address `serve` listens on, and forms are
    # accepted from the address in use (site_origin)
    trial: bool = False


def web_context() -> WebContext:
    found = current_app.extensions["mediawatch"]
    assert isinstance(found, WebContext)
    return found


def web_store() -> Store:
    return web_context().store


def web_settings() -> Settings:
    return web_context().settings


def team() -> ZoneInfo:
    """The team's zone (``nightly_timezone``): whose days an issue's period is said in."""
    return team_zone(web_settings())


def issue_name(issue: Issue) -> str:
    """The issue's name in the reader's language, the one the CLI and its editions give it too."""
    return issue_title(issue, ui_lang(), team())


def current_user() -> User | None:
    user = g.get("user")
    return user if isinstance(user, User) else None


def ui_lang() -> str:
    lang = g.get("lang")
    return lang if isinstance(lang, str) else "en"


def tr(key: str, **fields: object) -> str:
    """``key`` in the language of this request (the user's preference, else the browser's)."""
    return t(key, ui_lang(), **fields)


_BACKTICKED = re.compile(r"`([^`\n]+)`")


def with_code(text: object) -> str:
    """A message for a page: a `command` quoted in backticks (the catalogues share them with the CLI,
    where backticks read well) becomes ``<code>command</code>``; everything else is escaped as usual."""
    if isinstance(text, Markup) or not isinstance(text, str) or "`" not in text:
        return text  # type: ignore[return-value]
    parts = _BACKTICKED.split(text)
    return Markup("").join(
        escape(p) if i % 2 == 0 else Markup("<code>{}</code>").format(p) for i, p in enumerate(parts)
    )


def page_text(key: str, /, **fields: object) -> str:
    """:func:`tr` for templates, with quoted commands shown as code."""
    return with_code(tr(key, **fields))


# -- sessions -----------------------------------------------------------------------------------------
def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


SESSION_HOURS = 12  # a session lasts a working day, whatever happens


def open_session(user: User) -> None:
    """A fresh session for ``user`` on this request: nothing of the old cookie (a planted one included)
    carries over, and the rest of the request runs as ``user``."""
    store = web_store()
    old = session.get("sid")
    if isinstance(old, str):
        store.delete_session(token_hash(old))
    session.clear()
    sid = secrets.token_urlsafe(32)
    store.create_session(token_hash(sid), user.id, datetime.now(UTC) + timedelta(hours=SESSION_HOURS))
    session["sid"] = sid
    g.user = user
    g.lang = user.language
    use_language(user.language)


class _Sessions(SecureCookieSessionInterface):
    """Flask's signed cookie, made ``Secure`` whenever the request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app) or request.is_secure)


def _load_user() -> None:
    g.user = None
    sid = session.get("sid")
    if isinstance(sid, str) and sid:
        g.user = web_store().session_user(token_hash(sid), datetime.now(UTC))
        if g.user is None:
            session.pop("sid", None)
    user = current_user()
    if user is not None:
        g.lang = user.language
    else:
        chosen = session.get("lang")
        g.lang = chosen if chosen in LANGUAGES else (request.accept_languages.best_match(LANGUAGES) or "en")
    use_language(g.lang)


# -- CSRF ---------------------------------------------------------------------------------------------
# Flask-WTF makes and checks the token (a random secret in the session, sent back signed in each form);
# this module decides which views are exempt and checks the browser's Origin against ``base_url``.
csrf = CSRFProtect()


def csrf_token() -> str:
    return str(generate_csrf())


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf_token())


def csrf_exempt(view: F) -> F:
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased, default ports dropped ("" when it has none)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def site_origin() -> str:
    """The origin every form of the app is served from: ``base_url``'s, never the request's Host.

    Only when ``base_url`` is unset (empty, or still the trial default: `serve --port 9000` on one
    machine) does the request's own address stand in.
    """
    base_url = web_settings().base_url.strip()
    if base_url and not web_context().trial:
        return origin_of(base_url)
    return origin_of(request.host_url)


def _foreign_origin() -> str:
    """Where the browser says the form was, when it says so and that is not ``base_url``; else "".

    ``Origin: null`` (a privacy setting, a sandboxed frame) says nothing: the token alone decides then,
    as for clients that send neither header.
    """
    origin = request.headers.get("Origin", "").strip()
    if not origin or origin == "null":
        origin = request.headers.get("Referer", "").strip()
    if not origin or origin_of(origin) == site_origin():
        return ""
    return origin_of(origin) or origin[:200]


# Not in errors.py: an HTTP 400 that Flask routes to its error handler, so it must be werkzeug's BadRequest.
class FormExpired(BadRequest):
    """A form post without a valid token, or from another site: the blueprint draws the page."""


class WrongOrigin(FormExpired):
    """A form the browser says was on another address than ``base_url``'s. Most often it is the team's
    own administrator, who opened the app where gunicorn listens (or by the machine's name) while
    ``base_url`` names the public address: the page must say where to go, as reloading cannot help."""

    def __init__(self, seen: str) -> None:
        super().__init__("the Origin or Referer header does not name base_url")
        self.seen = seen


def _check_csrf() -> None:
    if request.method not in _UNSAFE_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "csrf_exempt", False):
        return
    # The address first: whatever the token, a form sent from the wrong address is refused, and only
    # the address tells the person what to do about it.
    seen = _foreign_origin()
    if seen:
        raise WrongOrigin(seen)
    try:
        csrf.protect()
    except CSRFError as exc:
        raise FormExpired(exc.description) from None


def _form_expired(exc: FormExpired) -> Response:
    if isinstance(exc, WrongOrigin):
        expected = site_origin()
        message = tr("web.error.wrong_origin", seen=exc.seen, expected=expected)
        return error_page(400, message, back=expected + _form_path())
    return error_page(400, tr("web.error.csrf"), back=_staff_back_link())


def _form_path() -> str:
    """The path of the page the form was on, as the browser named it; "/" when it did not say."""
    referer = request.headers.get("Referer", "")
    parts = urlsplit(referer)
    return safe_path(parts.path + (f"?{parts.query}" if parts.query else "")) or "/"


def _staff_back_link() -> str:
    """The page the form was on, when the browser told us and it is ours; else the list of issues."""
    referer = request.headers.get("Referer", "")
    if referer and origin_of(referer) == site_origin():
        parts = urlsplit(referer)
        path = safe_path(parts.path + (f"?{parts.query}" if parts.query else ""))
        if path:
            return path
    return url_for("review.issues")


# A path of this site and nothing else: one slash then no slash or backslash, printable ASCII only.
# Browsers drop tabs and line breaks from URLs ("/\t/evil.example" is "//evil.example" to them), and a
# line break in a Location header is a header injection: both are refused, not cleaned.
_LOCAL_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]*")


def safe_path(target: str | None) -> str:
    """``target`` when it is a path of this site, else "" (for ``next=`` and other redirects)."""
    if not target or "\\" in target or not _LOCAL_PATH.fullmatch(target):
        return ""
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else ""


# -- access -------------------------------------------------------------------------------------------
_ANY_ROLE = "mediawatch_any_role"


def any_role(view: F) -> F:
    """Open to every signed-in user, a correspondent included (put it under ``@login_required``)."""
    setattr(view, _ANY_ROLE, True)
    return view


def home_page(user: User) -> str:
    """Where ``user`` starts: the watch for the team (the editors' home), the form to send an item for a
    correspondent."""
    return url_for("watchpage.watch") if may(user.role, Permission.VIEW) else url_for("correspondents.submit")


def login_required(view: F) -> F:
    """Signed in; and, unless the view is marked :func:`any_role` or checks a permission of its own, a
    role that may view the team's pages: a correspondent gets a 403 on every editors' page, including
    pages added later with nothing but ``@login_required``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None:
            from flask import redirect

            if request.method in _UNSAFE_METHODS:
                # Redirecting a POST to the login page loses what was typed (and ends on a 405).
                from mediawatch.web.resume import signed_out_post

                return signed_out_post(view, args, kwargs)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if not may(user.role, Permission.VIEW) and not getattr(view, _ANY_ROLE, False):
            if request.method == "GET" and request.path == "/":
                from flask import redirect

                return redirect(home_page(user))
            return error_page(403, tr("web.error.forbidden"))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def permission_required(permission: Permission) -> Callable[[F], F]:
    """Signed in, and a role that has ``permission`` (403 otherwise, before anything happens)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None or not may(user.role, permission):
                return error_page(403, tr("web.error.forbidden"))
            return view(*args, **kwargs)

        return login_required(any_role(wrapper))  # type: ignore[return-value]

    return decorate


def acting_user() -> User:
    user = current_user()
    if user is None:
        abort(401)
    return user


def sentence(message: str) -> str:
    """A message shown alone, as a sentence: a capital first (library messages are written to follow
    "error: " on a terminal)."""
    if message.startswith(("http://", "https://")):
        return message  # an address stays as it is written
    return message[:1].upper() + message[1:]


def error_page(status: int, message: str, back: str = "") -> Response:
    """The staff app's error page; ``back`` is where its link leads (the user's home page by default)."""
    user = current_user()
    if not back and user is not None and not may(user.role, Permission.VIEW):
        back = home_page(user)
    page = render_template("error.html", status=status, message=sentence(message), back=back)
    response = current_app.make_response((page, status))
    return response


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    # Over TLS (directly, or through a trusted proxy that says so), or when the public URL is https: a
    # browser ignores the header on a plain-http answer, so sending it there costs nothing.
    if request.is_secure or web_settings().base_url.lower().startswith("https://"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if current_user() is not None:
        headers.setdefault("Cache-Control", "no-store")
    return response


def words_list(words: list[str], lang: str) -> str:
    """ "anglais et espagnol", "English, French and Spanish": :func:`mediawatch.i18n.and_list`, which the
    CLI and review reasons say lists with too."""
    return and_list(words, lang)


def _when(value: datetime | None, with_time: bool = True) -> str:
    """A stored moment as the reader's language writes it; with its time in UTC, which base.html then
    says once at the foot of the page rather than after every time."""
    if value is None:
        return "–"  # the dash every page says "nothing" with, as the audit log and the story page do
    if not with_time:
        return format_date(value, ui_lang())
    g.times_in_utc = True
    return format_datetime(value, ui_lang())


def _decimal(value: float, places: int = 2) -> str:
    """A fraction with the reader's decimal mark: French and Spanish write "0,93", English "0.93"."""
    shown = f"{value:.{places}f}"
    return shown if ui_lang() == "en" else shown.replace(".", ",")


def _kilobytes(size: int) -> str:
    """A size in bytes as kilobytes of 1000 bytes with one decimal, the render check's kilobyte (so the
    preview and a "too big" refusal give one edition one size)."""
    return _decimal(size / 1000, 1)


def _nl2br(text: str) -> Markup:
    """Plain text with line breaks, escaped first (for comments and notes)."""
    return Markup("<br>").join(escape(line) for line in str(text).splitlines())


def http_url(url: str) -> str:
    """A link target only when it is http(s): a ``javascript:`` URL from a hostile feed becomes "#"."""
    text = str(url).strip()
    return text if text.lower().startswith(("http://", "https://")) else "#"


# Literal keys (the template key test reads them): words for roles, item statuses and text origins.
ROLE_KEYS = {
    Role.VIEWER: "web.role.viewer",
    Role.EDITOR: "web.role.editor",
    Role.APPROVER: "web.role.approver",
    Role.ADMIN: "web.role.admin",
    Role.CORRESPONDENT: "correspondents.role.correspondent",
}
STATUS_KEYS = {
    ItemStatus.PROPOSED: "web.status.proposed",
    ItemStatus.ACCEPTED: "web.status.accepted",
    ItemStatus.REJECTED: "web.status.rejected",
}
LANGUAGE_KEYS = {"fr": "web.lang.fr", "en": "web.lang.en", "es": "web.lang.es"}
ORIGIN_KEYS = {
    TextOrigin.ORIGINAL: "web.origin.original",
    TextOrigin.MACHINE: "web.origin.machine",
    TextOrigin.HUMAN: "web.origin.human",
    TextOrigin.UNTRANSLATED: "web.origin.untranslated",
}


class RowId(IntegerConverter):
    """``<int:...>`` in every route is a row id, 1 to ``MAX_ROW_ID``: any other number is a 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=1, max=MAX_ROW_ID)


def install(app: Flask) -> None:
    """Sessions, user loading, CSRF, headers and template helpers on ``app``; every ``<int:...>`` of a
    route added after it is a :class:`RowId`."""
    app.url_map.converters["int"] = RowId
    app.session_interface = _Sessions()
    app.config.update(
        # The token lives as long as the session cookie that holds its secret: a subscription form left
        # open overnight still works. Origin and Referer are checked here against base_url, not by
        # Flask-WTF (which compares the Referer with the request's Host, and only over HTTPS).
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
        WTF_CSRF_FIELD_NAME=CSRF_FIELD,
    )
    csrf.init_app(app)
    app.before_request(_load_user)
    app.before_request(_check_csrf)
    app.register_error_handler(FormExpired, _form_expired)
    app.after_request(_security_headers)
    app.jinja_env.globals.update(
        _=page_text,
        csrf_field=csrf_field,
        csrf_token=csrf_token,
        current_user=current_user,
        ui_lang=ui_lang,
        may=lambda permission: (u := current_user()) is not None and may(u.role, Permission(permission)),
        home_page=lambda: home_page(u) if (u := current_user()) is not None else url_for("auth.login"),
        state_label=lambda value: state_label(str(value), ui_lang()),
        edition_state_label=lambda value: edition_state_label(str(value), ui_lang()),
        language_name=lambda code: language_name(str(code), ui_lang()),  # in the reader's words
        issue_heading=issue_name,
        issue_period=lambda issue: format_half_open(issue.period_from, issue.period_to, ui_lang(), team()),
        plural=lambda key, count, **fields: tn(key, count, ui_lang(), **fields),
        colon=lambda label: tr("web.text.colon", label=label),  # "Thèmes :" in French, "Themes:" in English
        interface_languages=LANGUAGES,  # not "languages": a page's list of article languages hid it
        preview_sandbox=IFRAME_SANDBOX,
        role_label=lambda role: tr(ROLE_KEYS[Role(role)]),
        status_label=lambda status: tr(STATUS_KEYS[ItemStatus(status)]),
        origin_label=lambda origin: tr(ORIGIN_KEYS[TextOrigin(origin)]),
        language_label=lambda code: tr(LANGUAGE_KEYS[code]) if code in LANGUAGE_KEYS else code,
    )
    app.jinja_env.filters["http_url"] = http_url
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["iso"] = iso_datetime  # for <time datetime>
    app.jinja_env.filters["nl2br"] = _nl2br
    app.jinja_env.filters["kilobytes"] = _kilobytes
    app.jinja_env.filters["decimal"] = _decimal
    app.jinja_env.filters["code"] = with_code
    app.jinja_env.filters["said"] = lambda message: with_code(sentence(str(message)))  # a message alone
