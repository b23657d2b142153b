"""Settings: defaults < TOML config file < MEDIAWATCH_* environment < command-line options."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from mediawatch.errors import ConfigError

DEFAULT_DB_PATH = Path.home() / ".local" / "share" / "mediawatch" / "mediawatch.sqlite3"
DEFAULT_MODEL_PATH = DEFAULT_DB_PATH.parent / "relevance-model.npz"
DEFAULT_CONFIG_PATH = Path.home() / ".config" / "mediawatch" / "config.toml"


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
    taxonomy_dir: str = ""  # "" : the taxonomy shipped in mediawatch/classify/taxonomy
    model_path: str = ""  # learned relevance model; "" : relevance-model.npz beside the default database
    blend_weight: float = 0.5  # share of the learned model in the relevance score, when a model exists
    story_window_days: int = 14  # stories never join articles further apart than this

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
        raise ConfigError(f"{origin}: {name} must be true or false, got {raw!r}")
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{origin}: {name} must be a {kind.__name__}, got {raw!r}") from None


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
            raise ConfigError(f"{path}: {exc}") from None
        flat = {k: v for k, v in data.items() if not isinstance(v, dict)}
        flat.update(data.get("collect", {}))
        for key, raw in flat.items():
            name = key.replace("-", "_")
            if name not in names:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            values[name] = _coerce(name, raw, getattr(defaults, name), str(path))
    elif config_path:
        raise ConfigError(f"config file not found: {config_path}")
    for name in names:
        raw = env.get(f"MEDIAWATCH_{name.upper()}")
        if raw is not None:
            values[name] = _coerce(name, raw, getattr(defaults, name), f"MEDIAWATCH_{name.upper()}")
    return replace(defaults, **values)


def model_file(settings: Settings) -> Path:
    return Path(settings.model_path).expanduser() if settings.model_path else DEFAULT_MODEL_PATH


def database_url(db: str) -> str:
    """Turn a --db value (a URL or a file path) into an SQLAlchemy URL."""
    if not db:
        DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DEFAULT_DB_PATH}"
    if "://" in db:
        return db
    path = Path(db).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"
