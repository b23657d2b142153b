"""The subscribers' pages on a real Flask app served on 127.0.0.1, with a real SMTP server receiving the
opt-in mails: double opt-in (opening the link confirms nothing), RFC 8058 one-click unsubscribe without
cookies, preferences, export and erasure."""

from __future__ import annotations

import inspect
import json
import re
import threading

import pytest
import requests
from deliver_samples import SmtpServer, approved_issue, free_port, make_settings, open_store
from werkzeug.serving import make_server

from mediawatch.deliver.links import LinkPurpose, link_signer
from mediawatch.deliver.send import send_issue
from mediawatch.deliver.subscribers import CONSENT_WORDING_VERSION, Origin, add_confirmed
from mediawatch.i18n import t
from mediawatch.types import Publication, SubscriberStatus
from mediawatch.web.app import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r"https?://[^/\s]+(/s/[a-z]+/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def site(tmp_path, db_url):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with SmtpServer() as smtp:
        # the public URL is this server's: links in mails lead to it (and cookies are not Secure-only)
        settings = make_settings(tmp_path, smtp.url, base_url=base, db=db_url, allow_private_links=True)
        store = open_store(settings)
        app = create_app(settings, store)
        http = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        try:
            yield base, settings, store, smtp.recorder
        finally:
            http.shutdown()
            store.close()


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, html[:500]
    return match.group(1)


def local(url: str, base: str) -> str:
    """A link found in a mail (a full URL or the path LINK found), on the test server."""
    if url.startswith("/"):
        return base + url
    match = LINK.search(url)
    assert match, url
    return base + match.group(1)


def test_double_opt_in_opening_the_link_confirms_nothing(site):
    base, settings, store, recorder = site
    browser = requests.Session()
    page = browser.get(f"{base}/subscribe?lang=es")
    assert page.status_code == 200
    assert "Suscribirse" in page.text
    assert CONSENT_WORDING_VERSION in page.text
    form = {
        "email": "Lucia@Example.org",
        "language": "es",
        "publications": ["newsletter", "press-review"],
        "consent": "yes",
        "wording_version": CONSENT_WORDING_VERSION,
        "csrf_token": csrf_of(page.text),
    }
    done = browser.post(f"{base}/subscribe?lang=es", data=form, headers={"User-Agent": "test-browser/1.0"})
    assert done.status_code == 200
    assert "Revise su bandeja de entrada" in done.text
    sub = store.find_subscriber("lucia@example.org")
    assert sub.status is SubscriberStatus.PENDING
    assert sub.publications == (Publication.NEWSLETTER, Publication.PRESS_REVIEW)
    (record,) = store.consent_records(sub.id)
    assert (record.action, record.method, record.form, record.wording_version) == (
        "subscribe",
        "web-form",
        "public-subscribe",
        CONSENT_WORDING_VERSION,
    )
    assert record.ip == "127.0.0.1"
    assert record.user_agent == "test-browser/1.0"

    (mail,) = recorder.snapshot()
    msg = mail.message()
    assert msg["Subject"] == "Confirme su suscripción a 4 por 1000"  # the name the Spanish pages use
    assert msg["Content-Language"] == "es"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/s/unsubscribe/" in msg["List-Unsubscribe"]
    assert "mailto:" in msg["List-Unsubscribe"]
    text = msg.get_body(("plain",)).get_content()
    assert "Confirmar mi suscripción" in text
    confirm_url = local(next(u for u in LINK.findall(text) if u.startswith("/s/confirm/")), base)

    # a mail scanner opens the link (no cookie, GET and HEAD): nothing happens
    scanned = requests.get(confirm_url)
    assert scanned.status_code == 200
    assert scanned.text.count("<button") == 1
    assert requests.head(confirm_url).status_code == 200
    assert store.find_subscriber(sub.id).status is SubscriberStatus.PENDING
    # a POST without the page's CSRF token is refused
    assert requests.post(confirm_url).status_code == 400
    assert store.find_subscriber(sub.id).status is SubscriberStatus.PENDING

    page = browser.get(confirm_url)
    assert "Confirme su suscripción" in page.text
    confirmed = browser.post(confirm_url, data={"csrf_token": csrf_of(page.text)})
    assert confirmed.status_code == 200
    assert "Suscripción confirmada" in confirmed.text
    sub = store.find_subscriber(sub.id)
    assert sub.status is SubscriberStatus.ACTIVE
    assert sub.confirmed_at is not None
    assert [r.action for r in store.consent_records(sub.id)] == ["subscribe", "confirm"]

    # subscribing again while active: no change, a mail with the preferences link instead
    page = browser.get(f"{base}/subscribe?lang=fr")
    again = dict(form, email="lucia@example.org", language="fr", csrf_token=csrf_of(page.text))
    assert browser.post(f"{base}/subscribe", data=again).status_code == 200
    assert store.find_subscriber(sub.id).language == "es"
    latest = recorder.snapshot()[-1].message()
    assert latest["Subject"] == "Su suscripción a 4 por 1000"
    assert "/s/preferences/" in latest.get_body(("plain",)).get_content()


