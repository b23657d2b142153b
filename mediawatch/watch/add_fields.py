"""What a person types to add an article, checked before anything is fetched or stored: the limits, the
fields' names, who may add, and the pure checks of each field. Every problem is said in the person's language
and gathered, so one :class:`~mediawatch.errors.FieldError` names every bad field at once."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from mediawatch.collect.netguard import check_url, policy_for
from mediawatch.errors import FetchError, FieldError
from mediawatch.i18n import ARTICLE_LANGUAGES, number, t, ui_language, unknown_article_language
from mediawatch.i18n.regions import region_name
from mediawatch.identity import host_problem
from mediawatch.store.protocols import AddArticleStore
from mediawatch.types import Region, Role

MAX_TITLE = 500
MAX_OUTLET = 200
MAX_SUMMARY = 5000
MAX_NOTE = 2000
# A date typed before this is a slip of the keyboard (1850, 0224), not an item of the watch: refused with a
# message naming the date field rather than stored where no period or listing would ever show it.
EARLIEST_DATE = datetime(1900, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ManualItem:
    """An item typed by a person, as typed: :func:`~mediawatch.watch.add.add_manual` validates it."""

    title: str
    outlet: str
    date: str  # 2024-05-01, or an ISO datetime
    language: str
    summary: str = ""
    url: str = ""


# The fields a person fills in, named in their language.
FIELD_KEYS = {
    "title": "add.field.title",
    "outlet": "add.field.outlet",
    "date": "add.field.date",
    "language": "add.field.language",
    "summary": "add.field.summary",
    "url": "add.field.url",
    "as": "add.field.as",
    "note": "add.field.note",
    "region": "add.field.region",
}

# Who may add an article: the roles with the review's "edit" permission, as /watch/add requires (this layer
# sits below mediawatch.review, so the roles are named here; a test keeps both lists equal). A
# correspondent's item comes in through mediawatch.watch.submissions, which passes SENDER_ROLES.
ADDER_ROLES = frozenset({Role.EDITOR, Role.APPROVER, Role.ADMIN})
SENDER_ROLES = ADDER_ROLES | {Role.CORRESPONDENT}
_ROLE_KEYS = {
    Role.VIEWER: "review.role.viewer",
    Role.EDITOR: "review.role.editor",
    Role.APPROVER: "review.role.approver",
    Role.ADMIN: "review.role.admin",
    Role.CORRESPONDENT: "correspondents.role.correspondent",
}

# The languages a person may give (the classifier decides among them), named by language_name.
ADDABLE_LANGUAGES = ARTICLE_LANGUAGES


# Problems are gathered as each field's reason alone, and named when raised: by FIELD_KEYS here, by a
# form's labels or a command's options where those call (see relabelled).
def _problem(problems: dict[str, str], name: str, key: str, lang: str, **fields: object) -> None:
    problems[name] = t(key, lang, **fields)


def _shown(value: str, limit: int = 80) -> str:
    """What a person typed, as echoed in a message: on one line and cut, whatever they pasted."""
    text = " ".join(value.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def named_problems(reasons: Mapping[str, str], lang: str, names: Mapping[str, str]) -> dict[str, str]:
    """Each reason after its field's name: "Titre : ne doit pas être vide"."""
    return {
        name: t("add.field_problem", lang, field=names[name], problem=why) for name, why in reasons.items()
    }


def raise_if(problems: dict[str, str], lang: str, field_keys: Mapping[str, str] = FIELD_KEYS) -> None:
    """:class:`FieldError` naming each field by its key in ``field_keys`` when there are ``problems``."""
    if problems:
        named = named_problems(problems, lang, {name: t(field_keys[name], lang) for name in problems})
        raise FieldError(named, t("common.list_separator", lang).join(named.values()), reasons=problems)


def relabelled(exc: FieldError, lang: str | None, labels: Mapping[str, str]) -> FieldError:
    """``exc`` with its fields named as ``labels`` (field -> words) names them: a form by its labels, a
    command by its options. A field without a label, or an error that kept no reasons, is said as it was."""
    if exc.reasons is None:
        return exc
    lang = ui_language(lang)
    named = {
        name: named_problems({name: exc.reasons[name]}, lang, labels)[name]
        if name in labels and name in exc.reasons
        else message
        for name, message in exc.problems.items()
    }
    return FieldError(named, t("common.list_separator", lang).join(named.values()), reasons=exc.reasons)


def language_problem(value: str, lang: str) -> str | None:
    return unknown_article_language(value, lang)


def check_language(problems: dict[str, str], value: str | None, lang: str) -> str | None:
    if value is None or value == "":
        return None
    why = language_problem(value, lang)
    if why is not None:
        problems["language"] = why
        return None
    return value.strip().lower()


def check_region(problems: dict[str, str], value: str | None, lang: str) -> Region | None:
    if not value:
        return None
    try:
        return Region(value.strip().lower())
    except ValueError:
        # named in words, each with the code a command takes: the form's list, the option's values
        known = ", ".join(f"{region_name(r, lang)} ({r.value})" for r in Region)
        _problem(problems, "region", "add.bad_region", lang, value=_shown(value), known=known)
        return None


