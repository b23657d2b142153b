"""The subscribers' pages: subscribe, confirm, preferences, one-click unsubscribe.

No account: the signed link in a message is the key (:mod:`mediawatch.deliver.links`). What a page shows
is in the subscriber's language (the link's subscriber), else the ``lang`` parameter, else the browser's.

- ``GET /subscribe`` and ``POST /subscribe``: the form, with the consent wording and its version.
- ``GET /s/confirm/<token>`` shows a button and changes nothing (mail scanners open links);
  ``POST`` confirms.
- ``/s/preferences/<token>``: language, publications, unsubscribe or resubscribe, export as JSON, erase.
- ``/s/unsubscribe/<token>``: RFC 8058 one-click. ``POST`` works without cookie, token or body, takes
  effect at once and is idempotent; ``GET`` shows one button that posts to the same URL.

Every other form carries the app's CSRF token (:mod:`mediawatch.web.base`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, g, render_template, request, url_for
from werkzeug.wrappers import Response

from mediawatch.deliver.addresses import LANGUAGES, normalise_email, parse_publications
from mediawatch.deliver.links import LinkPurpose, link_signer, subscriber_for
from mediawatch.deliver.subscribers import (
    CONSENT_WORDING_VERSION,
    STATUS_KEYS,
    SUBSCRIBE_FORM,
    Origin,
    change_preferences,
    confirm,
    export_data,
    resubscribe,
    send_optin,
    subscribe,
    unsubscribe,
)
from mediawatch.errors import InvalidInput, InvalidLink
from mediawatch.i18n import and_list, language_name, t, use_language
from mediawatch.i18n.publications import publication_name
from mediawatch.render.model import organisation_name
from mediawatch.types import Publication, Subscriber, SubscriberStatus
from mediawatch.web.base import FormExpired, WrongOrigin, csrf_exempt, site_origin, web_settings, web_store

bp = Blueprint("public", __name__)

# Literal keys, for the i18n tests.
LANGUAGE_NAMES = {"fr": "public.language.fr", "en": "public.language.en", "es": "public.language.es"}


def _lang(preferred: str | None = None) -> str:
    """The page language: the subscriber's, else ?lang=, else the browser's; set for the templates."""
    candidates = (preferred, request.values.get("lang"))
    lang = next((c for c in candidates if c in LANGUAGES), None)
    lang = lang or request.accept_languages.best_match(LANGUAGES) or "en"
    g.lang = lang
    use_language(lang)
    return lang


def _origin(method: str, form: str = "", wording: str = "") -> Origin:
    return Origin(
        method=method,
        form=form,
        ip=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", "")[:1000],
        wording_version=wording,
    )


def _page(template: str, lang: str, status: int = 200, **context: Any) -> Response:
    def translate(key: str, /, **fields: object) -> str:
        return t(key, lang, **fields)

    body = render_template(
        f"public/{template}",
        lang=lang,
        _=translate,
        publication_label=lambda p: publication_name(p, lang, in_sentence=True),
        language_name=lambda code: t(LANGUAGE_NAMES[code], lang),
        status_label=lambda s: t(STATUS_KEYS[SubscriberStatus(s)], lang),
        all_languages=LANGUAGES,
        all_publications=[p.value for p in Publication],
        organisation=organisation_name(web_settings(), lang),  # "4 pour 1000", as the archive says it
        **context,
    )
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    # Pages reached by a personal link: never cached, and the link never leaks to another site in a
    # Referer. Not "no-referrer": with it Chromium sends "Origin: null" on the page's own forms.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.errorhandler(FormExpired)
def form_expired(exc: FormExpired) -> Response:
    """A form without a valid token (the session cookie was lost), or sent from another address than the
    site's (WrongOrigin): a page in the visitor's language, with a link that opens the form again, at the
    site's address in the second case, which the page names with the one the form was sent from."""
    token = request.view_args.get("token") if request.view_args else None
    preferred = request.form.get("language")
    if isinstance(token, str) and request.endpoint != "public.subscribe_page":
        confirming = request.endpoint == "public.confirm_post"
        purpose = LinkPurpose.CONFIRM if confirming else LinkPurpose.PREFERENCES
        try:
            preferred = subscriber_for(web_store(), link_signer(web_settings()), purpose, token).language
        except InvalidLink:
            pass
    lang = _lang(preferred)
    if request.endpoint == "public.confirm_post" and token:
        back = url_for("public.confirm_page", token=token)
    elif isinstance(token, str):
        back = url_for("public.preferences_page", token=token)
    else:
        back = url_for("public.subscribe_page", lang=lang)
    if isinstance(exc, WrongOrigin):  # the same page at the site's address: there the form can be sent
        expected = site_origin()
        return _page("expired.html", lang, 400, back=expected + back, seen=exc.seen, expected=expected)
    return _page("expired.html", lang, 400, back=back)


