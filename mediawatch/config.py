"""Settings: defaults < TOML config file < MEDIAWATCH_* environment < command-line options."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import url as sa_url
from sqlalchemy.exc import ArgumentError

from mediawatch.errors import ConfigError, InvalidInput, StorageError
from mediawatch.i18n import Message, said
from mediawatch.i18n.toml_errors import toml_error
from mediawatch.identity import host_problem

DEFAULT_DB_PATH = Path.home() / ".local" / "share" / "mediawatch" / "mediawatch.sqlite3"
MODEL_SUFFIX = ".relevance-model.npz"
DEFAULT_MODEL_PATH = DEFAULT_DB_PATH.with_name(DEFAULT_DB_PATH.stem + MODEL_SUFFIX)
DEFAULT_CONFIG_PATH = Path.home() / ".config" / "mediawatch" / "config.toml"


# The web app's address for a trial on one machine: what base_url is until it is set. `mediawatch serve`
# puts the address it listens on in its place (docs/design.md, "The default base_url follows serve").
LOCAL_BASE_URL = "http://127.0.0.1:8000"


def base_url_unset(value: str) -> bool:
    """True when ``base_url`` was never set: empty, or still the trial default."""
    return value.strip() in ("", LOCAL_BASE_URL)


@dataclass(frozen=True, slots=True)
class Settings:
    db: str = ""  # SQLAlchemy URL or a file path; "" means DEFAULT_DB_PATH
    feeds_dir: str = "feeds"
    user_agent: str = "mediawatch/0.1 (+https://github.com/mediawatch/mediawatch; media watch bot)"
    allow_private_addresses: bool = False
    concurrency: int = 32  # requests in flight across all hosts
    per_host_delay: float = 1.0  # seconds between two requests to one host
    penalty_delay: float = 30.0  # seconds to wait on a host after 429/503 without Retry-After
    max_retry_after: float = 600.0  # a longer Retry-After skips the host for this run
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 45.0  # caps a slow drip
    max_feed_bytes: int = 10 * 1024 * 1024
    max_page_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    respect_robots: bool = True
    fetch_pages: bool = True  # False: poll feeds and store entries only (pages stay pending)
    max_new_items_per_feed: int = 200
    unconditional_every: int = 3  # every Nth poll ignores validators, to catch servers that lie
    backoff_base_hours: float = 1.0
    backoff_max_hours: float = 24.0
    stale_days: int = 14
    title_dup_window_hours: int = 72
    extract_workers: int = 0  # 0: one per core
    # Budgets (issue 12): one document, one host or one server never holds the night.
    parse_cpu_seconds: float = 20.0  # CPU time one feed document may cost to parse
    extract_cpu_seconds: float = 20.0  # CPU time one page may cost to extract
    extract_timeout: float = 120.0  # wall time before a worker stuck on one page is killed
    host_budget_seconds: float = 900.0  # time one host's pages may take in a run; the rest is deferred
    run_budget_seconds: float = 5400.0  # time a run may spend on pages; the rest is deferred
    taxonomy_dir: str = ""  # "" : the taxonomy shipped in mediawatch/classify/taxonomy
    model_path: str = ""  # learned relevance model; "": a file of its own for each database (model_file)
    blend_weight: float = 0.6  # share of the learned model in the relevance score, when a model exists
    story_window_days: int = 14  # stories never join articles further apart than this
    # [compose]
    compose_languages: str = "fr,en,es"  # editions of a new issue
    compose_newsletter_per_section: int = 3
    compose_newsletter_max_items: int = 12
    compose_press_review_per_section: int = 15
    compose_press_review_max_items: int = 60
    compose_period_days: int = 7  # default period when --from is not given
    compose_min_relevance: float = 0.5
    # [translate]
    translate_provider: str = "none"  # none | libretranslate | google | deepl | mymemory
    translate_url: str = ""
    translate_api_key: str = ""
    translate_timeout: float = 10.0
    # [render]
    issues_dir: str = "issues"  # archive of rendered editions
    site_url: str = ""  # public URL of the archive, for the Atom feeds ("" : relative links)
    organisation: str = "4 per 1000"  # shown in headers and footers
    templates_dir: str = ""  # email templates (jinja2 + MJML); "" : templates/ of the repository
    # [review] and [web]
    base_url: str = LOCAL_BASE_URL  # public URL of the web app (preview, preference links)
    secret_key: str = ""  # signs links and sessions; "" : a key kept beside the database
    four_eyes: bool = True  # the author of the last change cannot approve it
    # reverse proxies whose X-Forwarded-For/-Proto are believed: "127.0.0.1,::1" or CIDR networks
    trusted_proxies: str = ""
    web_workers: int = 2  # `mediawatch serve`: processes (gunicorn workers)
    web_threads: int = 4  # threads in each process
    # [deliver]
    smtp_url: str = ""  # smtp://user:pass@host:port, smtps://..., ?starttls=1
    smtp_end_timeout: float = 600.0  # seconds to wait for the reply after the end of data (RFC 5321)
    # links in mail may point to loopback/private hosts or plain http (tests and the demo only)
    allow_private_links: bool = False
    mail_from: str = ""  # MEDIAWATCH_FROM
    reply_to: str = ""
    send_rate: float = 50.0  # messages per second, steady
    send_max_attempts: int = 8  # tries of one message on 4xx answers before it counts as failed
    send_retry_base: float = 60.0  # seconds before the first retry; doubles each time, at most an hour
    unsubscribe_address: str = ""  # mailto: of List-Unsubscribe; "" : the mail_from address
    dkim_key_file: str = ""  # PEM private key; DKIM signing is on when this and dkim_selector are set
    dkim_selector: str = ""
    dkim_domain: str = ""  # "" : the domain of mail_from
    # [nightly]
    # when a draft is due: off | daily | weekly:<mon..sun> | monthly:<1-28>
    nightly_press_review: str = "weekly:mon"
    nightly_newsletter: str = "monthly:1"
    nightly_timezone: str = "UTC"  # the day boundaries of the cadences (IANA name, e.g. Europe/Paris)
    nightly_editors: str = ""  # who is told about new drafts and failing sources: "a@x.org,b@y.org"
    nightly_editors_lang: str = ""  # language of that email (fr, en, es); "" : the interface language
    # drafts are rendered here, not in issues_dir (whose index and feeds are public)
    nightly_drafts_dir: str = "drafts"
    # with a broker ([cluster]): how long the night run waits for the workers to finish its collect run;
    # then it goes on with what they collected so far, and they go on with the run
    nightly_collect_wait_seconds: float = 3 * 3600.0
    # the nightly job retrains the learned relevance model (as `mediawatch retrain`) when the editors made at
    # least this many decisions since the model in use learnt; 0: never (only `mediawatch retrain` does)
    nightly_retrain_after: int = 20
    # [watch] saved watches: the team's digest language, and when a day's matches make a spike alert:
    # count >= max(watch_spike_minimum, watch_spike_factor x the daily mean of the watch_spike_days before)
    watch_team_language: str = "en"
    watch_spike_factor: float = 3.0
    watch_spike_minimum: int = 5
    watch_spike_days: int = 14
    log_file: str = ""  # JSON lines, rotated; "" : stderr (journald under systemd)
    log_max_bytes: int = 5 * 1024 * 1024
    log_backups: int = 5
    # [cluster] (docs/operations.md): "" keeps collection in this one process
    broker_url: str = ""  # redis://host:6379/0: `collect` enqueues, `mediawatch worker` processes do the work
    worker_heartbeat_seconds: float = 60.0  # a worker silent this long is dead: its tasks run again
    broker_maintenance_chance: int = 1000  # broker commands in a million that look for dead workers' tasks

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off", ""}


def _coerce(name: str, raw: Any, target: Any, origin: str) -> Any:
    kind = type(target)
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _BOOL_TRUE:
            return True
        if text in _BOOL_FALSE:
            return False
        raise said(ConfigError, "config.not_boolean", origin=origin, name=name, value=raw)
    try:
        return kind(raw)
    except (TypeError, ValueError):
        expected = Message(_KIND_KEYS.get(kind, "config.kind.text"))
        raise said(
            ConfigError, "config.wrong_kind", origin=origin, name=name, kind=expected, value=raw
        ) from None


# Literal keys (the i18n scans read them): what a setting of each type must be, in words.
_KIND_KEYS = {int: "config.kind.int", float: "config.kind.float"}


# Sections whose keys are prefixed with the section name ([translate] provider -> translate_provider,
# [watch] spike_factor -> watch_spike_factor);
# [collect], [classify], [render], [review], [web] and [deliver] keys are plain names.
_PREFIXED_SECTIONS = ("compose", "translate", "watch")
_PLAIN_SECTIONS = ("collect", "classify", "render", "review", "web", "deliver", "nightly", "cluster")


def _config_items(data: dict[str, Any], path: Path) -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in data.items():
        if not isinstance(value, dict):
            items.append((key, value))
        elif key in _PREFIXED_SECTIONS:
            items.extend((f"{key}_{sub}", raw) for sub, raw in value.items())
        elif key in _PLAIN_SECTIONS:
            items.extend(value.items())
        else:
            known = ", ".join(f"[{name}]" for name in (*_PLAIN_SECTIONS, *_PREFIXED_SECTIONS))
            raise said(ConfigError, "config.unknown_section", path=path, section=f"[{key}]", known=known)
    return items


def parse_timezone(name: str) -> ZoneInfo:
    """The zone ``nightly_timezone`` names: where the midnights that end periods are, for the nightly's
    cadences and for the days an issue's slug and title count (compose, the CLI)."""
    try:
        return ZoneInfo((name or "UTC").strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name that is a folder of zones
        raise InvalidInput(
            Message("nightly.setting.bad_timezone", setting="nightly_timezone", value=name)
        ) from None


def team_zone(settings: Settings) -> ZoneInfo:
    """The team's zone (``nightly_timezone``), whose days name an issue's period wherever it is said: the
    CLI, the web pages, the editions, the archive and the nightly's mail."""
    return parse_timezone(settings.nightly_timezone)


def load_settings(config_path: str | None = None, env: dict[str, str] | None = None) -> Settings:
    """Build settings from the config file ([collect] and top-level keys) and MEDIAWATCH_* variables."""
    env = dict(os.environ) if env is None else env
    defaults = Settings()
    values: dict[str, Any] = {}
    names = {f.name for f in fields(Settings)}
    path = Path(config_path or env.get("MEDIAWATCH_CONFIG") or DEFAULT_CONFIG_PATH)
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise said(ConfigError, "config.invalid_toml", path=path, detail=toml_error(exc)) from None
        for key, raw in _config_items(data, path):
            name = key.replace("-", "_")
            if name not in names:
                raise said(ConfigError, "config.unknown_setting", path=path, name=key)
            values[name] = _coerce(name, raw, getattr(defaults, name), str(path))
    elif config_path:
        raise said(ConfigError, "config.not_found", path=config_path)
    if "MEDIAWATCH_FROM" in env and "MEDIAWATCH_MAIL_FROM" not in env:
        values["mail_from"] = env["MEDIAWATCH_FROM"]
    origins = dict.fromkeys(values, str(path))  # where each setting was given, to name it in a refusal
    for name in names:
        raw = env.get(f"MEDIAWATCH_{name.upper()}")
        if raw is not None:
            values[name] = _coerce(name, raw, getattr(defaults, name), f"MEDIAWATCH_{name.upper()}")
            origins[name] = f"MEDIAWATCH_{name.upper()}"
    for name, origin in origins.items():
        _check_address(name, values[name], origin)
    return replace(defaults, **values)


# Settings holding an address: the web app's and the archive's must be absolute http(s) URLs (every link
# built from them would lead nowhere otherwise); every host must be one a resolver accepts, so a typo is
# refused when the settings are read rather than at connect time, in the middle of a run.
_WEB_ADDRESSES = ("base_url", "site_url")
_HOST_ADDRESSES = ("smtp_url",)


def _check_address(name: str, value: object, origin: str) -> None:
    if name not in _WEB_ADDRESSES + _HOST_ADDRESSES or not isinstance(value, str) or not value.strip():
        return
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname or ""
    except ValueError:  # a malformed IPv6 literal
        parts, host = None, ""
    if name in _WEB_ADDRESSES and (
        parts is None or parts.scheme.lower() not in ("http", "https") or not host
    ):
        raise said(ConfigError, "config.not_an_address", origin=origin, name=name, value=value)
    if host and host_problem(host):
        raise said(ConfigError, "config.bad_host", origin=origin, name=name, value=value)


def model_file(settings: Settings) -> Path:
    """Where the learned relevance model of this installation lives: ``model_path`` when set, else a file
    keyed to the database, so two installations never share (and overwrite) one model.

    An SQLite database ``/srv/x/watch.sqlite3`` keeps ``/srv/x/watch.relevance-model.npz`` beside it; any
    other database (PostgreSQL, an in-memory SQLite) gets ``relevance-model-<backend>-<key>.npz`` in the
    default data folder, ``<key>`` a hash of its URL without the password.
    """
    if settings.model_path:
        return Path(settings.model_path).expanduser()
    database = sqlite_file(settings.db)
    if database is not None:
        return _beside(database)
    import hashlib

    url = _parse_url(settings.db)
    # Who and where, not the password: changing a password keeps the model, and no file name reveals it.
    backend = url.get_backend_name()
    identity = f"{backend}://{url.username or ''}@{url.host or ''}:{url.port or ''}/{url.database or ''}"
    key = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]
    return DEFAULT_DB_PATH.parent / f"relevance-model-{backend}-{key}.npz"


