"""The jinja2 environment of templates/: sandboxed, autoescaped, strict, with per-language filters.

Editor text (titles, summaries, blocks) reaches templates only as *data*: it is never compiled, so
``{{ 7*7 }}`` in a summary stays those nine characters. The environment is sandboxed anyway, because the
templates themselves are edited by the team (docs/render.md), and immutable, so a template cannot change
the data it is given. Autoescaping is on for every markup template (``*.mjml.j2``, ``*.html.j2``); the
plain-text part (``*.txt.j2``) is not HTML and is not escaped.
"""

from __future__ import annotations

import functools
import os
import textwrap
import time
import traceback
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from mediawatch.config import Settings
from mediawatch.errors import RenderError, TranslationError
from mediawatch.i18n import said
from mediawatch.i18n.dates import format_date, format_half_open, iso_date
from mediawatch.render.model import shorten

# templates/ at the top of the repository (the package is installed in editable mode; a copy elsewhere is
# chosen with the templates_dir setting / MEDIAWATCH_TEMPLATES_DIR).
SHIPPED_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

_MARKUP_SUFFIXES = (".mjml.j2", ".html.j2", ".xml.j2")


def templates_dir(settings: Settings) -> Path:
    path = Path(settings.templates_dir).expanduser() if settings.templates_dir else SHIPPED_TEMPLATES
    if not path.is_dir():
        raise said(RenderError, "render.refused.templates_folder", folder=str(path))
    return path.resolve()


def _autoescape(name: str | None) -> bool:
    return name is not None and name.endswith(_MARKUP_SUFFIXES)


def _lang(ctx: jinja2.runtime.Context) -> str:
    return str(ctx.get("lang", "en"))


@jinja2.pass_context
def _date_filter(ctx: jinja2.runtime.Context, value: datetime | None, long: bool = False) -> str:
    return format_date(value, _lang(ctx), long=long)


@jinja2.pass_context
def _period_filter(ctx: jinja2.runtime.Context, issue: Any) -> str:
    # "zone": the team's nightly_timezone, given by whoever renders, so a template says the title's days
    return format_half_open(issue.period_from, issue.period_to, _lang(ctx), ctx.get("zone"))


def wrap(text: str, width: int = 72, indent: str = "", first: str | None = None) -> str:
    """Plain-text paragraphs wrapped at ``width``, lines indented by ``indent`` (``first`` for the very
    first line, e.g. a bullet); long words and URLs are never split."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        if not paragraph.strip():
            lines.append("")
            continue
        lines.extend(
            textwrap.wrap(
                paragraph,
                width=width,
                initial_indent=indent if lines or first is None else first,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)


# A file is trusted unchanged while its stat stays the same only once it is older than this: within the
# clock's granularity a second write can leave the same size and times (git's "racily clean" entries).
SETTLED_NS = 2_000_000_000

FileStamp = tuple[int, int, int, int]


def file_stamp(path: str) -> tuple[FileStamp, bool]:
    """What stat says of a file (inode, size, mtime, ctime: a rewrite changes the ctime even when a copy
    keeps the mtime) and whether it is settled, i.e. old enough for the stamp to be trusted."""
    stat = os.stat(path)
    stamp = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    return stamp, time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > SETTLED_NS


class _StampedLoader(jinja2.FileSystemLoader):
    """jinja2's loader reloads a template when its mtime changes; this one when its stamp does, and every
    time while it is not settled. A file replaced keeping its mtime (``cp -p``, ``rsync -a``) or written
    twice within the clock's granularity would otherwise be rendered from its old text, and the remembered
    fingerprints (render.memo), keyed by the files' contents, would take that old rendering for the new."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, _mtime_only = super().get_source(environment, template)
        stamp, settled = file_stamp(filename)

        def uptodate() -> bool:
            try:
                return settled and file_stamp(filename)[0] == stamp
            except OSError:
                return False

        return source, filename, uptodate


@functools.lru_cache(maxsize=8)
def environment(folder: str) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=_StampedLoader(folder),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,  # a misspelt variable is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        date=_date_filter,
        period=_period_filter,
        isodate=iso_date,
        shorten=shorten,
        wrap=wrap,
    )
    return env


def _template_line(exc: BaseException, name: str) -> RenderError:
    """The error naming the innermost template frame of a runtime error (``newsletter.mjml.j2, line 12``),
    else the template rendered; jinja2's own words stay as they are."""
    where: tuple[str, int] | None = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(".j2") and frame.lineno is not None:
            where = (Path(frame.filename).name, frame.lineno)
    detail = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
    if where is None:
        return said(RenderError, "render.refused.template", template=name, detail=detail)
    return said(RenderError, "render.refused.template_line", template=where[0], line=where[1], detail=detail)


def render_template(folder: Path, name: str, context: Mapping[str, Any]) -> str:
    """Render one template; any template problem becomes a RenderError naming the file and line."""
    env = environment(str(folder))
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        raise said(
            RenderError, "render.refused.template_missing", template=exc.name, folder=str(folder)
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise said(
            RenderError,
            "render.refused.template_line",
            template=exc.name or name,
            line=exc.lineno,
            detail=exc.message or "",
        ) from None
    # undefined variables, sandbox refusals; t() of a bad key
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError, TranslationError) as exc:
        raise _template_line(exc, name) from None