# Where the public side lives: a wrong address there is a visitor's (a link cut in a mail, a guessed
# archive page), who must not land on the staff app's bare "404 · mediawatch".
PUBLIC_PREFIXES = ("/s/", "/subscribe", "/archive")


def is_public_path(path: str) -> bool:
    site = urlsplit(web_settings().site_url).path.rstrip("/")
    prefixes = (*PUBLIC_PREFIXES, site) if site else PUBLIC_PREFIXES
    return path in ("/s", "/archive") or any(path.startswith(prefix) for prefix in prefixes)


def not_found() -> Response:
    """The public side's 404: the organisation's name and a way on, in the visitor's language."""
    return _page("not_found.html", _lang(), 404)


def _invalid(exc: InvalidLink) -> Response:
    """The page of a link that cannot be used, in its subscriber's language when it still names one (an
    expired confirmation link does), else the visitor's."""
    subscriber = exc.subscriber
    lang = _lang(subscriber.language if subscriber else None)
    key = "public.invalid.expired" if exc.expired else "public.invalid.text"
    if subscriber is not None and subscriber.status is SubscriberStatus.ACTIVE:
        key = "public.invalid.expired_confirmed"  # confirmed meanwhile: nothing is left to do
    return _page("invalid.html", lang, 404, message=t(key, lang))


def _with_subscriber(
    purpose: LinkPurpose, token: str, view: Callable[[Subscriber, str], Response]
) -> Response:
    try:
        subscriber = subscriber_for(web_store(), link_signer(web_settings()), purpose, token)
    except InvalidLink as exc:
        return _invalid(exc)
    return view(subscriber, _lang(subscriber.language))


# -- subscribe ----------------------------------------------------------------------------------------
def _unknown_language(lang: str) -> str:
    names = [language_name(code, lang) for code in LANGUAGES]
    listed = and_list(names, lang)
    field = t("public.subscribe.language", lang)  # the label the form shows
    return t("public.subscribe.bad_language", lang, field=field, languages=listed)


# Requests from one client address that record a subscription (each may mail a confirmation), per hour.
# Per address, subscribers.py mails at most once per RESEND_AFTER / ALREADY_MAIL_EVERY.
SUBSCRIBE_PER_CLIENT = 10
SUBSCRIBE_WINDOW = timedelta(hours=1)


def _too_many_from_here() -> bool:
    since = datetime.now(UTC) - SUBSCRIBE_WINDOW
    ip = request.remote_addr or ""
    done = web_store().consent_count(since, ip=ip, action="subscribe", method="web-form")
    return done >= SUBSCRIBE_PER_CLIENT