def _beside(database: Path) -> Path:
    return database.with_name(database.stem + MODEL_SUFFIX)


def sqlite_file(db: str) -> Path | None:
    """The SQLite file a --db value (a path or a URL; empty: the default) names; None for any other
    database, an in-memory SQLite included. The files kept beside the database are placed from this."""
    if not db:
        return DEFAULT_DB_PATH
    if "://" not in db:
        return Path(db).expanduser().resolve()
    url = _parse_url(db)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve()
    return None


def secret_key_file(settings: Settings) -> Path | None:
    """Where a generated secret key is kept: ``<database>.secret-key`` beside the SQLite file; None for
    other databases (``secret_key`` must then be set)."""
    database = sqlite_file(settings.db)
    return None if database is None else database.with_name(database.name + ".secret-key")


def _parse_url(db: str) -> sa_url.URL:
    try:
        return sa_url.make_url(db)
    except ArgumentError:
        raise said(ConfigError, "config.not_a_database_url", value=db.split("@")[-1]) from None


# postgresql:// and postgres:// mean psycopg 3, the driver of the `postgresql` extra; SQLAlchemy's own
# default for them is psycopg2, which mediawatch neither installs nor tests.
_PG_SCHEMES = ("postgresql", "postgres")
_PASSWORD = re.compile(r"(?P<head>://[^:/?#@]*:)[^@/?#]*@")


