"""Add an article the feeds did not bring: by URL (fetched and extracted under the collector's rules), or
by hand (a print, radio or TV item: title, outlet, date, language, summary, optional URL).

Either way the article is deduplicated against what is stored (URL identity, title key), classified with
the person's language and region taking the place of the detected ones, and grouped into a story through
the normal grouping path, so it appears wherever collected articles do. The functions return an
:class:`AddResult` (added / already known / refused) and raise :class:`FieldError` for bad input; both
carry text in the person's language, so the CLI and a web form call them the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from mediawatch.classify.pipeline import Classifier
from mediawatch.collect.dates import reconcile_dates
from mediawatch.collect.netguard import AddressPolicy, policy_for
from mediawatch.collect.pipeline import consistent_canonical
from mediawatch.collect.urls import date_from_url
from mediawatch.config import Settings
from mediawatch.errors import ExtractError, FetchError
from mediawatch.i18n import ui_language
from mediawatch.identity import canonical_url
from mediawatch.store.additions import AddedArticle, AddOrigin
from mediawatch.store.protocols import AddArticleStore
from mediawatch.types import PartialReason, Role
from mediawatch.watch.add_classify import known_result, store_and_classify
from mediawatch.watch.add_fetch import fetch_page
from mediawatch.watch.add_fields import (
    ADDER_ROLES,
    ManualItem,
    check_common,
    check_language,
    check_manual,
    check_region,
    check_url_syntax,
    raise_if,
)
from mediawatch.watch.add_result import AddResult, AddStatus

# What a caller needs beside the two functions: what to pass in, and what comes back.
__all__ = ["AddResult", "AddStatus", "ManualItem", "add_manual", "add_url"]


# -- by hand --------------------------------------------------------------------------------------
def add_manual(
    store: AddArticleStore,
    settings: Settings,
    item: ManualItem,
    *,
    added_by: str,
    region: str | None = None,
    note: str = "",
    lang: str | None = None,
    classifier: Classifier | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    roles: Collection[Role] = ADDER_ROLES,
) -> AddResult:
    """Store a print, radio or TV item typed by a person; the outlet is kept as the publisher.
    ``added_by`` must be an enabled user whose role is one of ``roles``."""
    lang = ui_language(lang)
    problems: dict[str, str] = {}
    clean = check_manual(problems, item, lang, now())
    chosen_region = check_region(problems, region, lang)
    check_common(store, added_by, note, problems, lang, roles)
    raise_if(problems, lang)
    assert clean is not None
    corrections = {"language": clean.language}
    if chosen_region is not None:
        corrections["region"] = chosen_region.value
    article = AddedArticle(
        origin=AddOrigin.MANUAL,
        url=canonical_url(clean.url) if clean.url else "",
        aliases=[clean.url] if clean.url else [],
        title=clean.title,
        summary=clean.summary,
        sitename=clean.outlet,
        published=clean.published,
        date_source="editor",
        language=clean.language,
        added_by=added_by.strip(),
        note=note.strip(),
        corrections=corrections,
    )
    return store_and_classify(store, settings, article, chosen_region, classifier, now())


# -- by URL ---------------------------------------------------------------------------------------
def add_url(
    store: AddArticleStore,
    settings: Settings,
    url: str,
    *,
    added_by: str,
    language: str | None = None,
    region: str | None = None,
    note: str = "",
    lang: str | None = None,
    classifier: Classifier | None = None,
    address_policy: AddressPolicy | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    roles: Collection[Role] = ADDER_ROLES,
) -> AddResult:
    """Fetch, extract, deduplicate, classify and group one page a person found. ``added_by`` must be an
    enabled user whose role is one of ``roles``."""
    lang = ui_language(lang)
    problems: dict[str, str] = {}
    target = check_url_syntax(problems, url, lang)
    chosen_language = check_language(problems, language, lang)
    chosen_region = check_region(problems, region, lang)
    check_common(store, added_by, note, problems, lang, roles)
    raise_if(problems, lang)
    window = timedelta(hours=settings.title_dup_window_hours)
    known = store.known_article([target], "", None, window)
    if known is not None:  # no request at all for a page already stored
        return known_result(store, settings, known, classifier)
    policy = address_policy or policy_for(settings.allow_private_addresses)
    try:
        final_url, extracted = asyncio.run(fetch_page(settings, target, policy))
    except FetchError as exc:
        return AddResult(AddStatus.REFUSED, reason=exc.status.value, cause=exc, url=target)
    except ExtractError as exc:
        reason = PartialReason.EXTRACTION_FAILED.value
        if str(exc).startswith(PartialReason.NOT_HTML.value):
            reason = PartialReason.NOT_HTML.value
        return AddResult(AddStatus.REFUSED, reason=reason, cause=exc, url=target)
    moment = now()
    canonical = consistent_canonical(canonical_url(final_url), extracted.canonical_url)
    stored_url = canonical or canonical_url(final_url)
    choice = reconcile_dates(None, extracted.date, date_from_url(stored_url), moment)
    corrections = {}
    if chosen_language:
        corrections["language"] = chosen_language
    if chosen_region is not None:
        corrections["region"] = chosen_region.value
    article = AddedArticle(
        origin=AddOrigin.URL,
        url=stored_url,
        aliases=[target, final_url, canonical],
        title=extracted.title,
        text=extracted.text,
        author=extracted.author,
        sitename=site_outlet(extracted.sitename, stored_url, final_url),
        published=choice.published,
        date_source=choice.source,
        language=chosen_language or extracted.language,
        partial_reason=extracted.partial_reason,
        # Stored data, in English like the collector's details: only part of the page was readable.
        partial_detail=f"{extracted.partial_reason.value}: kept what the page showed"
        if extracted.partial_reason
        else "",
        added_by=added_by.strip(),
        note=note.strip(),
        corrections=corrections,
    )
    return store_and_classify(store, settings, article, chosen_region, classifier, moment, extracted)


def site_outlet(sitename: str, *urls: str) -> str:
    """The site's name as the page gives it, else the host of the first of ``urls`` without its port or a
    leading "www.". Extraction falls back to the address's host and port ("example.org:8443") when the
    page names no site: a reader knows an outlet by its host, never by a port."""
    hosts: set[str] = set()
    for url in urls:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        hosts |= {host, host.removeprefix("www.")}
        with contextlib.suppress(ValueError):  # a port that is no number: the host alone is compared
            if parts.port is not None:
                hosts |= {f"{host}:{parts.port}", f"{host.removeprefix('www.')}:{parts.port}"}
    name = " ".join(sitename.split())
    if name and name.lower() not in hosts:
        return name
    return (urlsplit(urls[0]).hostname or "").lower().removeprefix("www.") if urls else name