@bp.route("/subscribe", methods=["GET", "POST"])
def subscribe_page() -> Response:
    lang = _lang()
    form = request.form
    values: dict[str, Any] = {
        "email": form.get("email", ""),
        "language": form.get("language", lang),
        # The newsletter is offered ticked; a form sent back is taken as it was, nothing ticked included:
        # consent to nothing is not consent to the newsletter.
        "publications": form.getlist("publications")
        if request.method == "POST"
        else [Publication.NEWSLETTER.value],
    }
    if request.method == "GET":
        return _page("subscribe.html", lang, values=values, wording_version=CONSENT_WORDING_VERSION)
    errors: list[str] = []
    if form.get("website"):  # the honeypot a person never sees: answer as if it worked
        return _page("subscribe_done.html", lang)
    if not values["publications"]:
        errors.append(t("public.subscribe.no_publication", lang))
    if form.get("consent") != "yes":
        errors.append(t("public.subscribe.consent_missing", lang))
    if form.get("wording_version") != CONSENT_WORDING_VERSION:
        errors.append(t("public.subscribe.outdated", lang))
    if values["language"] not in LANGUAGES:
        # Only a forged or stale form gets here: said with the field's label and the languages in words,
        # not the library's codes (which suit the CSV import, where codes are what one types).
        errors.append(_unknown_language(lang))
    checks: list[tuple[Callable[[Any], object], Any]] = [(normalise_email, values["email"])]
    if values["publications"]:
        checks.append((parse_publications, values["publications"]))
    for check, value in checks:
        try:
            check(value)
        except InvalidInput as exc:
            errors.append(exc.translated(lang))
    if not errors and _too_many_from_here():
        return _page(
            "subscribe.html",
            lang,
            429,
            values=values,
            wording_version=CONSENT_WORDING_VERSION,
            errors=[t("public.subscribe.too_many", lang)],
        )
    if not errors:
        try:
            result = subscribe(
                web_store(),
                email=str(values["email"]),
                language=str(values["language"]),
                publications=list(values["publications"]),
                origin=_origin("web-form", SUBSCRIBE_FORM, CONSENT_WORDING_VERSION),
            )
        except InvalidInput as exc:
            errors.append(exc.translated(lang))
        else:
            if not send_optin(web_store(), web_settings(), result):
                return _page(
                    "subscribe.html",
                    lang,
                    503,
                    values=values,
                    wording_version=CONSENT_WORDING_VERSION,
                    errors=[t("public.subscribe.mail_failed", lang)],
                )
            return _page("subscribe_done.html", lang)
    return _page(
        "subscribe.html", lang, 400, values=values, wording_version=CONSENT_WORDING_VERSION, errors=errors
    )


# -- confirm ------------------------------------------------------------------------------------------
@bp.get("/s/confirm/<token>")
def confirm_page(token: str) -> Response:
    """Shows the button only: opening the link confirms nothing."""

    def view(subscriber: Subscriber, lang: str) -> Response:
        if subscriber.status not in (SubscriberStatus.PENDING, SubscriberStatus.ACTIVE):
            # left since (or suppressed): a button that can only be refused would be a trap
            return _page("invalid.html", lang, 409, message=t("public.confirm.not_pending", lang))
        return _page("confirm.html", lang, subscriber=subscriber, token=token)

    return _with_subscriber(LinkPurpose.CONFIRM, token, view)


@bp.post("/s/confirm/<token>")
def confirm_post(token: str) -> Response:
    def view(subscriber: Subscriber, lang: str) -> Response:
        if not confirm(web_store(), subscriber, _origin("confirm-page", "public-confirm")):
            return _page("invalid.html", lang, 409, message=t("public.confirm.not_pending", lang))
        done = web_store().find_subscriber(subscriber.id) or subscriber
        prefs = link_signer(web_settings()).url(LinkPurpose.PREFERENCES, done)
        return _page("confirmed.html", lang, subscriber=done, preferences_url=prefs)

    return _with_subscriber(LinkPurpose.CONFIRM, token, view)