def test_subscribe_form_errors_are_translated(site):
    base, _settings, store, recorder = site
    browser = requests.Session()
    page = browser.get(f"{base}/subscribe?lang=fr")
    bad = browser.post(
        f"{base}/subscribe?lang=fr",
        data={
            "email": "pas une adresse",
            "language": "fr",
            "publications": "newsletter",
            "wording_version": CONSENT_WORDING_VERSION,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert bad.status_code == 400
    assert "Cochez la case de consentement" in bad.text
    assert "n&#39;est pas une adresse e-mail" in bad.text
    assert recorder.snapshot() == []
    assert store.subscriber_counts() == {}


def _active(store, email="reader@example.org", language="fr"):
    return add_confirmed(
        store, email=email, language=language, publications="newsletter", origin=Origin(method="cli")
    )


def test_one_click_unsubscribe_needs_no_cookie_nor_body_and_is_idempotent(site):
    base, settings, store, _recorder = site
    sub = _active(store)
    url = base + "/s/unsubscribe/" + link_signer(settings).token(LinkPurpose.UNSUBSCRIBE, sub)
    # opening it in a browser shows one button and changes nothing
    page = requests.get(url)
    assert page.status_code == 200
    assert page.text.count("<button") == 1
    assert "csrf_token" not in page.text
    assert store.find_subscriber(sub.id).status is SubscriberStatus.ACTIVE
    # the mail client's POST: no cookie, no token, no body
    first = requests.post(url)
    assert first.status_code == 200
    assert "Vous êtes désabonné" in first.text
    assert "Set-Cookie" not in first.headers
    assert store.find_subscriber(sub.id).status is SubscriberStatus.UNSUBSCRIBED
    # again, and with the RFC 8058 body: still fine, nothing more recorded
    second = requests.post(url, data={"List-Unsubscribe": "One-Click"})
    assert second.status_code == 200
    actions = [(r.action, r.method) for r in store.consent_records(sub.id)]
    assert actions == [("subscribe", "cli"), ("unsubscribe", "one-click")]
    assert requests.post(base + "/s/unsubscribe/forged.token").status_code == 404


def test_the_unsubscribe_header_of_a_real_newsletter_works(site):
    base, settings, store, recorder = site
    issue_id = approved_issue(store, settings)
    sub = _active(store, "newsreader@example.org", "en")
    send_issue(store, settings, issue_id)
    (mail,) = recorder.snapshot()
    header = " ".join(str(mail.message()["List-Unsubscribe"]).split())
    https_url = header.split(">")[0].lstrip("<")
    assert (
        requests.post(
            local(https_url, base),
            data="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ).status_code
        == 200
    )
    assert store.find_subscriber(sub.id).status is SubscriberStatus.UNSUBSCRIBED
    html = mail.message().get_body(("html",)).get_content()
    prefs = local(next(u for u in LINK.findall(html) if u.startswith("/s/preferences/")), base)
    assert "unsubscribed" in requests.get(prefs).text


def test_preferences_change_export_and_delete(site):
    base, settings, store, _recorder = site
    sub = _active(store, "prefs@example.org", "fr")
    url = base + "/s/preferences/" + link_signer(settings).token(LinkPurpose.PREFERENCES, sub)
    browser = requests.Session()
    page = browser.get(url)
    assert page.status_code == 200
    assert "Vos préférences" in page.text
    assert "prefs@example.org" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "same-origin"  # "no-referrer" breaks the forms
    saved = browser.post(
        url, data={"language": "en", "publications": ["press-review"], "csrf_token": csrf_of(page.text)}
    )
    assert saved.status_code == 200
    assert "Your preferences are saved." in saved.text
    sub = store.find_subscriber(sub.id)
    assert sub.language == "en"
    assert sub.publications == (Publication.PRESS_REVIEW,)
    # without CSRF: refused
    assert requests.post(url, data={"language": "es", "publications": "newsletter"}).status_code == 400

    exported = browser.get(url + "/export")
    assert exported.headers["Content-Type"].startswith("application/json")
    data = json.loads(exported.text)
    assert data["email"] == "prefs@example.org"
    assert data["language"] == "en"
    assert [r["action"] for r in data["consent_records"]] == ["subscribe", "change"]

    page = browser.get(url)
    refused = browser.post(url + "/delete", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 400
    assert store.find_subscriber(sub.id) is not None
    deleted = browser.post(url + "/delete", data={"csrf_token": csrf_of(page.text), "confirm_delete": "yes"})
    assert deleted.status_code == 200
    assert "Your data is deleted" in deleted.text
    assert store.find_subscriber(sub.id) is None
    assert store.consent_records(sub.id) == []
    assert browser.get(url).status_code == 404
    # an old unsubscribe link of the erased subscriber still answers politely
    old = base + "/s/unsubscribe/" + link_signer(settings).token(LinkPurpose.UNSUBSCRIBE, sub)
    assert requests.post(old).status_code == 200


def test_preferences_unsubscribe_and_resubscribe(site):
    base, settings, store, _recorder = site
    sub = _active(store, "back@example.org", "es")
    url = base + "/s/preferences/" + link_signer(settings).token(LinkPurpose.PREFERENCES, sub)
    browser = requests.Session()
    token = csrf_of(browser.get(url).text)
    off = browser.post(url + "/unsubscribe", data={"csrf_token": token})
    assert "Se ha dado de baja" in off.text
    assert store.find_subscriber(sub.id).status is SubscriberStatus.UNSUBSCRIBED
    on = browser.post(url + "/resubscribe", data={"csrf_token": token})
    assert "Vuelve a estar suscrito" in on.text
    assert store.find_subscriber(sub.id).status is SubscriberStatus.ACTIVE
    assert [r.action for r in store.consent_records(sub.id)] == ["subscribe", "unsubscribe", "resubscribe"]


def test_every_key_of_the_public_templates_exists_in_every_language():
    from pathlib import Path

    from mediawatch.i18n import LANGUAGES, catalogue

    folder = Path(__file__).resolve().parents[1] / "mediawatch" / "web" / "templates" / "public"
    used = {k for p in folder.glob("*.html") for k in re.findall(r'_\("([a-z0-9_.]+)"', p.read_text("utf-8"))}
    assert "public.confirm.button" in used
    for lang in LANGUAGES:
        assert not sorted(used - set(catalogue(lang))), lang


def test_only_the_one_click_post_skips_csrf(site):
    base, _settings, _store, _recorder = site
    from mediawatch.web import public

    views = {name: v for name, v in vars(public).items() if inspect.isfunction(v)}
    exempt = {name for name, view in views.items() if getattr(view, "csrf_exempt", False)}
    assert exempt == {"unsubscribe_post"}
    # every other form of the public pages refuses a post without the token
    assert requests.post(f"{base}/subscribe", data={"email": "x@example.org"}).status_code == 400


# The organisation as each language names it (the glossary's "4 per 1000"), as the pages and the
# archive say it.
ORGANISATION = {"fr": "4 pour 1000", "en": "4 per 1000", "es": "4 por 1000"}


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_optin_mails_name_the_organisation_and_punctuate_in_the_subscribers_language(site, lang):
    base, _settings, store, recorder = site
    browser = requests.Session()

    def subscribe() -> None:
        page = browser.get(f"{base}/subscribe?lang={lang}")
        form = {
            "email": "reader@example.org",
            "language": lang,
            "publications": "newsletter",
            "consent": "yes",
            "wording_version": CONSENT_WORDING_VERSION,
            "csrf_token": csrf_of(page.text),
        }
        assert browser.post(f"{base}/subscribe?lang={lang}", data=form).status_code == 200

    subscribe()
    store.update_subscriber(
        store.find_subscriber("reader@example.org").id,
        consent=Origin(method="cli").consent("confirm"),
        status=SubscriberStatus.ACTIVE,
    )
    subscribe()  # while active: the "already subscribed" mail
    confirm_mail, already_mail = (m.message() for m in recorder.snapshot())
    name = ORGANISATION[lang]
    assert confirm_mail["Subject"] == t("email.confirm.subject", lang, organisation=name)
    assert already_mail["Subject"] == t("email.already.subject", lang, organisation=name)
    for msg in (confirm_mail, already_mail):
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        for body in (text, html):
            assert name in body
            for other in set(ORGANISATION.values()) - {name}:
                assert other not in body, (other, body)
        # French typography: a (non-breaking or plain) space before the colon of "label : link".
        colon = " :" if lang == "fr" else ":"
        unsubscribe_line = next(line for line in text.splitlines() if "/s/unsubscribe/" in line)
        assert unsubscribe_line.startswith(t("email.unsubscribe", lang) + colon + " "), unsubscribe_line
        button = t("email.confirm.button" if msg is confirm_mail else "email.already.button", lang)
        assert button + colon in text.splitlines(), text
