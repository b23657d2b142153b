"""The web archive: rendered editions on disk, an index page and an Atom feed per language.

Layout (``issues_dir``, default ``issues/``)::

    index.html                     language chooser
    index.fr.html  index.en.html  index.es.html      every issue with an edition in that language
    feed.fr.atom   feed.en.atom   feed.es.atom       the latest issues, Atom 1.0
    (one index and one feed for each language of ``compose_languages`` and each language published, an
    empty one saying so until that language's first edition)
    2026/press-review-2026-w47/fr.html  fr.txt  en.html ...  issue.json
                               fr.pdf ...  with ``render --pdf`` (render/pdf.py)

``issue.json`` records what was rendered (subjects, preheaders, fingerprints, and whether the issue was
published); the index pages and feeds are rebuilt from every ``issue.json`` under the folder, so the
archive describes itself and a folder removed by hand drops out of the index at the next render.

The archive is public: only an approved issue (approved, scheduled, sending or sent) is rendered into it.
An issue still in draft or review is rendered into the drafts folder (``nightly_drafts_dir``, default
``drafts/``), which editors read and nobody serves; rendering it into the archive is refused, and the
archive's index pages and feeds list published issues only. Every file is written atomically (a temporary
file in the same folder, then a rename): a reader never sees half a page. Archived copies are rendered
without personal links, and the checks refuse one that has any.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mediawatch.compose.issues import find_issue
from mediawatch.config import Settings, team_zone
from mediawatch.errors import RenderError
from mediawatch.files import WriteProblem, replace_file
from mediawatch.i18n import LANGUAGES, Message, language_names, said, t
from mediawatch.i18n.dates import format_half_open, last_day
from mediawatch.i18n.publications import publication_name
from mediawatch.i18n.states import ISSUE_STATE_KEYS
from mediawatch.render.edition import fingerprint, render_edition
from mediawatch.render.environment import render_template, templates_dir
from mediawatch.render.model import clean_line, edition_path, issue_year, organisation_name
from mediawatch.render.pdf import print_edition
from mediawatch.render.result import RenderedEdition
from mediawatch.store.protocols import IssueReader
from mediawatch.types import Issue, IssueState, Publication

log = logging.getLogger("mediawatch.render")

MANIFEST = "issue.json"
SAFE_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")
# What may be read by the public: an issue review approved, on its way out, or sent.
PUBLISHED_STATES = frozenset({IssueState.APPROVED, IssueState.SCHEDULED, IssueState.SENDING, IssueState.SENT})
DEFAULT_DRAFTS_DIR = "drafts"
FEED_ENTRIES = 50  # the newest issues a feed lists; the index pages list them all
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"


@dataclass(frozen=True, slots=True)
class ArchivedEdition:
    language: str
    subject: str
    preheader: str
    fingerprint: str
    pdf: bool = False  # <lang>.pdf was printed beside the HTML (render --pdf)


@dataclass(frozen=True, slots=True)
class ArchivedIssue:
    """One issue as its ``issue.json`` describes it."""

    slug: str
    year: int
    publication: Publication
    period_from: datetime
    period_to: datetime
    editions: tuple[ArchivedEdition, ...]
    published: bool = True  # a manifest written before drafts were kept apart says nothing: it was

    def edition(self, language: str) -> ArchivedEdition | None:
        return next((e for e in self.editions if e.language == language), None)


@dataclass(frozen=True, slots=True)
class IndexLink:
    language: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One issue on a language's index page."""

    slug: str
    publication_name: str
    period: str
    subject: str
    preheader: str
    html_url: str
    text_url: str
    pdf_url: str  # "" when the edition was not printed
    date: str  # ISO date of the period's last day, the one its words end on
    others: tuple[IndexLink, ...]