def database_url(db: str) -> str:
    """Turn a --db value (a URL or a file path) into an SQLAlchemy URL."""
    if not db:
        DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DEFAULT_DB_PATH}"
    if "://" in db:
        scheme, rest = db.split("://", 1)
        if scheme.lower() in _PG_SCHEMES:
            return f"postgresql+psycopg://{rest}"
        url = _parse_url(db)
        if url.get_backend_name() == "sqlite":
            name = url.database or ""
            if not name or name == ":memory:" or "mode=memory" in db or name.startswith("file::memory:"):
                # Gone when the command ends: `users add` said "added" and the next command saw nothing.
                raise _unusable("store.db_in_memory", url=masked_url(db))
            _check_folder(Path(name).expanduser().resolve())
        return db
    path = Path(db).expanduser().resolve()
    _check_folder(path)
    if path.is_dir():
        raise said(ConfigError, "config.database_is_folder", path=path)
    return f"sqlite:///{path}"


def _check_folder(path: Path) -> None:
    """An SQLite file is created on first use, but never its folder: a typo in the path must not start a
    new, empty database somewhere (the default path's folder is the one made when missing)."""
    if path.parent.exists() and not path.parent.is_dir():
        raise _unusable("store.db_folder_is_file", path=str(path), folder=str(path.parent))
    if not path.parent.is_dir():
        raise _unusable("store.db_folder_missing", path=str(path), folder=str(path.parent))