def parse_date(value: str) -> datetime | None:
    """2024-05-01 (midnight UTC) or an ISO datetime (UTC when it names no offset); None if neither."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_url_syntax(problems: dict[str, str], url: str, lang: str) -> str:
    """The URL stripped, or "" with a problem recorded: only http(s) with a host is fetched or kept."""
    text = url.strip()
    if not text:
        _problem(problems, "url", "add.empty", lang)
        return ""
    try:
        check_url(text, policy_for(True))  # syntax and scheme only: addresses are judged when fetching
    except FetchError:
        host = _malformed_host(text)
        if host:
            _problem(problems, "url", "add.bad_host", lang, value=_shown(url), host=_shown(host))
        else:
            _problem(problems, "url", "add.bad_url", lang, value=_shown(url))
        return ""
    return text


def _malformed_host(url: str) -> str:
    """The host of ``url`` when it is there but no host name at all (``www..example.org``), else ""."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host if host and host_problem(host) else ""


@dataclass(frozen=True, slots=True)
class _Manual:
    title: str
    outlet: str
    published: datetime
    language: str
    summary: str
    url: str


def validate_manual(item: ManualItem, lang: str | None = None, now: datetime | None = None) -> _Manual:
    """The item cleaned, or :class:`FieldError` naming every bad field in ``lang``."""
    lang = ui_language(lang)
    problems: dict[str, str] = {}
    clean = check_manual(problems, item, lang, now or datetime.now(UTC))
    raise_if(problems, lang)
    assert clean is not None
    return clean


def check_manual(problems: dict[str, str], item: ManualItem, lang: str, now: datetime) -> _Manual | None:
    """The item cleaned, or None with each bad field's reason in ``problems``."""
    title = " ".join(item.title.split())
    if not title:
        _problem(problems, "title", "add.empty", lang)
    elif len(title) > MAX_TITLE:
        _problem(problems, "title", "add.too_long", lang, limit=number(MAX_TITLE, lang))
    outlet = " ".join(item.outlet.split())
    if not outlet:
        _problem(problems, "outlet", "add.empty", lang)
    elif len(outlet) > MAX_OUTLET:
        _problem(problems, "outlet", "add.too_long", lang, limit=number(MAX_OUTLET, lang))
    published = parse_date(item.date) if item.date.strip() else None
    if not item.date.strip():
        _problem(problems, "date", "add.empty", lang)
    elif published is None:
        _problem(problems, "date", "add.bad_date", lang, value=_shown(item.date))
    elif published > now + timedelta(days=1):
        _problem(problems, "date", "add.future_date", lang, value=_shown(item.date))
    elif published < EARLIEST_DATE:
        earliest = EARLIEST_DATE.date().isoformat()
        _problem(problems, "date", "add.too_old_date", lang, value=_shown(item.date), earliest=earliest)
    if not item.language.strip():
        _problem(problems, "language", "add.empty", lang)
    language = check_language(problems, item.language, lang) or ""
    summary = item.summary.strip()
    if len(summary) > MAX_SUMMARY:
        _problem(problems, "summary", "add.too_long", lang, limit=number(MAX_SUMMARY, lang))
    url = check_url_syntax(problems, item.url, lang) if item.url.strip() else ""
    if problems or published is None:
        return None
    return _Manual(title, outlet, published, language, summary, url)


def check_adder(
    store: AddArticleStore, name: str, lang: str | None = None, roles: Collection[Role] = ADDER_ROLES
) -> None:
    """:class:`FieldError` unless ``name`` is a registered, enabled user whose role is one of ``roles``."""
    lang = ui_language(lang)
    problems: dict[str, str] = {}
    _check_adder(problems, store, name, lang, roles)
    raise_if(problems, lang)


def _check_adder(
    problems: dict[str, str], store: AddArticleStore, added_by: str, lang: str, roles: Collection[Role]
) -> None:
    name = added_by.strip()
    user = store.user(name) if name else None
    if not name:
        _problem(problems, "as", "add.empty", lang)
    elif user is None:
        _problem(problems, "as", "add.unknown_user", lang, user=_shown(name))
    elif not user.active:
        _problem(problems, "as", "add.disabled_user", lang, user=user.name)
    elif user.role not in roles:
        role = t(_ROLE_KEYS[user.role], lang)
        _problem(problems, "as", "add.role_not_allowed", lang, user=user.name, role=role)


def check_common(
    store: AddArticleStore,
    added_by: str,
    note: str,
    problems: dict[str, str],
    lang: str,
    roles: Collection[Role],
) -> None:
    """The person adding, whoever calls (the CLI's ``--as``, a form, a correspondent's item), checked
    before any request: see :func:`check_adder`; and the note's length."""
    _check_adder(problems, store, added_by, lang, roles)
    if len(note) > MAX_NOTE:
        _problem(problems, "note", "add.too_long", lang, limit=number(MAX_NOTE, lang))