# -- one-click unsubscribe (RFC 8058) -----------------------------------------------------------------
@bp.get("/s/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Response:
    def view(subscriber: Subscriber, lang: str) -> Response:
        return _page("unsubscribe.html", lang, subscriber=subscriber, token=token)

    return _with_subscriber(LinkPurpose.UNSUBSCRIBE, token, view)


@bp.post("/s/unsubscribe/<token>")
@csrf_exempt
def unsubscribe_post(token: str) -> Response:
    """The mail client's one-click POST (no cookie, no CSRF token, body optional) or our button."""
    signer = link_signer(web_settings())
    try:
        subscriber = subscriber_for(web_store(), signer, LinkPurpose.UNSUBSCRIBE, token)
    except InvalidLink as exc:
        if exc.expired:
            return _invalid(exc)
        # A well-signed link whose subscriber erased their data: there is nobody left to write to.
        try:
            signer.read(LinkPurpose.UNSUBSCRIBE, token)
        except InvalidLink:
            return _invalid(exc)
        return _page("unsubscribed.html", _lang(), subscriber=None, preferences_url="")
    one_click = request.form.get("List-Unsubscribe") == "One-Click" or not request.form
    unsubscribe(web_store(), subscriber.id, _origin("one-click" if one_click else "unsubscribe-page"))
    lang = _lang(subscriber.language)
    prefs = signer.url(LinkPurpose.PREFERENCES, subscriber)
    return _page("unsubscribed.html", lang, subscriber=subscriber, preferences_url=prefs)


# -- preferences --------------------------------------------------------------------------------------
def _preferences(subscriber: Subscriber, lang: str, status: int = 200, **extra: Any) -> Response:
    token = link_signer(web_settings()).token(LinkPurpose.PREFERENCES, subscriber)
    return _page("preferences.html", lang, status, subscriber=subscriber, token=token, **extra)


@bp.get("/s/preferences/<token>")
def preferences_page(token: str) -> Response:
    return _with_subscriber(LinkPurpose.PREFERENCES, token, lambda s, lang: _preferences(s, lang))


@bp.post("/s/preferences/<token>")
def preferences_post(token: str) -> Response:
    def view(subscriber: Subscriber, lang: str) -> Response:
        if not request.form.getlist("publications"):  # to receive nothing is to unsubscribe: said so
            return _preferences(subscriber, lang, 400, errors=[t("public.preferences.no_publication", lang)])
        if request.form.get("language") not in LANGUAGES:
            return _preferences(subscriber, lang, 400, errors=[_unknown_language(lang)])
        try:
            updated = change_preferences(
                web_store(),
                subscriber,
                _origin("preferences", "public-preferences"),
                language=request.form.get("language", ""),
                publications=request.form.getlist("publications"),
            )
        except InvalidInput as exc:
            return _preferences(subscriber, lang, 400, errors=[exc.translated(lang)])
        return _preferences(
            updated, _lang(updated.language), notice=t("public.preferences.saved", updated.language)
        )

    return _with_subscriber(LinkPurpose.PREFERENCES, token, view)


@bp.post("/s/preferences/<token>/unsubscribe")
def preferences_unsubscribe(token: str) -> Response:
    def view(subscriber: Subscriber, lang: str) -> Response:
        unsubscribe(web_store(), subscriber.id, _origin("preferences", "public-preferences"))
        updated = web_store().find_subscriber(subscriber.id) or subscriber
        return _preferences(updated, lang, notice=t("public.preferences.unsubscribed", lang))

    return _with_subscriber(LinkPurpose.PREFERENCES, token, view)


@bp.post("/s/preferences/<token>/resubscribe")
def preferences_resubscribe(token: str) -> Response:
    def view(subscriber: Subscriber, lang: str) -> Response:
        done = resubscribe(web_store(), subscriber, _origin("preferences", "public-preferences"))
        updated = web_store().find_subscriber(subscriber.id) or subscriber
        key = "public.preferences.resubscribed" if done else "public.preferences.cannot_resubscribe"
        return _preferences(updated, lang, notice=t(key, lang))

    return _with_subscriber(LinkPurpose.PREFERENCES, token, view)


@bp.get("/s/preferences/<token>/export")
def preferences_export(token: str) -> Response:
    def view(subscriber: Subscriber, lang: str) -> Response:
        body = json.dumps(export_data(web_store(), subscriber), ensure_ascii=False, indent=2)
        response = Response(body + "\n", content_type="application/json; charset=utf-8")
        response.headers["Content-Disposition"] = 'attachment; filename="my-subscription-data.json"'
        response.headers["Cache-Control"] = "no-store"
        return response

    return _with_subscriber(LinkPurpose.PREFERENCES, token, view)


@bp.post("/s/preferences/<token>/delete")
def preferences_delete(token: str) -> Response:
    def view(subscriber: Subscriber, lang: str) -> Response:
        if request.form.get("confirm_delete") != "yes":
            return _preferences(subscriber, lang, 400, errors=[t("public.delete.tick_box", lang)])
        web_store().delete_subscriber(subscriber.id)
        return _page("deleted.html", lang, subscribe_url=url_for("public.subscribe_page", lang=lang))

    return _with_subscriber(LinkPurpose.PREFERENCES, token, view)