# -- writing --------------------------------------------------------------------------------------------
def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` through a temporary file and a rename."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, lambda out: out.write(raw), mode=0o644)  # the archive is meant to be served
    except OSError as exc:
        raise said(RenderError, "file.cannot_write", path=str(path), reason=WriteProblem(exc, path)) from None
    return path


def remove_stale(path: Path) -> None:
    """Remove a file an earlier render wrote that this one does not replace (a missing one is fine)."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise said(RenderError, "file.cannot_write", path=str(path), reason=WriteProblem(exc, path)) from None


# -- manifests ------------------------------------------------------------------------------------------
def _manifest_data(issue: ArchivedIssue) -> dict[str, Any]:
    return {
        "slug": issue.slug,
        "year": issue.year,
        "publication": issue.publication.value,
        "period_from": issue.period_from.astimezone(UTC).isoformat(),
        "period_to": issue.period_to.astimezone(UTC).isoformat(),
        "editions": {
            e.language: {"subject": e.subject, "preheader": e.preheader, "fingerprint": e.fingerprint}
            | ({"pdf": True} if e.pdf else {})
            for e in issue.editions
        },
        "published": issue.published,
    }


def read_manifest(path: Path) -> ArchivedIssue:
    data = json.loads(path.read_text(encoding="utf-8"))
    # A manifest is input (hand-edited, or older than the render's cleaning): its words go into XML and
    # UTF-8 files, so they get the same cleaning as a rendered subject.
    editions = tuple(
        ArchivedEdition(
            lang,
            clean_line(str(e["subject"])),
            clean_line(str(e["preheader"])),
            str(e["fingerprint"]),
            bool(e.get("pdf", False)),
        )
        for lang, e in sorted(data["editions"].items())
    )
    return ArchivedIssue(
        slug=str(data["slug"]),
        year=int(data["year"]),
        publication=Publication(data["publication"]),
        period_from=datetime.fromisoformat(data["period_from"]),
        period_to=datetime.fromisoformat(data["period_to"]),
        editions=editions,
        published=bool(data.get("published", True)),
    )


def archived_issues(root: Path) -> list[ArchivedIssue]:
    """Every issue under ``root``, newest period first; an unreadable manifest is skipped with a warning."""
    found = []
    for path in sorted(root.glob(f"*/*/{MANIFEST}")):
        try:
            found.append(read_manifest(path))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("skipping %s in the archive index: %s", path, exc)
    found.sort(key=lambda i: (i.period_to, i.period_from, i.slug), reverse=True)
    return found


# -- index pages and feeds ------------------------------------------------------------------------------
def _url(settings: Settings, path: str) -> str:
    base = settings.site_url.strip().rstrip("/")
    return f"{base}/{path}" if base else path


def _entries(issues: Sequence[ArchivedIssue], lang: str, settings: Settings) -> list[IndexEntry]:
    entries = []
    zone = team_zone(settings)  # the days the editions' titles say
    for issue in issues:
        edition = issue.edition(lang)
        if edition is None:
            continue
        others = tuple(
            IndexLink(
                e.language,
                t("render.archive.language_name", e.language),
                _url(settings, edition_path(issue.year, issue.slug, e.language)),
            )
            for e in issue.editions
            if e.language != lang and e.language in LANGUAGES
        )
        pdf_url = _url(settings, edition_path(issue.year, issue.slug, lang, "pdf")) if edition.pdf else ""
        entries.append(
            IndexEntry(
                slug=issue.slug,
                publication_name=publication_name(issue.publication, lang),
                period=format_half_open(issue.period_from, issue.period_to, lang, zone),
                subject=edition.subject,
                preheader=edition.preheader,
                html_url=_url(settings, edition_path(issue.year, issue.slug, lang)),
                text_url=_url(settings, edition_path(issue.year, issue.slug, lang, "txt")),
                pdf_url=pdf_url,
                date=last_day(issue.period_from, issue.period_to, zone).isoformat(),
                others=others,
            )
        )
    return entries


def _translator(lang: str) -> Any:
    def translate(key: str, /, **fields: object) -> str:
        return t(key, lang, **fields)

    return translate


def index_page(
    issues: Sequence[ArchivedIssue], lang: str, languages: Sequence[str], settings: Settings
) -> str:
    context = {
        "lang": lang,
        "t": _translator(lang),
        "zone": team_zone(settings),
        "organisation": organisation_name(settings, lang),
        "entries": _entries(issues, lang, settings),
        "feed_url": _url(settings, f"feed.{lang}.atom"),
        "languages": [
            IndexLink(code, t("render.archive.language_name", code), _url(settings, f"index.{code}.html"))
            for code in languages
        ],
    }
    return render_template(templates_dir(settings), "archive/index.html.j2", context)


def chooser_page(languages: Sequence[str], settings: Settings) -> str:
    choices = [
        {
            "language": code,
            "name": t("render.archive.language_name", code),
            "prompt": t("render.archive.choose_language", code),
            "title": t("render.archive.title", code, organisation=organisation_name(settings, code)),
            "url": _url(settings, f"index.{code}.html"),
        }
        for code in languages
    ]
    context = {"lang": languages[0] if languages else "en", "choices": choices}
    return render_template(templates_dir(settings), "archive/languages.html.j2", context)


def _atom_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _atom_id(settings: Settings, *parts: str) -> str:
    # Stable whatever site_url becomes: a name-based UUID of the organisation and the entry.
    return uuid.uuid5(uuid.NAMESPACE_URL, "mediawatch:" + ":".join((settings.organisation, *parts))).urn


def atom_feed(issues: Sequence[ArchivedIssue], lang: str, settings: Settings) -> str:
    """Atom 1.0 feed of the newest issues with a ``lang`` edition; ``updated`` is each period's end, so the
    same archive always gives the same bytes."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    organisation = organisation_name(settings, lang)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {f"{{{XML_NS}}}lang": lang})
    sub(feed, "id", _atom_id(settings, "feed", lang))
    sub(feed, "title", clean_line(t("render.archive.feed_title", lang, organisation=organisation)))
    with_edition = [i for i in issues if i.edition(lang) is not None][:FEED_ENTRIES]
    newest = max((i.period_to for i in with_edition), default=datetime(2000, 1, 1, tzinfo=UTC))
    sub(feed, "updated", _atom_time(newest))
    author = sub(feed, "author")
    sub(author, "name", organisation)
    # always: without site_url it is relative to the archive's root, like every other link of the archive
    sub(feed, "link", rel="self", type="application/atom+xml", href=_url(settings, f"feed.{lang}.atom"))
    sub(feed, "link", rel="alternate", type="text/html", href=_url(settings, f"index.{lang}.html"))
    sub(feed, "generator", "mediawatch")
    for issue in with_edition:
        edition = issue.edition(lang)
        assert edition is not None
        entry = sub(feed, "entry")
        sub(entry, "id", _atom_id(settings, "issue", issue.slug, lang))
        sub(entry, "title", edition.subject)
        sub(entry, "updated", _atom_time(issue.period_to))
        sub(
            entry,
            "link",
            rel="alternate",
            type="text/html",
            hreflang=lang,
            href=_url(settings, edition_path(issue.year, issue.slug, lang)),
        )
        sub(
            entry,
            "link",
            rel="alternate",
            type="text/plain",
            hreflang=lang,
            href=_url(settings, edition_path(issue.year, issue.slug, lang, "txt")),
        )
        sub(entry, "summary", edition.preheader)
        sub(
            entry,
            "category",
            term=issue.publication.value,
            label=publication_name(issue.publication, lang),
        )
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def refresh_archive(root: Path, settings: Settings, *, drafts: bool = False) -> list[Path]:
    """Rewrite the index pages and feeds from every ``issue.json`` under ``root``: the published issues,
    or every issue in a drafts folder (``drafts``)."""
    issues = [i for i in archived_issues(root) if drafts or i.published]
    present = {e.language for i in issues for e in i.editions}
    # The languages issues are composed in get their index and feed before their first edition: a feed
    # reader subscribed to feed.en.atom must find an empty feed, not a 404, while only French is out.
    configured = {code.strip().lower() for code in settings.compose_languages.split(",")}
    languages = [code for code in LANGUAGES if code in present | configured] or [LANGUAGES[0]]
    written = [write_atomic(root / "index.html", chooser_page(languages, settings))]
    for lang in languages:
        written.append(
            write_atomic(root / f"index.{lang}.html", index_page(issues, lang, languages, settings))
        )
        written.append(write_atomic(root / f"feed.{lang}.atom", atom_feed(issues, lang, settings)))
    return written


# -- the whole stage ------------------------------------------------------------------------------------
def render_issue(
    store: IssueReader,
    issue_ref: str | int,
    settings: Settings,
    out_dir: Path | None = None,
    *,
    languages: Sequence[str] | None = None,
    pdf: bool = False,
) -> list[Path]:
    """Render the editions of an issue (all, or ``languages``) into the archive and refresh its index pages
    and feeds; returns every path written. Every edition is rendered and checked before anything is written.

    With ``pdf``, each edition is also printed to ``<lang>.pdf`` beside its HTML (render/pdf.py), with a
    draft watermark when the issue is not approved; without it, an older ``<lang>.pdf`` of a rendered
    edition is removed, so a PDF in the folder always shows what the HTML beside it shows.
    """
    issue = find_issue(store, issue_ref)
    if not SAFE_SLUG.fullmatch(issue.slug):  # it becomes a folder name: no "..", no "/"
        raise said(RenderError, "render.refused.slug", slug=issue.slug)
    content = store.issue_content(issue.id)
    wanted = list(dict.fromkeys(languages or issue.languages))
    unknown = [code for code in wanted if code not in issue.languages]
    if unknown:
        raise said(
            RenderError,
            "render.refused.no_edition",
            slug=issue.slug,
            language=language_names(*unknown),
            editions=language_names(*issue.languages),
        )
    published = issue.state in PUBLISHED_STATES
    root = _destination(issue, settings, out_dir, published)
    rendered: list[RenderedEdition] = [render_edition(content, code, settings) for code in wanted]
    printed = {code: print_edition(content, code, settings, draft=not published) for code in wanted if pdf}

    year = issue_year(content)
    folder = root / str(year) / issue.slug
    written: list[Path] = []
    for edition in rendered:
        written.append(write_atomic(folder / f"{edition.language}.html", edition.html))
        written.append(write_atomic(folder / f"{edition.language}.txt", edition.text))
        if edition.language in printed:
            written.append(write_atomic(folder / f"{edition.language}.pdf", printed[edition.language]))
        else:
            remove_stale(folder / f"{edition.language}.pdf")

    previous: dict[str, ArchivedEdition] = {}
    if (folder / MANIFEST).exists():
        try:
            previous = {e.language: e for e in read_manifest(folder / MANIFEST).editions}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("rewriting unreadable %s: %s", folder / MANIFEST, exc)
    for edition in rendered:
        previous[edition.language] = ArchivedEdition(
            edition.language,
            edition.subject,
            edition.preheader,
            fingerprint(edition),
            pdf=edition.language in printed,
        )
    archived = ArchivedIssue(
        slug=issue.slug,
        year=year,
        publication=issue.publication,
        period_from=issue.period_from,
        period_to=issue.period_to,
        editions=tuple(previous[code] for code in sorted(previous) if code in issue.languages),
        published=published,
    )
    manifest = json.dumps(_manifest_data(archived), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    written.append(write_atomic(folder / MANIFEST, manifest))
    written.extend(refresh_archive(root, settings, drafts=not published))
    return written


def drafts_dir(settings: Settings) -> Path:
    return Path(settings.nightly_drafts_dir or DEFAULT_DRAFTS_DIR).expanduser()


def _destination(issue: Issue, settings: Settings, out_dir: Path | None, published: bool) -> Path:
    """The archive for a published issue, the drafts folder for the others; never a draft in the archive."""
    archive = Path(settings.issues_dir).expanduser()
    if published:
        return Path(out_dir) if out_dir is not None else archive
    root = Path(out_dir) if out_dir is not None else drafts_dir(settings)
    if root.resolve() == archive.resolve():
        raise said(
            RenderError,
            "render.cli.draft_not_public",
            issue=issue.slug,
            state=Message(ISSUE_STATE_KEYS[issue.state]),
            archive=str(archive),
            drafts=str(drafts_dir(settings)),
        )
    return root