def _unusable(key: str, **fields: object) -> StorageError:
    from mediawatch.i18n import Message  # the catalogues' module imports this one

    error = StorageError(Message(key, **fields).text("en"))
    error.reason = Message(key, **fields)
    return error


def masked_url(url: str) -> str:
    """The database URL as it may be shown (messages, logs): its password replaced by ``***``."""
    if "://" not in url:
        return url  # a file path holds no credentials
    try:
        return sa_url.make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # unparsable (a bad port...): mask what looks like a password
        return _PASSWORD.sub(r"\g<head>***@", url)


SHORT_PASSWORD = 4  # shorter passwords are masked only where they stand alone (see _standing_alone)


def scrub_password(text: str, url: str) -> str:
    """``text`` (a driver's error, say) with the password of ``url`` removed, however it was quoted."""
    try:
        password = sa_url.make_url(url).password if "://" in url else None
    except (ArgumentError, ValueError):
        match = _PASSWORD.search(url)
        password = match.group(0)[len(match.group("head")) : -1] if match else None
    if password:
        text = text.replace(url, masked_url(url))
        for form in {str(password), quote(str(password), safe="")}:
            text = re.sub(_standing_alone(form), "***", text)
    return text


def _standing_alone(form: str) -> str:
    """Where to mask ``form``: everywhere when it is long enough not to turn up by chance; a short one
    ("p") only where it is not part of a longer word, so it never eats the "p" of "port" and makes the
    message unreadable, while "p" after "password=" or before "@" is still masked."""
    if len(form) >= SHORT_PASSWORD:
        return re.escape(form)
    before = r"(?<![0-9A-Za-z])" if form[0].isalnum() else ""
    after = r"(?![0-9A-Za-z])" if form[-1].isalnum() else ""
    return before + re.escape(form) + after
